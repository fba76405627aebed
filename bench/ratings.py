"""(a) Our board on the cell counts (the default rating method) vs a row-level logistic-regression reference (100 bootstrap rounds)."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from voting.board import BoardSettings, compute_rows
from voting.rating import A_WINS, B_WINS, TIE, expected_score, tally

N_MODELS = 20


def synthetic_votes(n_votes: int, seed: int = 7, n_models: int = N_MODELS
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw votes (model A, model B, outcome) drawn from known strengths, 12% ties."""
    rng = np.random.default_rng(seed)
    strength = rng.normal(1000, 100, n_models)
    a = rng.integers(0, n_models, n_votes)
    b = (a + rng.integers(1, n_models, n_votes)) % n_models
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


# --- (e) `ratings compute` end to end: a process timed from outside, from its start to its JSON out ------------

ROOT = Path(__file__).resolve().parents[1]
E2E_SIZES = ((100_000, 20), (1_000_000, 20), (10_000_000, 20), (10_000_000, 200))
ARENA_WINNER = {A_WINS: "model_a", B_WINS: "model_b", TIE: "tie"}


def model_names(n_models: int) -> list[str]:
    return [f"model-{i:0{len(str(n_models - 1))}d}" for i in range(n_models)]


def write_battles(path: Path, n_votes: int, n_models: int, seed: int = 7, chunk: int = 1_000_000) -> None:
    """`synthetic_votes` as a battles file in the three-field layout `json.dumps` writes, one line per vote.

    Written a million lines at a time from a table of every distinct line, so even 10M lines take seconds."""
    a, b, outcome = synthetic_votes(n_votes, seed, n_models)
    names = model_names(n_models)
    table = [(json.dumps({"model_a": names[i], "model_b": names[j], "winner": ARENA_WINNER[o]}) + "\n").encode()
             for i in range(n_models) for j in range(n_models) for o in (A_WINS, B_WINS, TIE)]
    cell = (a * n_models + b) * 3 + outcome
    with path.open("wb") as f:
        for start in range(0, n_votes, chunk):
            f.write(b"".join(map(table.__getitem__, cell[start:start + chunk].tolist())))


# A small launcher starts the command and reports its wall time and peak memory: measured on a child forked
# from this small process, not from the bench (a child forked from the bench starts with the bench's pages).
LAUNCHER = ("import os, subprocess, sys, time\n"
            "start = time.perf_counter()\n"
            "proc = subprocess.Popen(sys.argv[1:], stderr=subprocess.DEVNULL)\n"
            "_pid, status, usage = os.wait4(proc.pid, 0)\n"
            "print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status), file=sys.stderr)")


def timed_process(args: list[str], out: Path) -> tuple[float, float]:
    """Wall seconds from spawning `args` to its exit (its JSON written), and its peak resident memory (MiB)."""
    with out.open("wb") as sink:
        done = subprocess.run([sys.executable, "-c", LAUNCHER, *args], cwd=ROOT, stdout=sink,
                              stderr=subprocess.PIPE, text=True, check=True)
    seconds, kib, code = done.stderr.split()
    if int(code):
        raise RuntimeError(f"{' '.join(args)} exited with {code}")
    return float(seconds), int(kib) / 1024  # ru_maxrss is in kilobytes on Linux


def same_numbers(out: Path, n_votes: int, n_models: int) -> float:
    """Max |difference| (ratings and interval bounds) between the command's board and compute_rows in process
    on the same votes, the models numbered in order of first appearance as the command numbers them."""
    a, b, outcome = synthetic_votes(n_votes, 7, n_models)
    interleaved = np.column_stack((a, b)).ravel()
    firsts = np.unique(interleaved, return_index=True)[1]
    order = interleaved[np.sort(firsts)]
    relabel = np.empty(n_models, dtype=np.int64)
    relabel[order] = np.arange(len(order))
    rows = compute_rows(tally(relabel[a], relabel[b], outcome, n_models), BoardSettings())
    names = model_names(n_models)
    expected = {names[order[r.index]]: (r.rating, *r.ci) for r in rows}
    board = json.loads(out.read_text(encoding="utf-8"))
    return max(max(abs(x - y) for x, y in zip((m["rating"], *m["ci"]), expected[m["name"]]))
               for m in board["models"])


def end_to_end(sizes=E2E_SIZES, repeats: int = 3) -> list[dict]:
    """`python -m voting.ratings FILE` on generated files (written once to a temporary directory, deleted after);
    best of `repeats` below 10M votes, one run at 10M. The 1M file's board is checked against compute_rows."""
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-ratings-") as tmp:
        for n_votes, n_models in sizes:
            path, out = Path(tmp) / "battles.jsonl", Path(tmp) / "board.json"
            write_battles(path, n_votes, n_models)
            runs = [timed_process([sys.executable, "-m", "voting.ratings", str(path)], out)
                    for _ in range(repeats if n_votes < 10_000_000 else 1)]
            row = {"votes": n_votes, "models": n_models, "seconds": min(s for s, _ in runs),
                   "peak_mib": max(m for _, m in runs), "file_mib": path.stat().st_size / 2**20}
            if n_votes == 1_000_000:
                row["max_diff"] = same_numbers(out, n_votes, n_models)
            results.append(row)
            path.unlink()
    return results
