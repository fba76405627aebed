"""Style control (issue 11): features from answer texts, the joint fit against scikit-learn's plain logistic
regression on the same covariates, robust intervals, and a board that sees through verbose answers. Pure."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from voting.board import RANKED, TOO_FEW_VOTES, BoardSettings, compute_board
from voting.rating import A_WINS, B_WINS, TIE, OUTCOME_SCORE, tally
from voting.style import FEATURES, Standardiser, answer_style, conversation_style, relative_differences
from voting.style_board import compute_style_board

UNIT = np.log(10) / 400


# --- features ---------------------------------------------------------------------------------------------

def test_length_counts_hangul_syllables_and_words_not_bytes_or_spaces():
    assert answer_style("안녕하세요 여러분")[0] == 8  # one token per syllable
    assert answer_style("Hello, everyone 2026!")[0] == 3  # one per word or number
    assert answer_style("서울은 Seoul, 인구 9,400,000명")[0] == 3 + 1 + 2 + 3 + 1
    assert answer_style("ㅋㅋㅋ 漢字 カナ")[0] == 7
    decomposed = "\u1112\u1161\u11ab"  # 한 as three conjoining jamo: NFC makes it one syllable
    assert answer_style(decomposed)[0] == 1
    assert answer_style("")[0] == 0 and answer_style("   **  ##")[0] == 0


def test_markdown_counts_headers_list_items_and_bold_outside_code():
    text = ("# 제목\n## 둘째 제목\n#해시태그\n\n- 하나\n* 둘\n  + 셋\n1. 넷\n2) 다섯\n-없음\n"
            "**굵게** 와 __bold__ 그리고 ** 아님 **\n"
            "```python\n# not a header\n- not a list\n**not bold**\n```\n끝")
    tokens, headers, lists, bold = answer_style(text)
    assert (headers, lists, bold) == (2, 5, 2)
    assert tokens > 0
    assert answer_style("```\n# open fence to the end\n- x")[1:] == (0, 0, 0)


def test_a_conversation_sums_its_turns_and_a_missing_answer_is_empty():
    assert conversation_style(["# 가\n- 나", None, "**다**"]) == (3, 1, 1, 1)


def test_normalisation_is_difference_over_sum_plus_one_then_standardised():
    a, b = np.array([[10, 0, 2, 0], [0, 0, 0, 0], [3, 0, 1, 0]]), np.array([[0, 0, 2, 0], [5, 0, 0, 0], [3, 0, 0, 0]])
    d = relative_differences(a, b)
    assert d[:, 0].tolist() == pytest.approx([10 / 11, -5 / 6, 0.0])
    st = Standardiser.over(d)
    assert st.kept.tolist() == [True, False, True, False]  # headers and bold never vary: left out
    z = st(d)
    assert z.shape == (3, 2) and z.mean(0) == pytest.approx([0, 0]) and z.std(0) == pytest.approx([1, 1])


# --- synthetic votes with a known style effect -------------------------------------------------------------

def synthetic(n_votes: int, strength: list[float], verbosity: list[float], beta_length: float, seed: int = 3,
              tie_share: float = 0.1):
    """Votes where the true logit is s_A - s_B + beta_length * (standardised length difference) + small markdown
    effects; model m writes about verbosity[m] tokens. Returns a, b, outcome, style_a, style_b."""
    rng = np.random.default_rng(seed)
    n = len(strength)
    a = rng.integers(0, n, n_votes)
    b = (a + rng.integers(1, n, n_votes)) % n
    verb = np.asarray(verbosity, float)

    def styles(m):
        return np.column_stack([rng.poisson(verb[m]), rng.poisson(1.0, len(m)), rng.poisson(3.0, len(m)),
                                rng.poisson(0.5 + verb[m] / 400, len(m))])

    style_a, style_b = styles(a), styles(b)
    d = relative_differences(style_a, style_b)
    z = (d - d.mean(0)) / d.std(0)
    s = np.asarray(strength, float) * UNIT
    logit = s[a] - s[b] + z @ np.array([beta_length, 0.05, 0.1, 0.0])
    p = 1 / (1 + np.exp(-logit))
    u = rng.random(n_votes)
    outcome = np.where(u < tie_share, TIE, np.where(rng.random(n_votes) < p, A_WINS, B_WINS))
    return a, b, outcome, style_a, style_b


def sklearn_reference(a, b, outcome, z, n_models):
    """Plain logistic regression on the same covariates, no penalty: one row per vote, a tie as two rows of weight
    1/2 (a win and a loss), which is how voting.rating.effective_wins counts it. Model 0's column is dropped (its
    rating is 0) so the design has full rank; the ratings are centred after."""
    n = len(a)
    x = np.zeros((n, n_models))
    x[np.arange(n), a] = 1.0
    x[np.arange(n), b] = -1.0
    x = np.hstack([x[:, 1:], z])
    tie = outcome == TIE
    rows = np.vstack([x, x[tie]])
    target = np.concatenate([(outcome == A_WINS) | tie, np.zeros(tie.sum(), bool)]).astype(int)
    weight = np.concatenate([np.where(tie, 0.5, 1.0), np.full(tie.sum(), 0.5)])
    lr = LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-12, max_iter=100_000)
    lr.fit(rows, target, sample_weight=weight)
    s = np.concatenate([[0.0], lr.coef_[0][:n_models - 1]])
    return s - s.mean(), lr.coef_[0][n_models - 1:]


def by_index(board):
    return {r.index: r for r in board.rows}


def test_ratings_and_coefficients_agree_with_scikit_learn_on_the_same_covariates():
    strength, verbosity = [1100, 1050, 1000, 980, 950, 900], [300, 120, 200, 80, 250, 150]
    a, b, outcome, sa, sb = synthetic(6000, strength, verbosity, beta_length=0.4)
    board = compute_style_board(a, b, outcome, sa, sb, 6, BoardSettings())
    z = Standardiser.over(relative_differences(sa, sb))(relative_differences(sa, sb))
    s_ref, beta_ref = sklearn_reference(a, b, outcome, z, 6)
    ours = by_index(board)
    assert all(ours[m].status == RANKED for m in range(6))
    for m in range(6):
        assert ours[m].rating == pytest.approx(s_ref[m] / UNIT + 1000, abs=0.01)
    for f, ref in zip(FEATURES, beta_ref):
        assert board.coefficients[f]["estimate"] == pytest.approx(ref, abs=1e-5)
    assert board.coefficients["length"]["estimate"] > 0


def test_robust_intervals_match_a_dense_sandwich_computed_row_by_row():
    a, b, outcome, sa, sb = synthetic(3000, [1050, 1000, 950, 1000], [200, 100, 150, 120], beta_length=0.3, seed=5)
    board = compute_style_board(a, b, outcome, sa, sb, 4, BoardSettings())
    d = relative_differences(sa, sb)
    z = Standardiser.over(d)(d)
    ours = by_index(board)
    s = np.array([(ours[m].rating - 1000) * UNIT for m in range(4)])
    beta = np.array([board.coefficients[f]["estimate"] for f in FEATURES])
    x = np.zeros((len(a), 4))
    x[np.arange(len(a)), a], x[np.arange(len(a)), b] = 1.0, -1.0
    x = np.hstack([x, z])
    p = 1 / (1 + np.exp(-(x @ np.concatenate([s, beta]))))
    y = OUTCOME_SCORE[outcome]
    info = (x * (p * (1 - p))[:, None]).T @ x
    scores = x * (y - p)[:, None]
    bread = np.linalg.pinv(info)
    cov = bread @ (scores.T @ scores) @ bread
    se = np.sqrt(np.diag(cov))
    for m in range(4):
        half = (ours[m].ci[1] - ours[m].ci[0]) / 2
        assert half == pytest.approx(1.959964 * se[m] / UNIT, rel=1e-6)
    for j, f in enumerate(FEATURES):
        assert board.coefficients[f]["se"] == pytest.approx(se[4 + j], rel=1e-6)


def test_voters_who_prefer_long_answers_fool_the_plain_board_but_not_the_style_board():
    # Model 0 is truly the best; model 1 is weaker but writes far more, and voters like length. No ties here:
    # a tie drawn regardless of the logit would make the data less than logistic and shrink every effect.
    strength, verbosity = [1060, 1000, 1000, 960], [150, 400, 100, 250]
    a, b, outcome, sa, sb = synthetic(20_000, strength, verbosity, beta_length=0.6, seed=11, tie_share=0.0)
    plain, style = by_index(compute_board(tally(a, b, outcome, 4), BoardSettings())), None
    board = compute_style_board(a, b, outcome, sa, sb, 4, BoardSettings())
    style = by_index(board)
    assert plain[1].rank == 1 and plain[0].rank == 2 and plain[1].ci[0] > plain[0].ci[1]  # verbosity wins
    assert style[0].rank == 1 and style[1].rank > 1 and style[0].ci[0] > style[1].ci[1]  # the truth is back
    assert [r.index for r in board.rows][0] == 0
    centre = np.mean(strength)
    for m in range(4):  # the true strengths lie within the style board's intervals
        assert style[m].ci[0] < strength[m] - centre + 1000 < style[m].ci[1]
    length = board.coefficients["length"]
    assert length["ci"][0] > 0  # positive and significant
    assert length["ci"][0] < 0.6 < length["ci"][1]
    assert board.coefficients["bold"]["ci"][0] < 0 < board.coefficients["bold"]["ci"][1]  # no effect: none found


def test_a_model_with_too_few_votes_has_no_rank_on_either_board_and_moves_no_one():
    a, b, outcome, sa, sb = synthetic(4000, [1050, 1000, 950], [150, 150, 150], beta_length=0.3, seed=2)
    rare_a, rare_b = np.array([3, 0, 3]), np.array([0, 3, 1])
    rare_o = np.array([B_WINS, A_WINS, A_WINS])
    rare_sa, rare_sb = np.array([[50, 0, 0, 0]] * 3), np.array([[90, 1, 2, 0]] * 3)
    alone = compute_style_board(a, b, outcome, sa, sb, 4, BoardSettings())
    both = compute_style_board(np.r_[a, rare_a], np.r_[b, rare_b], np.r_[outcome, rare_o],
                               np.r_[sa, rare_sa], np.r_[sb, rare_sb], 4, BoardSettings())
    plain = compute_board(tally(np.r_[a, rare_a], np.r_[b, rare_b], np.r_[outcome, rare_o], 4), BoardSettings())
    rare, rare_plain = by_index(both)[3], by_index(plain)[3]
    assert rare.rank is None and rare.status == TOO_FEW_VOTES and rare_plain.rank is None
    assert rare.battles == 3 and rare.component == 0 and rare.ci[1] - rare.ci[0] > 300
    assert both.components == plain.components == [[0, 1, 2]]
    for m in range(3):
        assert by_index(both)[m].rating == pytest.approx(by_index(alone)[m].rating, abs=0.5)
    assert [r.index for r in both.rows][-1] == 3


def test_a_disconnected_graph_is_fitted_per_component_with_one_set_of_coefficients():
    a1, b1, o1, sa1, sb1 = synthetic(3000, [1050, 1000, 950], [200, 100, 150], beta_length=0.3, seed=8)
    a2, b2, o2, sa2, sb2 = synthetic(3000, [1020, 980], [100, 200], beta_length=0.3, seed=9)
    board = compute_style_board(np.r_[a1, a2 + 3], np.r_[b1, b2 + 3], np.r_[o1, o2], np.r_[sa1, sa2],
                                np.r_[sb1, sb2], 5, BoardSettings())
    assert board.components == [[0, 1, 2], [3, 4]] and board.warnings == ["disconnected"]
    rows = by_index(board)
    for group in board.components:
        assert np.mean([rows[m].rating for m in group]) == pytest.approx(1000, abs=1e-6)
        assert sorted(rows[m].rank for m in group)[0] == 1
    assert board.coefficients["length"]["estimate"] > 0


def test_no_identified_model_gives_unranked_rows_and_no_coefficients():
    a, b, outcome = np.array([0, 0]), np.array([1, 1]), np.array([A_WINS, A_WINS])
    styles = np.array([[10, 0, 0, 0], [20, 1, 0, 0]])
    board = compute_style_board(a, b, outcome, styles, styles[::-1], 3, BoardSettings())
    assert board.components == [] and board.coefficients == {f: None for f in FEATURES}
    assert {r.index for r in board.rows} == {0, 1}
    assert all(r.rank is None and np.isfinite(r.rating) and r.ci[0] < r.rating < r.ci[1] for r in board.rows)


def test_covariates_that_always_go_together_or_separate_the_votes_are_left_out_not_split_or_run_off():
    a, b, outcome, sa, sb = synthetic(3000, [1050, 1000, 950], [200, 100, 150], beta_length=0.3, seed=4)
    sb, sa = sb.copy(), sa.copy()
    sa[:, 3], sb[:, 3] = sa[:, 2], sb[:, 2]  # bold counts equal list counts in every answer: one effect, not two
    board = compute_style_board(a, b, outcome, sa, sb, 3, BoardSettings())
    assert board.coefficients["bold"] is None and board.coefficients["lists"] is not None
    # Model 2 always writes one header and eight list items, the others none; in one vote (two turns) it wrote
    # two headers and sixteen items, and won. Headers and lists then differ in that vote only, and the fit could
    # explain it perfectly by sending the two coefficients off to infinity in opposite directions.
    rng = np.random.default_rng(5)
    pairs = np.array([(0, 1), (1, 2), (2, 0)] * 50)
    a, b = pairs[:, 0], pairs[:, 1]
    outcome = rng.integers(0, 3, 150)

    def style(m):
        return np.where((m == 2)[:, None], [120, 1, 8, 0], np.c_[rng.integers(5, 9, len(m)), np.zeros((len(m), 3))])

    sa, sb = style(a), style(b)
    a, b, outcome = np.r_[a, 0], np.r_[b, 2], np.r_[outcome, B_WINS]
    sa, sb = np.r_[sa, [[10, 0, 0, 0]]], np.r_[sb, [[240, 2, 16, 0]]]
    board = compute_style_board(a, b, outcome, sa, sb, 3, BoardSettings())
    assert board.components == [[0, 1, 2]]
    assert board.coefficients["length"] is not None and board.coefficients["bold"] is None
    kept = [f for f in FEATURES if board.coefficients[f] is not None]
    assert len(kept) < 3 and all(abs(board.coefficients[f]["estimate"]) < 5 for f in kept)
    assert all(abs(r.rating - 1000) < 500 for r in board.rows)
