"""Which exposure bounds any sampler can hold, decided exactly on small cases (bench/exposure_game.py):
the category sequence is the adversary, the sampler answers with pairs."""
from __future__ import annotations

import random
from itertools import combinations

from bench.exposure_game import Bounds, Game, forcing_sequence, solve
from contest.sampling import Exposure


def test_one_category_keeps_pairs_and_models_within_one():
    assert solve(Game(4, Bounds(1, 1), Bounds(1, 1)), 1)[0]
    assert solve(Game(5, Bounds(1, 1), Bounds(1, 1)), 1)[0]


def test_two_categories_in_any_order_break_all_within_one_after_three_battles():
    game = Game(4, Bounds(1, 1), Bounds(1, 1))
    assert solve(game, 2)[0] is False
    assert forcing_sequence(game, 2, 8) == [0, 1, 0]
    # Replayed by hand: x draws a pair, y must draw the other two models (the round's models), and x
    # then needs those two again (its own models), which puts that pair two ahead of four in the round.
    broken = 0
    for first in combinations(range(4), 2):
        second = tuple(m for m in range(4) if m not in first)
        assert all(game.round_holds((game.zero, game.zero), i) for i in range(6))
        x = game.step(game.zero, game.pieces.index(first))
        y = game.step(game.zero, game.pieces.index(second))
        for piece in range(6):
            nxt = game.step(x, piece)
            broken += nxt is None or not game.round_holds((x, y), piece)
    assert broken == 6 * 6


def test_the_round_within_one_cannot_be_held_beside_categories_within_two():
    assert solve(Game(4, Bounds(1, 1), Bounds(2, 2)), 2)[0] is False


def test_categories_within_one_cannot_be_held_beside_the_round_within_two_from_three_categories():
    assert solve(Game(4, Bounds(2, 2), Bounds(1, 1)), 2)[0] is True
    assert solve(Game(4, Bounds(2, 2), Bounds(1, 1)), 3)[0] is False


def test_pairs_and_models_within_two_at_both_levels_can_be_held():
    assert solve(Game(4, Bounds(2, 2), Bounds(2, 2)), 2)[0] is True


def test_the_games_gaps_are_the_samplers_gaps():
    rng = random.Random(2)
    game = Game(4, Bounds(2, 2, 2, 2), Bounds(2, 2, 2))
    for _ in range(200):
        counts = [rng.randrange(4) for _ in game.pieces]
        exposure = Exposure()
        for (a, b), times in zip(game.pieces, counts):
            exposure.add(a, b, times)
        assert game.gaps(counts) == exposure.gaps(list(range(4))) + (exposure.pair_sides(list(range(4))),)
