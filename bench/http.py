"""(c) The citizen path over HTTP on the production-style stack (issue 13), every figure from one run.

`bench.stack` starts a scratch PostgreSQL database, a private redis-server, gunicorn gthread 2x4 and the
rating worker; 50 citizens log in through the real login flow (bench.citizens); then, with 8 client
processes on the same machine:
1. GET /healthz (no session, no database: the stack's own limit), POST /bench/noop with session and CSRF,
   and the citizen cycle (start a battle with a random curated prompt, vote), PHASE_S each, three times
   in turn; the median of the three;
2. the cycle offered at half the measured saturation (open loop): vote and battle-start p50/p99, and a
   poller reading the board every 50 ms: vote-to-board latency of every counted vote;
3. GET /api/leaderboard as fast as it answers while a steady stream of STREAM_CYCLES cycles/s votes.
"""
from __future__ import annotations

import os
import statistics
import time

import requests

from bench import load
from bench.citizens import log_in_many
from bench.load import Group, percentile, vote_to_board
from bench.stack import production_stack

CITIZENS = 50
PROCS = 8
PHASE_S = float(os.environ.get("BENCH_PHASE_S", "10"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
LATENCY_S = float(os.environ.get("BENCH_LATENCY_S", "15"))
STREAM_CYCLES = 10.0  # cycles per second voting while the board is read


def settled_votes(base_url: str, timeout: float = 30) -> int:
    """The board's vote count once it stops moving (the previous phase's votes all applied)."""
    last, deadline = None, time.monotonic() + timeout
    while time.monotonic() < deadline:
        votes = requests.get(base_url + "/api/leaderboard", timeout=10).json()["votes"]
        if votes == last:
            return votes
        last = votes
        time.sleep(1.0)
    raise RuntimeError("the board kept moving for 30 s after the load stopped")


def run(profile=None) -> dict:
    """Every figure of the HTTP part. `profile(stack)` (optional) is called once the stack is up and
    returns a context manager wrapped around the saturation phases (bench.profile uses it)."""
    load_before = os.getloadavg()
    with production_stack() as stack:
        url = stack.base_url
        citizens = [(c.token, c.csrf) for c in log_in_many(url, CITIZENS)]
        load.run(url, [Group("cycle", PROCS), Group("healthz", 2)], citizens, 3.0)  # warm every code path
        rates: dict[str, list[float]] = {"healthz": [], "noop": [], "cycle": []}
        errors = 0
        sampler = profile(stack) if profile else None
        if sampler:
            sampler.__enter__()
        try:
            for _ in range(REPEATS):
                for kind in rates:
                    report, rps = load.run(url, [Group(kind, PROCS)], citizens, PHASE_S)[kind]
                    rates[kind].append(rps)
                    errors += report.errors
        finally:
            if sampler:
                sampler.__exit__(None, None, None)
        healthz, noop, cycle = (statistics.median(rates[k]) for k in ("healthz", "noop", "cycle"))
        half = cycle / 2 / 2  # half the saturation, in cycles per second (two requests a cycle)
        base = settled_votes(url)
        # The poller reads on for 3 s after the voting stops, so the phase's last votes are seen arriving.
        result = load.run(url, [Group("cycle", PROCS, rate=half), Group("poll", 1, linger=3.0)], citizens, LATENCY_S)
        paced, polls = result["cycle"][0], result["poll"][0]
        errors += paced.errors + polls.errors
        delays = vote_to_board(paced.counted_at, polls.polls, base)
        board = load.run(url, [Group("board", PROCS), Group("cycle", 2, rate=STREAM_CYCLES)], citizens, PHASE_S)
        errors += board["board"][0].errors + board["cycle"][0].errors
        stream_rate = board["cycle"][1] / 2
    return {"healthz_rps": healthz, "noop_rps": noop, "cycle_rps": cycle, "rates": rates,
            "half_cycles": half, "offered_cycles": paced.requests / 2 / LATENCY_S,
            "vote_p50": percentile(paced.vote_ms, 0.5), "vote_p99": percentile(paced.vote_ms, 0.99),
            "battle_p50": percentile(paced.battle_ms, 0.5), "battle_p99": percentile(paced.battle_ms, 0.99),
            "fresh_p50": percentile(delays, 0.5), "fresh_p99": percentile(delays, 0.99), "fresh_max": max(delays, default=float("nan")),
            "fresh_n": len(delays), "board_rps": board["board"][1], "stream_cycles": stream_rate,
            "errors": errors, "load_before": load_before, "load_after": os.getloadavg()}


def table_rows(w: dict) -> list[str]:
    """The HTTP part's rows of the bench table: ours, reference, ratio, goal, ok/MISSED."""
    def check(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    h, n, c = w["healthz_rps"], w["noop_rps"], w["cycle_rps"]
    spread = ", ".join(f"{k} {'/'.join(f'{v:.0f}' for v in vs)}" for k, vs in w["rates"].items())
    return [
        f"| (c) no-op `GET /healthz` (no session, no database), 8 client processes, median of {REPEATS} | "
        f"{h:.0f} req/s | | | | runs: {spread} |",
        f"| (c) no-op `POST /bench/noop` with session and CSRF | {n:.0f} req/s | /healthz {h:.0f} req/s | "
        f"{n / h * 100:.0f}% | | |",
        f"| (c) citizen cycle (battle start with a random curated prompt + vote), 50 citizens logged in through "
        f"the real flow | {c:.0f} req/s ({c / 2:.1f} cycles/s) | /healthz {h:.0f} req/s | {c / h * 100:.0f}% | "
        f">= 50% | {check(c / h >= 0.5)} |",
        f"| (c) citizen cycle against the session+CSRF no-op (second line) | {c:.0f} req/s | no-op {n:.0f} req/s | "
        f"{c / n * 100:.0f}% | | |",
        f"| (c) vote p50 / p99 at half saturation ({w['offered_cycles']:.1f} cycles/s offered, open loop) | "
        f"{w['vote_p50']:.0f} / {w['vote_p99']:.0f} ms | | | p99 <= 50 ms | {check(w['vote_p99'] <= 50)} |",
        f"| (c) battle start p50 / p99 at half saturation | {w['battle_p50']:.0f} / {w['battle_p99']:.0f} ms | | | "
        f"p99 <= 80 ms | {check(w['battle_p99'] <= 80)} |",
        f"| (c) `GET /api/leaderboard` under a vote stream of {w['stream_cycles']:.0f} cycles/s | "
        f"{w['board_rps']:.0f} req/s | /healthz {h:.0f} req/s | {w['board_rps'] / h * 100:.0f}% | >= 70% | "
        f"{check(w['board_rps'] / h >= 0.7)} |",
        f"| (c) vote to live board p99 / max, {w['fresh_n']} counted votes at half saturation, board read every "
        f"50 ms (p50 {w['fresh_p50']:.2f} s) | {w['fresh_p99']:.2f} / {w['fresh_max']:.2f} s | | | p99 <= 1 s | {check(w['fresh_p99'] <= 1)} |",
        f"| (c) error answers in every phase; machine load average (1 min) before / after | {w['errors']} | | | 0 | "
        f"{check(w['errors'] == 0)} (load {w['load_before'][0]:.1f} / {w['load_after'][0]:.1f}) |",
    ]
