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


def reference(a, b, outcome, rounds: int) -> tuple[float, np.ndarray, list[float]]:
    """Seconds for the point fit, the point ratings, and the seconds of each of `rounds` row-resampling
    bootstrap fits (timed one by one, so a round slowed by another process can be told apart)."""
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    point = reference_fit(a, b, outcome)
    point_s = time.perf_counter() - start
    per_round = []
    for _ in range(rounds):
        idx = rng.integers(0, len(a), len(a))
        start = time.perf_counter()
        reference_fit(a[idx], b[idx], outcome[idx])
        per_round.append(time.perf_counter() - start)
    return point_s, point, per_round


def reference_100(point_s: float, per_round: list[float]) -> float:
    """The reference's time for its point fit and 100 bootstrap rounds: measured when 100 ran, else the point fit
    plus 100 times the MEDIAN round (a mean over 5 rounds moved with whatever else the machine ran: the "300x at
    1M" swung between 233x and 381x across runs)."""
    return point_s + (sum(per_round) if len(per_round) == 100 else 100 * float(np.median(per_round)))


def run(sizes=((100_000, 100), (1_000_000, 5))) -> list[dict]:
    """One result per size; the reference runs `ref_rounds` and is extrapolated to 100 rounds."""
    results = []
    for n_votes, ref_rounds in sizes:
        a, b, outcome = synthetic_votes(n_votes)
        our_s, our_r = ours(a, b, outcome)
        point_s, ref_r, per_round = reference(a, b, outcome, ref_rounds)
        ref_100 = reference_100(point_s, per_round)
        results.append({"votes": n_votes, "ours_s": our_s, "ref_s": ref_100, "ref_rounds_run": ref_rounds,
                        "ref_round_range": (min(per_round), max(per_round)),
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


def end_to_end(sizes=E2E_SIZES, repeats: int = 5) -> list[dict]:
    """`python -m voting.ratings FILE` on generated files (written once to a temporary directory, deleted after):
    the MEDIAN of `repeats` runs below 10M votes (with their range), one run at 10M. The 1M file's board is
    checked against compute_rows."""
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-ratings-") as tmp:
        for n_votes, n_models in sizes:
            path, out = Path(tmp) / "battles.jsonl", Path(tmp) / "board.json"
            write_battles(path, n_votes, n_models)
            runs = [timed_process([sys.executable, "-m", "voting.ratings", str(path)], out)
                    for _ in range(repeats if n_votes < 10_000_000 else 1)]
            seconds = [s for s, _ in runs]
            row = {"votes": n_votes, "models": n_models, "seconds": float(np.median(seconds)), "runs": len(runs),
                   "range": (min(seconds), max(seconds)), "peak_mib": max(m for _, m in runs),
                   "file_mib": path.stat().st_size / 2**20}
            if n_votes == 1_000_000:
                row["max_diff"] = same_numbers(out, n_votes, n_models)
            results.append(row)
            path.unlink()
    return results


# --- (f) style control: the style-controlled board beside the plain one on the same 1M votes -------------------

def synthetic_styles(n_votes: int, n_models: int = N_MODELS, seed: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Raw style counts per side (tokens, headers, list items, bold), each model with a verbosity of its own."""
    rng = np.random.default_rng(seed)
    a, b, _ = synthetic_votes(n_votes, 7, n_models)
    profile = np.column_stack([rng.uniform(80, 600, n_models), rng.uniform(0, 3, n_models),
                               rng.uniform(0, 10, n_models), rng.uniform(0, 6, n_models)])
    return rng.poisson(profile[a]), rng.poisson(profile[b])


def style_control(sizes=(100_000, 1_000_000, 10_000_000), repeats: int = 3) -> list[dict]:
    """Seconds (median of `repeats`, after a warm-up; one run at 10M) from raw votes to the plain board and to the
    style-controlled board (raw votes and raw style counts: normalisation, joint Newton fit, sandwich intervals,
    rows). The median, not the best: the figure a user meets on a machine that also runs other work."""
    from voting.style_board import compute_style_board

    a, b, outcome = synthetic_votes(1000)
    style_a, style_b = synthetic_styles(1000)
    compute_style_board(a, b, outcome, style_a, style_b, N_MODELS, BoardSettings())
    results = []
    for n_votes in sizes:
        a, b, outcome = synthetic_votes(n_votes)
        style_a, style_b = synthetic_styles(n_votes)
        plain, style = [], []
        for _ in range(repeats if n_votes < 10_000_000 else 1):
            start = time.perf_counter()
            compute_rows(tally(a, b, outcome, N_MODELS), BoardSettings())
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            board = compute_style_board(a, b, outcome, style_a, style_b, N_MODELS, BoardSettings())
            style.append(time.perf_counter() - start)
        results.append({"votes": n_votes, "plain_s": float(np.median(plain)), "style_s": float(np.median(style)),
                        "ratio": float(np.median(style) / np.median(plain)), "runs": len(style),
                        "ranked": sum(r.rank is not None for r in board.rows)})
    return results


def write_styled_battles(path: Path, n_votes: int, n_models: int = N_MODELS, chunk: int = 200_000) -> None:
    """`synthetic_votes` with `synthetic_styles` as a battles file whose lines carry style counts as a release's
    votes do: {"model_a", "model_b", "winner", "style_a": [4 counts], "style_b": [4 counts]}."""
    a, b, outcome = synthetic_votes(n_votes, 7, n_models)
    style_a, style_b = synthetic_styles(n_votes, n_models)
    names = model_names(n_models)
    with path.open("w", encoding="utf-8") as f:
        for start in range(0, n_votes, chunk):
            end = min(start + chunk, n_votes)
            f.write("".join(
                f'{{"model_a": "{names[i]}", "model_b": "{names[j]}", "winner": "{ARENA_WINNER[o]}", '
                f'"style_a": [{sa[0]}, {sa[1]}, {sa[2]}, {sa[3]}], "style_b": [{sb[0]}, {sb[1]}, {sb[2]}, {sb[3]}]}}\n'
                for i, j, o, sa, sb in zip(a[start:end].tolist(), b[start:end].tolist(), outcome[start:end].tolist(),
                                           style_a[start:end].tolist(), style_b[start:end].tolist())))


def style_end_to_end(sizes=(100_000, 1_000_000), repeats: int = 3) -> list[dict]:
    """`python -m voting.ratings FILE` and `... FILE --style` on the same file with style counts (wall seconds
    from process start to JSON out, median of `repeats`, the two alternating)."""
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-style-") as tmp:
        for n_votes in sizes:
            path, out = Path(tmp) / "styled.jsonl", Path(tmp) / "board.json"
            write_styled_battles(path, n_votes)
            plain, style = [], []
            for _ in range(repeats):
                plain.append(timed_process([sys.executable, "-m", "voting.ratings", str(path)], out)[0])
                style.append(timed_process([sys.executable, "-m", "voting.ratings", str(path), "--style"], out)[0])
            ranked = sum(m["rank"] is not None for m in json.loads(out.read_text())["style_control"]["models"])
            results.append({"votes": n_votes, "plain_s": float(np.median(plain)), "style_s": float(np.median(style)),
                            "ratio": float(np.median(style) / np.median(plain)), "ranked": ranked, "runs": repeats})
            path.unlink()
    return results


def style_lines(maths: list[dict], e2e: list[dict], sql: dict | None = None) -> list[str]:
    """The (f) rows of the bench table: the maths alone, end to end through the command, and (when measured) the
    live path from PostgreSQL."""
    def check(ratio: float) -> str:
        return "ok" if ratio <= 2 else "MISSED"

    lines = [f"| (f) style-controlled board vs the plain board, from raw votes in memory (the maths; median of "
             f"{r['runs']}), {r['votes']:,} votes, {N_MODELS} models | {r['style_s']:.3f} s | plain board "
             f"{r['plain_s']:.4f} s | {r['ratio']:.0f}x | (the style fit reads every vote; the plain board pair "
             f"counts) | |" for r in maths]
    lines += [f"| (f) `python -m voting.ratings FILE --style` vs `... FILE`, end to end on the same file with style "
              f"counts (median of {r['runs']}), {r['votes']:,} votes, {N_MODELS} models | {r['style_s']:.2f} s | plain "
              f"{r['plain_s']:.2f} s | {r['ratio']:.2f}x | <= 2x | {check(r['ratio'])} |" for r in e2e]
    if sql:
        lines.append(f"| (f) the same from PostgreSQL (plain: SQL aggregate + board; style: each counted vote's stored "
                     f"styles + fit), {sql['votes']:,} votes (best of 2) | {sql['style_s']:.2f} s | plain board "
                     f"{sql['plain_s']:.2f} s | {sql['ratio']:.1f}x | <= 2x | {check(sql['ratio'])} |")
    return lines


def style_from_postgresql(n_votes: int = 1_000_000, repeats: int = 2) -> dict:
    """The live path of both boards on PostgreSQL (votes and their stored styles bulk-loaded; the styles as the
    first style board would have filled them): seconds from SQL to rows, best of `repeats`. Plain: the SQL
    aggregate + the board (bench (b)'s measure). Style: every counted vote's row with its styles + the style fit."""
    import psycopg
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from bench.rebuild import load_votes, sql_board
    from bench.scratch import scratch_database
    from voting.queries import roster_models
    from voting.style_board import compute_style_board
    from voting.style_store import style_votes

    style_a, style_b = synthetic_styles(n_votes)
    with scratch_database() as (url, conninfo):
        load_votes(conninfo, n_votes)
        with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
            with cur.copy("COPY vote_styles (vote_id, tokens_a, headers_a, lists_a, bold_a, tokens_b, headers_b, "
                          "lists_b, bold_b) FROM STDIN") as copy:
                for i, (sa, sb) in enumerate(zip(style_a.tolist(), style_b.tolist())):
                    copy.write_row((f"v{i:031d}", *sa, *sb))
            cur.execute("ANALYZE vote_styles")
        plain = min(sql_board(url) for _ in range(repeats))
        engine = create_engine(url)
        style = float("inf")
        with Session(engine) as session:
            ids = [m.id for m in roster_models(session, "bench")]
            for _ in range(repeats):
                start = time.perf_counter()
                a, b, outcome, sa, sb = style_votes(session, "bench", None, ids)
                compute_style_board(a, b, outcome, sa, sb, len(ids), BoardSettings())
                style = min(style, time.perf_counter() - start)
        engine.dispose()
    return {"votes": n_votes, "plain_s": plain, "style_s": style, "ratio": style / plain}
