"""(a) Our BT + 1,000-round bootstrap on the cell counts vs a row-level logistic-regression reference."""
from __future__ import annotations

import time

import numpy as np
from sklearn.linear_model import LogisticRegression

from voting.board import BoardSettings, compute_rows
from voting.rating import A_WINS, B_WINS, TIE, expected_score, tally

N_MODELS = 20


def synthetic_votes(n_votes: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw votes (model A, model B, outcome) drawn from known strengths, 12% ties."""
    rng = np.random.default_rng(seed)
    strength = rng.normal(1000, 100, N_MODELS)
    a = rng.integers(0, N_MODELS, n_votes)
    b = (a + rng.integers(1, N_MODELS, n_votes)) % N_MODELS
    u = rng.random(n_votes)
    p = expected_score(strength[a], strength[b])
    return a, b, np.where(u < 0.12, TIE, np.where(u < 0.12 + 0.88 * p, A_WINS, B_WINS))


def ours(a, b, outcome, rounds: int = 1000, repeats: int = 3) -> tuple[float, np.ndarray]:
    """Seconds (best of `repeats`, after a warm-up) from raw votes to ratings + CIs, and the ratings."""
    compute_rows(tally(a[:1000], b[:1000], outcome[:1000], N_MODELS), BoardSettings(rounds=rounds))
    elapsed = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        rows = compute_rows(tally(a, b, outcome, N_MODELS), BoardSettings(rounds=rounds))
        elapsed = min(elapsed, time.perf_counter() - start)
    ratings = np.empty(N_MODELS)
    for r in rows:
        ratings[r.index] = r.rating
    return elapsed, ratings


def reference_fit(a, b, outcome, n_models: int = N_MODELS, tol: float = 1e-8) -> np.ndarray:
    """One row per vote (a tie: half a win each way), as Chatbot Arena's published analysis fits it."""
    n = len(a)
    x = np.zeros((n, n_models))
    x[np.arange(n), a] = np.log(10)
    x[np.arange(n), b] = -np.log(10)
    tie = outcome == TIE
    features = np.vstack([x, x[tie]])
    target = np.concatenate([(outcome == A_WINS) | tie, np.zeros(tie.sum(), bool)]).astype(int)
    weight = np.concatenate([np.where(tie, 0.5, 1.0), np.full(tie.sum(), 0.5)])
    lr = LogisticRegression(fit_intercept=False, C=np.inf, tol=tol, max_iter=10_000)
    lr.fit(features, target, sample_weight=weight)
    return 400 * lr.coef_[0] + 1000


def reference(a, b, outcome, rounds: int) -> tuple[float, np.ndarray]:
    """Seconds for the point fit plus `rounds` row-resampling bootstrap fits, and the point ratings."""
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    point = reference_fit(a, b, outcome)
    for _ in range(rounds):
        idx = rng.integers(0, len(a), len(a))
        reference_fit(a[idx], b[idx], outcome[idx])
    return time.perf_counter() - start, point


def run(sizes=((100_000, 100), (1_000_000, 5))) -> list[dict]:
    """One result per size; the reference runs `ref_rounds` and is extrapolated to 100 rounds."""
    results = []
    for n_votes, ref_rounds in sizes:
        a, b, outcome = synthetic_votes(n_votes)
        our_s, our_r = ours(a, b, outcome)
        ref_s, ref_r = reference(a, b, outcome, ref_rounds)
        ref_100 = ref_s if ref_rounds == 100 else ref_s / (ref_rounds + 1) * 101
        results.append({"votes": n_votes, "ours_s": our_s, "ref_s": ref_100, "ref_rounds_run": ref_rounds,
                        "ratio": ref_100 / our_s, "max_diff": float(np.max(np.abs(our_r - ref_r)))})
    return results
