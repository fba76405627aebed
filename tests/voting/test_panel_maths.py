"""The panel's statistics: raking to margins, trimming, the weighted board against a weighted logistic
regression, and a simulated population the weighted panel recovers where the open contest does not."""
from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from voting.panel_maths import (PanelVotes, WeightingError, design_effect, panel_board, points, rake)
from voting.rating import A_WINS, B_WINS, TIE, RatingParams, effective_wins, fit_bt

UNIT = math.log(10) / 400


def quota_panel() -> np.ndarray:
    """The announced design: 500 members, sex 250/250, region 250/250, age 100 per band, AI use 100/250/150,
    the dimensions crossed as a survey firm would fill them (cyclically, so every combination occurs)."""
    k = np.arange(500)
    return np.stack([k % 2, (k // 2) % 2, k % 5, np.repeat([0, 1, 2], [100, 250, 150])], axis=1)


CENSUS = [np.array([0.496, 0.504]), np.array([0.505, 0.495]),
          np.array([0.16, 0.16, 0.19, 0.20, 0.29]), np.array([0.10, 0.45, 0.45])]


def weighted_shares(levels: np.ndarray, w: np.ndarray, d: int, size: int) -> np.ndarray:
    return np.bincount(levels[:, d], weights=w, minlength=size) / w.sum()


def test_raking_matches_every_margin_and_reports_its_cost():
    levels = quota_panel()
    pw = rake(levels, CENSUS, trim=None)
    for d, share in enumerate(CENSUS):
        np.testing.assert_allclose(weighted_shares(levels, pw.weights, d, share.size), share, atol=1e-9)
    assert pw.weights.mean() == pytest.approx(1.0)
    assert pw.design_effect == pytest.approx(design_effect(pw.weights))
    assert 1.0 < pw.design_effect < 2.0
    assert pw.effective_size == pytest.approx(500 / pw.design_effect)
    assert pw.margin_error < 1e-9


def test_equal_weights_when_the_panel_already_matches():
    levels = quota_panel()
    same = [np.bincount(levels[:, d]) / 500 for d in range(4)]
    pw = rake(levels, same)
    np.testing.assert_allclose(pw.weights, 1.0, atol=1e-9)
    assert pw.design_effect == pytest.approx(1.0)


def test_trimming_bounds_the_weights_and_the_margins_still_hold():
    # Few young members outside the capital: raked, each of them weighs about four.
    cells = [(0, 0)] * 300 + [(0, 1)] * 10 + [(1, 0)] * 100 + [(1, 1)] * 90
    levels = np.array(cells)
    margins = [np.array([0.5, 0.5]), np.array([0.5, 0.5])]
    loose = rake(levels, margins, trim=None)
    assert loose.weights.max() > 4
    pw = rake(levels, margins, trim=(0.2, 3.0))
    assert pw.within_bounds and pw.trimmed == 10
    assert pw.weights.max() <= 3.0 + 1e-9 and pw.weights.min() >= 0.2 - 1e-9
    assert pw.margin_error < 1e-8
    assert pw.design_effect < loose.design_effect
    # Bounds the margins cannot live with (ten members standing for half the population, at most twice the
    # mean): the margins are kept and the report says the bounds were not.
    few = np.array([[0]] * 490 + [[1]] * 10)
    assert rake(few, [np.array([0.5, 0.5])], trim=None).weights.max() == pytest.approx(25.0, rel=1e-9)
    tight = rake(few, [np.array([0.5, 0.5])], trim=(0.5, 2.0))
    assert not tight.within_bounds and tight.margin_error < 1e-9 and tight.weights.max() > 2


@pytest.mark.parametrize("margins, message", [
    ([np.array([0.5, 0.4])], "sum to 1"),
    ([np.array([1.0, 0.0])], "both present"),
    ([np.array([0.5, 0.3, 0.2])], "both present"),
    ([np.array([0.5, 0.5]), np.array([1.0])], "margins"),
])
def test_margins_that_cannot_be_met_are_refused(margins, message):
    levels = np.array([[0], [1], [1]])
    with pytest.raises(WeightingError, match=message):
        rake(levels, margins)


def _simulated_votes(rng: np.random.Generator, n_votes: int, n_models: int, n_members: int):
    a = rng.integers(0, n_models, n_votes)
    b = (a + rng.integers(1, n_models, n_votes)) % n_models
    member = rng.integers(0, n_members, n_votes)
    strength = rng.normal(0, 0.6, n_models)
    p = 1 / (1 + np.exp(-(strength[a] - strength[b])))
    u = rng.random(n_votes)
    outcome = np.where(u < 0.9 * p, A_WINS, np.where(u < 0.9 * p + 0.1, TIE, B_WINS))
    return a, b, outcome, member


def test_weighted_board_agrees_with_weighted_logistic_regression():
    rng = np.random.default_rng(7)
    n_models, n_members = 6, 120
    a, b, outcome, member = _simulated_votes(rng, 4000, n_models, n_members)
    weights = rng.uniform(0.3, 3.0, n_members)
    board = panel_board(PanelVotes(a, b, outcome, member, weights, n_models), rounds=10,
                        rng=np.random.default_rng(1))
    # Reference: one row per vote with x = e_a - e_b, y = A won; a tie is a half win each way (two rows of
    # half the weight), exactly as the board counts it.
    x = np.zeros((a.size, n_models))
    x[np.arange(a.size), a] += 1
    x[np.arange(a.size), b] -= 1
    w = weights[member]
    decisive = outcome != TIE
    rows = np.concatenate([x[decisive], x[~decisive], x[~decisive]])
    y = np.concatenate([(outcome[decisive] == A_WINS).astype(int), np.ones((~decisive).sum(), int),
                        np.zeros((~decisive).sum(), int)])
    sw = np.concatenate([w[decisive], 0.5 * w[~decisive], 0.5 * w[~decisive]])
    lr = LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-12, max_iter=10_000)
    lr.fit(rows, y, sample_weight=sw)
    reference = lr.coef_[0] / UNIT
    reference += 1000 - reference.mean()
    assert np.abs(board.rating - reference).max() < 0.01


def test_unweighted_panel_board_equals_the_plain_fit():
    rng = np.random.default_rng(3)
    a, b, outcome, member = _simulated_votes(rng, 3000, 5, 50)
    board = panel_board(PanelVotes(a, b, outcome, member, np.ones(50), 5), rounds=10, rng=rng)
    cells = np.bincount((a * 5 + b) * 3 + outcome, minlength=75).reshape(5, 5, 3).astype(float)
    plain = fit_bt(effective_wins(cells), RatingParams(ridge=0.0))
    np.testing.assert_allclose(board.rating, plain, atol=1e-6)


def test_a_model_that_never_lost_is_not_rated_and_does_not_move_the_others():
    a = np.array([0, 1, 0, 1, 2, 2])
    b = np.array([1, 0, 1, 0, 0, 1])
    outcome = np.array([A_WINS, A_WINS, A_WINS, B_WINS, A_WINS, A_WINS])
    board = panel_board(PanelVotes(a, b, outcome, np.arange(6), np.ones(6), 3), rounds=50,
                        rng=np.random.default_rng(0))
    assert board.rank[2] is None and np.isnan(board.rating[2])
    assert board.rank[0] is not None and np.isfinite(board.low[:2]).all()


def test_a_panel_whose_models_never_met_across_two_groups_is_ranked_per_group():
    """Models 0-1 and 2-3 only ever met inside their pair: one joint fit would put them on one scale the
    data cannot support. Each group is fitted and ranked on its own, like the open board."""
    pairs = [(0, 1, A_WINS)] * 30 + [(0, 1, B_WINS)] * 10 + [(2, 3, A_WINS)] * 20 + [(2, 3, B_WINS)] * 20
    a, b, outcome = (np.array(x) for x in zip(*pairs))
    board = panel_board(PanelVotes(a, b, outcome, np.arange(a.size) % 8, np.ones(8), 4), rounds=50,
                        rng=np.random.default_rng(1))
    assert board.components == [[0, 1], [2, 3]] and board.component == [0, 0, 1, 1]
    assert board.rank == [1, 2, 1, 1]  # 0 beats 1 clearly; 2 and 3 are even; no rank across the groups
    for group in board.components:  # each group centred on its own mean
        assert np.mean(board.rating[group]) == pytest.approx(1000.0)
    assert np.isfinite(board.low).all() and np.isfinite(board.high).all()


def test_the_report_names_the_groups_and_gives_no_points_across_them():
    from contest.models import Model, Team
    from voting.panel_report import board_rows

    pairs = [(0, 1, A_WINS)] * 30 + [(0, 1, B_WINS)] * 10 + [(2, 3, A_WINS)] * 20 + [(2, 3, B_WINS)] * 20
    a, b, outcome = (np.array(x) for x in zip(*pairs))
    board = panel_board(PanelVotes(a, b, outcome, np.arange(a.size) % 8, np.ones(8), 4), rounds=50,
                        rng=np.random.default_rng(1))
    team = Team(slug="t", name_ko="팀", name_en="Team")
    models = [Model(slug=f"m{i}", display_name=f"모델{i}", version="1", team=team) for i in range(4)]
    rows = board_rows(models, board, "ko", 25.0)
    assert [(r["component"], r["rank"]) for r in rows] == [(0, 1), (0, 2), (1, 1), (1, 1)]  # the larger group first
    assert [r["name"] for r in rows[:2]] == ["모델0 1", "모델1 1"] and {r["name"] for r in rows[2:]} == {"모델2 1", "모델3 1"}
    assert all(r["points"] is None and r["status"] == "ranked" for r in rows)  # one scale is needed for points


def test_points_are_linear_in_expected_win_rate_and_the_best_scores_the_maximum():
    got = points(np.array([1100.0, 1000.0, 900.0, np.nan]), 25.0)
    assert got[0] == pytest.approx(25.0) and np.isnan(got[3])
    e = [np.mean([1 / (1 + 10 ** ((rj - ri) / 400)) for rj in (1100, 1000, 900) if rj != ri])
         for ri in (1100, 1000, 900)]
    np.testing.assert_allclose(got[:3], 25 * np.array(e) / max(e))


# --- A simulated population: older citizens prefer model 2, younger ones model 0. ---

AGE_SHARE = np.array([0.16, 0.16, 0.19, 0.20, 0.29])  # 20s .. 60+
REGION_SHARE = np.array([0.505, 0.495])
BASE = np.array([0.4, 0.0, 0.0, -0.3])  # natural units, per model
AGE_TASTE = np.array([-0.6, 0.0, 0.9, 0.0])  # times (age band - 2) / 2: from -1 (20s) to +1 (60+)


def strengths(age: np.ndarray, member_effect: np.ndarray) -> np.ndarray:
    return BASE[None, :] + AGE_TASTE[None, :] * ((age[:, None] - 2) / 2) + member_effect


def population_truth() -> np.ndarray:
    """The ratings a census-weighted population would give, from expected win rates of balanced pairs."""
    n = BASE.size
    wins = np.zeros((n, n))
    for age, share in enumerate(AGE_SHARE):
        s = strengths(np.array([age]), 0.0)[0]
        p = 1 / (1 + np.exp(-(s[:, None] - s[None, :])))
        wins += share * p
    np.fill_diagonal(wins, 0)
    return fit_bt(wins * 1000, RatingParams(ridge=0.0))


def sample_votes(rng, ages, regions, per_member, spread=0.35):
    n_models = BASE.size
    members = ages.size
    effect = rng.normal(0, spread, (members, n_models))
    s = strengths(ages, effect)
    member = np.repeat(np.arange(members), per_member)
    pair = np.array([(i, j) for i in range(n_models) for j in range(n_models) if i != j])
    chosen = pair[rng.integers(0, len(pair), member.size)]
    a, b = chosen[:, 0], chosen[:, 1]
    p = 1 / (1 + np.exp(-(s[member, a] - s[member, b])))
    outcome = np.where(rng.random(member.size) < p, A_WINS, B_WINS)
    return a, b, outcome, member


def panel_levels(rng):
    ages = np.arange(500) % 5  # 100 per band: quotas, not population shares
    regions = (np.arange(500) // 5) % 2
    return ages, regions


def test_the_weighted_panel_recovers_the_population_where_the_open_contest_does_not():
    rng = np.random.default_rng(2026)
    truth = population_truth()
    truth_order = list(np.argsort(-truth))
    # The open contest: 80% of voters in their 20s and 30s.
    open_ages = rng.choice(5, size=3000, p=[0.45, 0.35, 0.1, 0.06, 0.04])
    a, b, o, m = sample_votes(rng, open_ages, np.zeros(3000, int), 10)
    open_board = panel_board(PanelVotes(a, b, o, m, np.ones(3000), BASE.size), rounds=10, rng=rng)
    assert list(np.argsort(-open_board.rating)) != truth_order
    ages, regions = panel_levels(rng)
    pw = rake(np.stack([ages, regions], axis=1), [AGE_SHARE, REGION_SHARE])
    a, b, o, m = sample_votes(rng, ages, regions, 40)
    board = panel_board(PanelVotes(a, b, o, m, pw.weights, BASE.size), rounds=200, rng=rng)
    assert list(np.argsort(-board.rating)) == truth_order
    assert ((board.low <= truth) & (truth <= board.high)).all()
    # The same panel unweighted (its quotas, not the population) misses the truth for some models.
    flat = panel_board(PanelVotes(a, b, o, m, np.ones(500), BASE.size), rounds=200, rng=rng)
    assert not ((flat.low <= truth) & (truth <= flat.high)).all()
    assert board.effective_members == pytest.approx(500 / pw.design_effect)


def test_member_bootstrap_intervals_cover_the_population_truth_at_about_the_nominal_rate():
    """Seeded and small: 120 simulated panels of 200 members x 12 votes, 4 models, 300 rounds each. Members
    differ in taste within their stratum, so a bootstrap of votes, which treats a member's votes as
    independent, covers less often than the member bootstrap."""
    rng = np.random.default_rng(11)
    truth = population_truth()
    covered = by_vote = total = 0
    ages = np.arange(200) % 5
    regions = (np.arange(200) // 5) % 2
    pw = rake(np.stack([ages, regions], axis=1), [AGE_SHARE, REGION_SHARE])
    for _ in range(120):
        a, b, o, m = sample_votes(rng, ages, regions, 12)
        board = panel_board(PanelVotes(a, b, o, m, pw.weights, BASE.size), rounds=300, rng=rng)
        covered += int(((board.low <= truth) & (truth <= board.high)).sum())
        votes = panel_board(PanelVotes(a, b, o, np.arange(a.size), pw.weights[m], BASE.size), rounds=300, rng=rng)
        by_vote += int(((votes.low <= truth) & (truth <= votes.high)).sum())
        total += truth.size
    assert 0.93 <= covered / total <= 0.97
    assert by_vote / total < covered / total - 0.02
