"""The anchored rating method (issue 11, defects 1-3): a rarely-seen, unbeaten or winless model is "too few
votes" and moves no one; a disconnected comparison graph is reported and ranked per component; intervals are
never narrower than the data support. Each defect is shown on the legacy method first (kept verbatim, it still
has it), then fixed on the current one. Pure: tallies in, boards out."""
from __future__ import annotations

import numpy as np
import pytest

from contest.protocol import DEFAULT_PROTOCOL, LEGACY_RATING_METHOD, RATING_METHOD, ProtocolError, normalise_protocol
from voting.board import LEGACY, RANKED, TOO_FEW_VOTES, BoardSettings, compute_board
from voting.rating import A_WINS, B_WINS, TIE, tally, tally_from_cells

BIG_TWO = {(0, 1, A_WINS): 60_000, (0, 1, B_WINS): 40_000}
# The third model: 3 votes (lost to model 0, beat model 1, tied model 0).
RARE = {(2, 0, B_WINS): 1, (2, 1, A_WINS): 1, (2, 0, TIE): 1}


def board(cells: dict, n: int, method: str = RATING_METHOD, **settings):
    return compute_board(tally_from_cells(n, cells), BoardSettings(method=method, **settings))


def by_index(b) -> dict:
    return {r.index: r for r in b.rows}


def width(row) -> float:
    return row.ci[1] - row.ci[0]


def test_defect_1_on_the_legacy_method_a_three_vote_model_merges_the_big_two():
    alone, with_rare = by_index(board(BIG_TWO, 2, LEGACY)), by_index(board({**BIG_TWO, **RARE}, 3, LEGACY))
    assert (alone[0].rank, alone[1].rank) == (1, 2) and width(alone[0]) < 3
    assert (with_rare[0].rank, with_rare[1].rank) == (1, 1)  # the defect: every interval ~1,400 points wide
    assert width(with_rare[0]) > 1000 and width(with_rare[1]) > 1000


def test_defect_1_fixed_the_big_two_keep_their_ranks_and_intervals_and_the_rare_model_is_too_few_votes():
    alone, with_rare = board(BIG_TWO, 2), board({**BIG_TWO, **RARE}, 3)
    a, b = by_index(alone), by_index(with_rare)
    assert (b[0].rank, b[1].rank) == (1, 2) and b[0].ci[0] > b[1].ci[1]
    for m in (0, 1):
        assert width(b[m]) <= 2 * width(a[m]) and b[m].rating == pytest.approx(a[m].rating, abs=1e-6)
        assert b[m].status == RANKED and b[m].component == 0
    assert b[0].rating == pytest.approx(1035.2, abs=0.1) and b[1].ci[0] == pytest.approx(963.7, abs=0.1)
    rare = b[2]
    assert rare.rank is None and rare.status == TOO_FEW_VOTES and rare.battles == 3
    assert width(rare) > 300  # three votes say little, and the interval says so
    assert with_rare.components == [[0, 1]] and with_rare.warnings == []
    assert [r.index for r in with_rare.rows] == [0, 1, 2]  # the ranked first, the too-few-votes after


def test_defect_2_on_the_legacy_method_one_vote_gets_a_ridge_set_rating_with_a_zero_width_interval():
    rows = by_index(board({(0, 1, A_WINS): 1}, 2, LEGACY))
    assert rows[0].rating > 1900 and rows[1].rating < 100 and width(rows[0]) == 0 and rows[0].rank == 1
    ties = by_index(board({(0, 1, TIE): 5, (1, 2, TIE): 5}, 3, LEGACY))
    assert all(r.ci == (pytest.approx(1000), pytest.approx(1000)) for r in ties.values())


@pytest.mark.parametrize("cells, n", [
    ({(0, 1, A_WINS): 1}, 2),  # a one-vote board
    ({(0, 1, TIE): 40, (1, 2, TIE): 40}, 3),  # only ties: no one has won or lost
    ({(0, 1, A_WINS): 40}, 2),  # enough battles, but one side never lost
])
def test_defect_2_fixed_no_rank_and_an_honest_interval_without_both_a_win_and_a_loss(cells, n):
    b = board(cells, n)
    assert b.components == [] and len(b.rows) == n
    for r in b.rows:
        assert r.rank is None and r.status == TOO_FEW_VOTES
        assert np.isfinite(r.rating) and r.ci[0] < r.rating < r.ci[1] and width(r) > 300


def test_defect_2_fixed_an_unbeaten_and_a_winless_model_do_not_shift_the_others():
    rng = np.random.default_rng(4)
    a = rng.integers(0, 4, 2000)
    b = (a + rng.integers(1, 4, 2000)) % 4
    outcome = rng.integers(0, 3, 2000)
    core = tally(a, b, outcome, 6)
    extra_a = np.concatenate([a, np.full(50, 4), np.full(50, 5)])
    extra_b = np.concatenate([b, rng.integers(0, 4, 50), rng.integers(0, 4, 50)])
    extra_o = np.concatenate([outcome, np.full(50, A_WINS), np.full(50, B_WINS)])  # 4 never loses, 5 never wins
    settings = BoardSettings()
    alone, mixed = by_index(compute_board(core, settings)), by_index(compute_board(tally(extra_a, extra_b, extra_o, 6),
                                                                                  settings))
    for m in range(4):
        assert mixed[m].rating == pytest.approx(alone[m].rating, abs=1e-9)
        assert mixed[m].ci == pytest.approx(alone[m].ci, abs=1e-9) and mixed[m].rank == alone[m].rank
    assert mixed[4].status == mixed[5].status == TOO_FEW_VOTES and mixed[4].battles == 50
    assert mixed[4].rating > max(mixed[m].ci[1] for m in range(4)) and mixed[5].rating < min(mixed[m].ci[0]
                                                                                           for m in range(4))


def two_groups(rng: np.random.Generator) -> dict:
    """Models 0-2 meet each other, 3-4 meet each other; the groups never meet."""
    cells: dict = {}
    for a, b, p in ((0, 1, 0.6), (1, 2, 0.55), (0, 2, 0.65), (3, 4, 0.7)):
        wins = int(rng.binomial(300, p))
        cells[(a, b, A_WINS)], cells[(a, b, B_WINS)] = wins, 300 - wins
    return cells


def test_defect_3_on_the_legacy_method_a_disconnected_board_is_one_ranking_with_no_warning():
    b = board(two_groups(np.random.default_rng(2)), 5, LEGACY)
    assert b.components == [] and b.warnings == []
    assert sorted(r.rank for r in b.rows)[0] == 1 and len({r.rank for r in b.rows}) > 1  # one ranking across


def test_defect_3_fixed_components_are_reported_and_ranked_separately():
    b = board(two_groups(np.random.default_rng(2)), 5)
    assert b.components == [[0, 1, 2], [3, 4]] and b.warnings == ["disconnected"]
    rows = by_index(b)
    assert [r.component for r in b.rows] == [0, 0, 0, 1, 1]
    for group in b.components:
        assert sum(rows[m].rating for m in group) == pytest.approx(1000 * len(group))  # centred per group
        assert min(rows[m].rank for m in group) == 1
    assert rows[3].rank == 1 and rows[4].rank == 2


def test_a_group_one_side_of_which_never_lost_is_split():
    """Models 0-1 and 2-3 each meet; 0 and 1 beat 2 and 3 every time: the gap has no bound, so two groups."""
    cells = {(0, 1, A_WINS): 30, (0, 1, B_WINS): 20, (2, 3, A_WINS): 25, (2, 3, B_WINS): 25,
             (0, 2, A_WINS): 10, (1, 3, A_WINS): 10}
    b = board(cells, 4)
    assert b.components == [[0, 1], [2, 3]] and b.warnings == ["disconnected"]


def test_too_few_is_applied_until_stable():
    """Model 2 has its only loss against model 3, which is too few: among the ranked it never lost."""
    cells = {(0, 1, A_WINS): 30, (0, 1, B_WINS): 30, (2, 0, A_WINS): 20, (2, 1, A_WINS): 20, (3, 2, A_WINS): 1}
    b = board(cells, 4)
    assert b.components == [[0, 1]] and {r.index for r in b.rows if r.status == TOO_FEW_VOTES} == {2, 3}


def test_intervals_are_not_narrower_than_the_bootstraps_on_a_well_identified_board():
    """On data the legacy bootstrap handles well, the robust interval agrees with it (within 15%)."""
    rng = np.random.default_rng(11)
    strength = np.array([0.0, 0.3, -0.2, 0.5, -0.4, 0.1])
    a = rng.integers(0, 6, 6000)
    b = (a + rng.integers(1, 6, 6000)) % 6
    p = 1 / (1 + np.exp(-(strength[a] - strength[b])))
    u = rng.random(6000)
    outcome = np.where(u < p - 0.1, A_WINS, np.where(u < p + 0.1, TIE, B_WINS))
    t = tally(a, b, outcome, 6)
    new, old = by_index(compute_board(t, BoardSettings())), by_index(compute_board(t, BoardSettings(method=LEGACY)))
    for m in range(6):
        assert new[m].rating == pytest.approx(old[m].rating, abs=0.05)  # the same fit where the MLE exists
        assert width(new[m]) == pytest.approx(width(old[m]), rel=0.15)


def test_propensity_weights_enter_the_fit_and_the_interval():
    rng = np.random.default_rng(8)
    a = rng.integers(0, 4, 3000)
    b = (a + rng.integers(1, 4, 3000)) % 4
    outcome = rng.integers(0, 3, 3000)
    plain = by_index(compute_board(tally(a, b, outcome, 4), BoardSettings()))
    same = by_index(compute_board(tally(a, b, outcome, 4, weights=np.full(3000, 2.0)), BoardSettings()))
    for m in range(4):  # uniform weights: same ratings; S grows with w², H with w: H⁻¹ S H⁻¹ is unchanged
        assert same[m].rating == pytest.approx(plain[m].rating, abs=1e-6)
        assert same[m].ci == pytest.approx(plain[m].ci, abs=1e-6)


def test_the_protocol_names_its_rating_method():
    assert DEFAULT_PROTOCOL["rating_method"] == RATING_METHOD
    assert normalise_protocol({"rating_method": LEGACY_RATING_METHOD})["rating_method"] == LEGACY
    with pytest.raises(ProtocolError) as err:
        normalise_protocol({"rating_method": "elo-online"})
    assert err.value.field == "rating_method"
    assert BoardSettings(method=LEGACY).describe() == {
        "method": "bradley-terry-mle", "bootstrap_rounds": 1000, "seed": 20260101, "confidence": 0.95,
        "provisional_below": 30, "scale": 400.0, "base": 10.0, "initial": 1000.0, "ties": "half a win",
        "normalisation": "mean 1000"}  # exactly the params the first snapshots published
    assert BoardSettings().describe()["rating_method"] == RATING_METHOD


def test_a_protocol_stored_before_rating_method_existed_can_still_be_amended():
    stored = {k: v for k, v in DEFAULT_PROTOCOL.items() if k != "rating_method"}
    amended = normalise_protocol({"min_battles": 50}, stored)
    assert amended["rating_method"] == RATING_METHOD and amended["min_battles"] == 50
