"""Rating maths: BT against an independent reference fit, invariants, bootstrap, Elo."""
import numpy as np
import pytest

from bench.ratings import reference_fit as bench_reference
from voting.board import BoardSettings, compute_rows
from voting.rating import (A_WINS, B_WINS, TIE, RatingParams, bootstrap_bt, effective_wins, elo_update,
                           expected_score, fit_bt, online_elo, pair_matrices, ranks_from_ci, tally)


def synthetic(n_models=8, n_votes=20_000, tie_share=0.15, seed=3):
    """Votes drawn from known strengths (Elo scale), ties included."""
    rng = np.random.default_rng(seed)
    strength = rng.normal(1000, 120, n_models)
    a = rng.integers(0, n_models, n_votes)
    b = (a + rng.integers(1, n_models, n_votes)) % n_models
    p = expected_score(strength[a], strength[b])
    u = rng.random(n_votes)
    outcome = np.where(u < tie_share, TIE, np.where(u < tie_share + (1 - tie_share) * p, A_WINS, B_WINS))
    return a, b, outcome, strength


def reference_fit(a, b, outcome, n):
    """Row-level logistic regression (scikit-learn), one row per vote; shared with the benchmark."""
    return bench_reference(a, b, outcome, n, tol=1e-10)


def bt(a, b, outcome, n, **kw):
    return fit_bt(effective_wins(tally(a, b, outcome, n, **kw).weights))


def test_bt_agrees_with_logistic_regression_reference_including_ties():
    a, b, outcome, strength = synthetic()
    ours = bt(a, b, outcome, 8)
    ref = reference_fit(a, b, outcome, 8)
    assert np.max(np.abs(ours - ref)) <= 0.01
    assert ours.mean() == pytest.approx(1000, abs=1e-9)
    # and it recovers the known strengths (random ties shrink the spread, not the order)
    assert np.corrcoef(ours, strength)[0, 1] > 0.99


def test_bt_is_independent_of_vote_order_and_of_sides():
    a, b, outcome, _ = synthetic(n_votes=5000)
    perm = np.random.default_rng(9).permutation(len(a))
    assert np.allclose(bt(a, b, outcome, 8), bt(a[perm], b[perm], outcome[perm], 8), atol=1e-9)
    swapped = np.choose(outcome, [B_WINS, A_WINS, TIE])  # the same votes told with A and B exchanged
    assert np.allclose(bt(a, b, outcome, 8), bt(b, a, swapped, 8), atol=1e-9)


def test_bt_is_symmetric_under_relabelling_and_for_equal_records():
    a, b, outcome, _ = synthetic(n_votes=5000)
    relabel = np.random.default_rng(4).permutation(8)
    assert np.allclose(bt(relabel[a], relabel[b], outcome, 8)[relabel], bt(a, b, outcome, 8), atol=1e-9)
    # two models that beat each other equally often are rated equally
    equal = bt(np.array([0, 1, 0, 1]), np.array([1, 0, 1, 0]), np.array([A_WINS, A_WINS, TIE, TIE]), 2)
    assert equal[0] == pytest.approx(equal[1]) == pytest.approx(1000)


def test_a_model_that_always_wins_is_too_few_votes_with_a_finite_rating():
    """The anchored method: an unbeaten model cannot be ranked (votes put no upper bound on it); it is
    reported, finite, and the others are ranked among themselves."""
    rng = np.random.default_rng(1)
    a = rng.integers(1, 5, 400)
    b = (a % 4) + 1
    champion = np.zeros(200, int)
    votes_a = np.concatenate([a, champion])
    votes_b = np.concatenate([b, rng.integers(1, 5, 200)])
    outcome = np.concatenate([rng.integers(0, 3, 400), np.full(200, A_WINS)])
    rows = compute_rows(tally(votes_a, votes_b, outcome, 5), BoardSettings(rounds=200))
    champion_row = next(r for r in rows if r.index == 0)
    assert champion_row.rank is None and champion_row.status == "too_few_votes"
    assert np.isfinite(champion_row.rating) and champion_row.rating > max(r.rating for r in rows if r.index)
    assert all(r.rank is not None for r in rows if r.index)


def test_bootstrap_is_seeded_and_covers_the_point_estimate():
    a, b, outcome, _ = synthetic(n_votes=3000)
    t = tally(a, b, outcome, 8)
    point = fit_bt(effective_wins(t.weights))
    one = bootstrap_bt(t, 1000, np.random.default_rng(5), start=point)
    two = bootstrap_bt(t, 1000, np.random.default_rng(5), start=point)
    assert one.shape == (1000, 8) and np.array_equal(one, two)
    low, high = np.percentile(one, [2.5, 97.5], axis=0)
    assert np.all(low < point) and np.all(point < high)
    assert np.allclose(one.mean(axis=1), 1000)


def test_rank_is_one_plus_models_clearly_above():
    low = np.array([1100.0, 1050, 900, 880])
    high = np.array([1200.0, 1120, 1060, 890])
    assert ranks_from_ci(low, high).tolist() == [1, 1, 2, 4]  # 3 lower bounds above 890


def test_uniform_propensity_weights_change_nothing_and_unequal_ones_reweight():
    a, b, outcome, _ = synthetic(n_votes=4000)
    plain = bt(a, b, outcome, 8)
    assert np.allclose(bt(a, b, outcome, 8, weights=np.full(len(a), 3.0)), plain, atol=1e-7)
    weights = np.where(a == 0, 2.0, 1.0)
    assert not np.allclose(bt(a, b, outcome, 8, weights=weights), plain, atol=1e-3)
    rows = compute_rows(tally(a, b, outcome, 8, weights=weights), BoardSettings(rounds=100))
    assert sum(r.battles for r in rows) == 2 * len(a)  # battles are counted, not weighted


def test_pair_matrices_count_battles_and_half_ties():
    t = tally(np.array([0, 1, 0]), np.array([1, 0, 2]), np.array([A_WINS, TIE, B_WINS]), 3)
    battles, rate = pair_matrices(t)
    assert battles.tolist() == [[0, 2, 1], [2, 0, 0], [1, 0, 0]]
    assert rate[0, 1] == pytest.approx(0.75) and rate[1, 0] == pytest.approx(0.25)
    assert rate[2, 0] == 1.0 and np.isnan(rate[1, 2])


def test_elo_invariants():
    params = RatingParams(k=32)
    assert expected_score(1000, 1000) == 0.5
    assert expected_score(1400, 1000) == pytest.approx(10 / 11)
    assert expected_score(1200, 1000) + expected_score(1000, 1200) == pytest.approx(1)
    ra, rb = elo_update(1000, 1000, A_WINS, params)
    assert (ra, rb) == (1016, 984)
    assert elo_update(1000, 1000, TIE, params) == (1000, 1000)
    a, b, outcome, _ = synthetic(n_votes=2000)
    ratings = online_elo(a, b, outcome, 8, params)
    assert ratings.sum() == pytest.approx(8 * 1000)  # zero-sum
    order = np.argsort(bt(a, b, outcome, 8))
    assert np.corrcoef(ratings[order], np.arange(8))[0, 1] > 0.8
