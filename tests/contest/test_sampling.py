"""Pair sampling, unit by unit: the gap arithmetic, who is behind, the allowed pairs and propensity,
catch-up after an outage, one category kept within one, seeding."""
from __future__ import annotations

import random
from itertools import permutations

import pytest

from contest.balance import Level, behind
from contest.sampling import (CATEGORY_BOUND, CATEGORY_LIMIT, PAIR_SIDES_LIMIT, ROUND_BOUND, Exposure,
                              NotEnoughModels, RoundExposure, allowed_pairs, choose_pair)


def run(counts: RoundExposure, models: list, categories: list, battles: int, rng: random.Random) -> None:
    for _ in range(battles):
        category = rng.choice(categories)
        draw = choose_pair(counts, category, models, rng)
        counts.add(category, draw.a, draw.b)


def test_gaps_after_a_draw_match_counting_it_for_real():
    rng, models = random.Random(1), list(range(5))
    for _ in range(400):
        exposure = Exposure()
        for _ in range(rng.randrange(12)):
            exposure.add(*rng.sample(models, 2))
        level = exposure.level(models, bound=99)
        for a, b in permutations(range(5), 2):
            exposure.add(a, b)
            assert level.gaps_after(a, b) == exposure.gaps(models), (exposure, a, b)
            exposure.add(a, b, -1)


def test_behind_names_the_models_that_would_break_the_bound():
    counts = [30, 30, 30, 4]
    pairs = [[0, 10, 10, 2], [10, 0, 10, 1], [10, 10, 0, 1], [2, 1, 1, 0]]
    assert behind(counts, pairs, 2) == {3}
    assert behind([5, 5, 4, 4], [[0, 2, 2, 1], [2, 0, 1, 2], [2, 1, 0, 1], [1, 2, 1, 0]], 2) == set()
    assert behind([9, 9, 0, 0], [[0, 9, 0, 0], [9, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]], 2) == {2, 3}


def test_a_model_behind_may_not_overtake_the_others_counts_or_pairs():
    # 3 is behind: its pairings with 1 and 2 are far short; its pairing with 0 is at the others' five.
    pairs = [[0, 5, 5, 5], [5, 0, 5, 0], [5, 5, 0, 0], [5, 0, 0, 0]]
    level = Level([10, 10, 10, 5], pairs, [0, 0, 0, 0], bound=2)
    assert level.level == [True, True, True, False]
    assert level.gaps_after(3, 1)[:2] == (1, 0)  # catching up with 1 breaks nothing
    assert level.gaps_after(3, 0)[1] == 1  # a sixth 0-3 would overtake the others' pairs
    ahead = Level([10, 10, 10, 11], pairs, [0, 0, 0, 0], bound=2)
    assert ahead.level[3] is False and ahead.gaps_after(3, 1)[0] == 2  # nor may its battles


def test_first_draws_and_their_propensity():
    models = [1, 2, 3, 4]
    counts = RoundExposure()
    assert len(allowed_pairs(counts, "x", models)) == 12
    assert choose_pair(counts, "x", models, random.Random(0)).propensity == pytest.approx(1 / 12)
    counts.add("x", 1, 2)
    # Whichever category comes next, only 3 and 4 keep the round's models within one: two orders.
    for category in ("x", "y"):
        assert sorted(allowed_pairs(counts, category, models)) == [(3, 4), (4, 3)]
        assert choose_pair(counts, category, models, random.Random(0)).propensity == 0.5


def test_when_round_and_category_disagree_the_round_stays_within_one_and_the_category_within_two():
    models = [1, 2, 3, 4]
    counts = RoundExposure()
    counts.add("x", 1, 2)
    counts.add("y", 3, 4)
    # Category x wants {3, 4}, but a second 3-4 would put that pair two ahead of 1-3 in the round.
    allowed = allowed_pairs(counts, "x", models)
    assert allowed and all({a, b} not in ({1, 2}, {3, 4}) for a, b in allowed)
    for a, b in allowed:
        counts.add("x", a, b)
        assert max(counts.total.gaps(models)) <= 1
        assert max(counts.category("x").gaps(models)) <= CATEGORY_BOUND
        counts.add("x", a, b, -1)


def test_sides_alternate():
    counts = RoundExposure()
    counts.add("x", "a", "b")
    counts.add("x", "c", "d")
    counts.add("x", "a", "c")
    for a, b in allowed_pairs(counts, "x", ["a", "b", "c", "d"]):
        assert a != "a" and b != "c"  # a has been A twice and c B twice... once each more would make 2


def test_one_category_keeps_everything_within_one_but_for_a_few_battles_at_two():
    # Each pair's two orders held within one costs, with four or five models, a gap of two now and
    # then (about 3% of battles); three models keep every gap within one.
    for n in (3, 4, 5):
        models, counts = [f"m{i}" for i in range(n)], RoundExposure()
        rng, at_two = random.Random(n), 0
        for _ in range(1_500):
            draw = choose_pair(counts, "only", models, rng)
            counts.add("only", draw.a, draw.b)
            worst = max(counts.total.gaps(models))
            assert worst <= 2 and counts.total.pair_sides(models) <= PAIR_SIDES_LIMIT, (n, counts.total.gaps(models))
            at_two += worst == 2
        assert at_two <= (0 if n == 3 else 75), (n, at_two)


def test_a_pairs_two_orders_stay_within_two_and_mostly_within_one():
    counts = RoundExposure()
    for a, b in (("a", "b"), ("c", "d"), ("a", "c"), ("b", "d"), ("a", "d"), ("b", "c")):
        counts.add("x", a, b)
    assert counts.total.pair_sides(["a", "b", "c", "d"]) == 1
    counts.add("x", "a", "b")
    assert counts.total.pair_sides(["a", "b", "c", "d"]) == 2
    # Orders held within one cost a category's gaps (bench/exposure_game.py: three models, three
    # categories): they are held within two, and within one where the other bounds allow.
    models, counts, rng = ["a", "b", "c", "d"], RoundExposure(), random.Random(5)
    at_two = 0
    for i in range(2_000):
        category = rng.choice("xyz")
        draw = choose_pair(counts, category, models, rng)
        counts.add(category, draw.a, draw.b)
        assert counts.total.pair_sides(models) <= PAIR_SIDES_LIMIT == 2, i
        at_two += counts.total.pair_sides(models) == 2
    assert at_two <= 40  # 13 measured


def breaks_a_bound(counts: RoundExposure, category: str, models: list, pair: tuple) -> bool:
    """Drawing `pair` takes a gap over 2: among the three level models (round), among those caught
    up in the category (the returning one too once within the category's worst bound), or a side."""
    held = models if max(counts.category(category).gaps(models)[:2]) <= CATEGORY_LIMIT else models[:3]
    counts.add(category, *pair)
    try:
        return any(max(e.gaps(level)[:2] + e.gaps(models)[2:]) > 2
                   for e, level in ((counts.total, models[:3]), (counts.category(category), held)))
    finally:
        counts.add(category, *pair, -1)


def test_model_back_from_outage_is_in_every_battle_it_can_be_until_it_has_caught_up():
    models, rng = ["a", "b", "c", "d"], random.Random(3)
    counts = RoundExposure()
    run(counts, models[:3], ["x", "y"], 300, rng)  # "d" in outage: never drawn
    assert "d" not in counts.total.models
    catch_up = skipped = 0
    while counts.total.gaps(models)[0] > ROUND_BOUND:
        category = rng.choice(["x", "y"])
        draw = choose_pair(counts, category, models, rng)
        # Left out only where it is not short of the others in this category, or every battle with "d"
        # would take a gap over 2.
        if "d" not in (draw.a, draw.b):
            skipped += 1
            here = counts.category(category).models
            assert (here.get("d", 0) >= max(here.get(m, 0) for m in models[:3])
                    or all(breaks_a_bound(counts, category, models, pair) for pair in permutations(models, 2)
                           if "d" in pair))
        counts.add(category, draw.a, draw.b)
        assert max(counts.total.gaps(models[:3])[1:]) <= ROUND_BOUND  # the others keep their bounds
        catch_up += 1
    # Seeds 3-12: 297-340 battles to catch up, 0-21 without "d" (17 of 331 here); 2% longer on average
    # than when it could run ahead of the others in a category.
    assert catch_up >= 250 and skipped <= catch_up // 10
    run(counts, models, ["x", "y"], 1_000, rng)
    assert max(counts.total.gaps(models)) <= ROUND_BOUND


def test_same_seed_same_draws():
    models = [1, 2, 3, 4, 5]

    def draws(seed: int) -> list:
        counts, rng, out = RoundExposure(), random.Random(seed), []
        for i in range(50):
            draw = choose_pair(counts, "xyz"[i % 3], models, rng)
            counts.add("xyz"[i % 3], draw.a, draw.b)
            out.append(draw)
        return out

    assert draws(7) == draws(7) and draws(7) != draws(8)


def test_fewer_than_two_models_cannot_battle():
    with pytest.raises(NotEnoughModels):
        choose_pair(RoundExposure(), "x", ["only"], random.Random(0))
    with pytest.raises(NotEnoughModels):
        allowed_pairs(RoundExposure(), "x", [])
