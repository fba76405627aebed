"""Calibration of the anchored method's 95% intervals on simulated tournaments with known strengths.

Each tournament has six models that meet each other (a few hundred to a few thousand votes), a seventh with
three votes, and a pair that only ever meets itself. Over the ranked models the 95% intervals must hold the
true rating (centred as the board centres: on its component's ranked models) 93-97% of the time; the rare
model is never ranked, and its interval must not claim more than it knows (at least 93%).
"""
from __future__ import annotations

import numpy as np

from voting.board import RANKED, TOO_FEW_VOTES, BoardSettings, compute_board
from voting.rating import A_WINS, B_WINS, TIE, tally

TOURNAMENTS = 600
SCALE = np.log(10) / 400


def tournament(rng: np.random.Generator, votes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(true Elo strengths, a, b, outcome); ties are scored half, so the expected score of A is p."""
    true = rng.normal(0, 120, 9)
    a = rng.integers(0, 6, votes)
    b = (a + rng.integers(1, 6, votes)) % 6
    pair_a = rng.integers(7, 9, 400)
    rare_b = rng.integers(0, 6, 3)
    a = np.concatenate([a, pair_a, [6, 6, 6]])
    b = np.concatenate([b, 15 - pair_a, rare_b])
    p = 1 / (1 + np.exp(-(true[a] - true[b]) * SCALE))
    tie = 0.5 * np.minimum(p, 1 - p)
    u = rng.random(len(a))
    outcome = np.where(u < p - tie / 2, A_WINS, np.where(u < p + tie / 2, TIE, B_WINS))
    return true, a, b, outcome


def test_95_percent_intervals_cover_93_to_97_percent_with_a_rare_model_and_a_disconnected_pair():
    rng = np.random.default_rng(20261130)
    settings = BoardSettings()
    covered, total, rare_covered, rare_total, split = 0, 0, 0, 0, 0
    for _ in range(TOURNAMENTS):
        true, a, b, outcome = tournament(rng, int(rng.integers(150, 3000)))
        board = compute_board(tally(a, b, outcome, 9), settings)
        split += board.warnings == ["disconnected"]
        for row in board.rows:
            if row.component is None:
                continue
            group = board.components[row.component]
            target = true[row.index] - true[group].mean() + settings.params.initial
            hit = row.ci[0] <= target <= row.ci[1]
            if row.status == RANKED:
                covered, total = covered + hit, total + 1
            elif row.index == 6:
                assert row.status == TOO_FEW_VOTES and row.rank is None
                rare_covered, rare_total = rare_covered + hit, rare_total + 1
    coverage = covered / total
    assert split == TOURNAMENTS  # the pair is always its own component
    assert total >= 8 * TOURNAMENTS * 0.95  # nearly every model of the six and of the pair is ranked
    assert 0.93 <= coverage <= 0.97, coverage
    assert rare_total == TOURNAMENTS and rare_covered / rare_total >= 0.93
