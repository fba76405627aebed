"""Pair sampling: equal exposure over 10,000 simulated battles, outage catch-up, seeding."""
from __future__ import annotations

import random

import pytest

from contest.sampling import Exposure, NotEnoughModels, allowed_pairs, choose_pair


def simulate(models: list, battles: int, seed: int, exposure: Exposure | None = None, check_each=True):
    exposure = exposure or Exposure()
    rng = random.Random(seed)
    for _ in range(battles):
        draw = choose_pair(exposure, models, rng)
        assert draw.a != draw.b and {draw.a, draw.b} <= set(models)
        exposure.add(draw.a, draw.b)
        if check_each:
            assert max(exposure.gaps(models)) <= 1, exposure.gaps(models)
    return exposure


@pytest.mark.parametrize("n", [4, 5])
def test_ten_thousand_battles_keep_models_pairs_and_sides_within_one(n):
    models = [f"m{i}" for i in range(n)]
    exposure = simulate(models, 10_000, seed=n)
    counts = [exposure.models[m] for m in models]
    assert sum(counts) == 20_000
    assert max(counts) - min(counts) <= 1
    pairs = list(exposure.pairs.values())
    assert len(pairs) == n * (n - 1) // 2 and max(pairs) - min(pairs) <= 1
    for m in models:
        assert abs(exposure.side_a[m] - exposure.side_b[m]) <= 1


def test_three_models_stay_balanced():
    simulate(["x", "y", "z"], 3_000, seed=3)


def test_model_in_outage_is_skipped_then_caught_up():
    models = ["a", "b", "c", "d"]
    exposure = simulate(models[:3], 900, seed=1)  # "d" in outage: never drawn
    assert "d" not in exposure.models
    assert max(exposure.gaps(models[:3])) <= 1
    rng = random.Random(2)
    catch_up = 0
    while exposure.gaps(models)[0] > 1:
        draw = choose_pair(exposure, models, rng)
        assert "d" in (draw.a, draw.b), "the lagging model must be in every battle until it caught up"
        exposure.add(draw.a, draw.b)
        catch_up += 1
    assert catch_up >= 600
    simulate(models, 3_000, seed=4, exposure=exposure, check_each=False)
    model_gap, _, side_gap = exposure.gaps(models)
    assert model_gap <= 1 and side_gap <= 1


def test_same_seed_same_draws_and_propensity_is_the_draws_probability():
    models = [1, 2, 3, 4]
    first = [choose_pair(Exposure(), models, random.Random(7)) for _ in range(3)]
    again = [choose_pair(Exposure(), models, random.Random(7)) for _ in range(3)]
    assert first == again
    allowed = allowed_pairs(Exposure(), models)
    assert len(allowed) == 12 and first[0].propensity == pytest.approx(1 / 12)
    exposure = Exposure()
    exposure.add(1, 2)
    # After 1 vs 2 only 3 and 4 can keep the models within one: two orders.
    assert sorted(allowed_pairs(exposure, models)) == [(3, 4), (4, 3)]
    assert choose_pair(exposure, models, random.Random(0)).propensity == 0.5


def test_fewer_than_two_models_cannot_battle():
    with pytest.raises(NotEnoughModels):
        choose_pair(Exposure(), ["only"], random.Random(0))


@pytest.mark.parametrize("n", [6, 7])
def test_rosters_of_six_or_more_keep_models_pairs_and_sides_within_two(n):
    # No look-ahead keeps these strictly within one; the fallback must still not let pairs drift.
    models = [f"m{i}" for i in range(n)]
    exposure = Exposure()
    rng = random.Random(n)
    for _ in range(2_000):
        draw = choose_pair(exposure, models, rng)
        exposure.add(draw.a, draw.b)
        assert max(exposure.gaps(models)) <= 2, exposure.gaps(models)
    assert len(exposure.pairs) == n * (n - 1) // 2
