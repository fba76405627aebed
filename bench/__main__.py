"""`python -m bench` (`make bench`): one table, every number measured in this run."""
from __future__ import annotations

import sys
import time

from bench import http, ratings, rebuild, sampling, sybil


def main(parts: list[str]) -> None:
    """`python -m bench` runs every part; `python -m bench http` (or ratings, rebuild, sampling, sybil) only those
    named."""
    wanted = set(parts) or {"ratings", "rebuild", "http", "sampling", "sybil"}
    started = time.perf_counter()
    lines = ["| measurement | ours | reference | ratio | target | check |", "|---|---|---|---|---|---|"]
    rating_rows = []
    if "ratings" in wanted:
        print("measuring (a) ratings ...", file=sys.stderr, flush=True)
        rating_rows = ratings.run()
        print("measuring (e) ratings compute end to end (10M-line files written to a temporary directory) ...",
              file=sys.stderr, flush=True)
        e2e = ratings.end_to_end()
        print("measuring (f) style control (in memory, then from PostgreSQL) ...", file=sys.stderr, flush=True)
        style, style_e2e, style_sql = ratings.style_control(), ratings.style_end_to_end(), ratings.style_from_postgresql()
        lines += rating_lines(rating_rows)
    if "rebuild" in wanted:
        print("measuring (b) rebuild from PostgreSQL ...", file=sys.stderr, flush=True)
        lines += board_lines(rebuild.run())
    if "http" in wanted:
        print("measuring (c) the citizen path over HTTP (production-style stack) ...", file=sys.stderr, flush=True)
        lines += http.table_rows(http.run())
    if "ratings" in wanted:
        lines += end_to_end_lines(e2e, rating_rows)
        lines += ratings.style_lines(style, style_e2e, style_sql)
    if "sampling" in wanted:
        print("measuring (g) the equal-exposure draw ...", file=sys.stderr, flush=True)
        lines += sampling.table_rows(sampling.run())
    print("\n".join(lines))
    if "sybil" in wanted:
        print("measuring (d) sybil campaigns against the detectors ...", file=sys.stderr, flush=True)
        print()
        sybil.run()
    print(f"\nbench finished in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def rating_lines(rating_rows: list[dict]) -> list[str]:
    lines = []
    for r in rating_rows:
        note = "" if r["ref_rounds_run"] == 100 else (
            f" (ran {r['ref_rounds_run']} rounds of {r['ref_round_range'][0]:.1f}-{r['ref_round_range'][1]:.1f} s: "
            f"point fit + 100 x the median round)")
        lines.append(f"| (a) board from raw votes (BT, the default method's intervals: anchored sandwich, no bootstrap), {r['votes']:,} votes, 20 models (best of 3) | {r['ours_s']:.3f} s | "
                     f"{r['ref_s']:.1f} s row-level LR, 100 rounds{note} | {r['ratio']:.0f}x | "
                     f">= 200x at 100k | {'ok' if r['votes'] != 100_000 or r['ratio'] >= 200 else 'MISSED'} |")
        lines.append(f"| (a) max abs rating diff vs reference, {r['votes']:,} votes | {r['max_diff']:.2e} | | | "
                     f"<= 0.01 | {'ok' if r['max_diff'] <= 0.01 else 'MISSED'} |")
    return lines


def board_lines(board: dict) -> list[str]:
    return [f"| (b) board from PostgreSQL, {board['votes']:,} votes: SQL aggregate + the default method's board | "
            f"{board['sql_board_s']:.2f} s | | | <= 10 s | {'ok' if board['sql_board_s'] <= 10 else 'MISSED'} |",
            f"| (b) live-board rebuild (replay + Elo) into Redis / in process | {board['rebuild_redis_s']:.2f} s / "
            f"{board['rebuild_memory_s']:.2f} s | | | <= 10 s | "
            f"{'ok' if board['rebuild_redis_s'] <= 10 else 'MISSED'} |",
            f"| (b) bulk load with COPY (setup, not a target) | {board['load_s']:.1f} s | | | | |"]


GIB = 1024.0  # MiB


def end_to_end_lines(e2e: list[dict], rating_rows: list[dict]) -> list[str]:
    """(e) rows: `python -m voting.ratings FILE` from process start to JSON out, against the reference path
    (row-level LR + 100-round bootstrap, measured in (a) on the same 1M votes) and the goals."""
    ref = {r["votes"]: r for r in rating_rows}
    lines = []
    for r in e2e:
        spread = (f" (median of {r['runs']}: {r['range'][0]:.2f}-{r['range'][1]:.2f} s)" if r["runs"] > 1 else
                  " (one run)")
        what = (f"| (e) `python -m voting.ratings FILE` end to end (process start to JSON out), {r['votes']:,} votes, "
                f"{r['models']} models, {r['file_mib']:.0f} MiB file | "
                f"{r['seconds']:.2f} s{spread}, peak {r['peak_mib']:.0f} MiB")
        if r["votes"] == 1_000_000 and r["votes"] in ref:
            base = ref[r["votes"]]
            ratio = base["ref_s"] / r["seconds"]
            ok = r["seconds"] <= 1.5 and ratio >= 300
            lines.append(f"{what} | {base['ref_s']:.1f} s row-level LR + 100-round bootstrap in process (ran "
                         f"{base['ref_rounds_run']} rounds: point fit + 100 x the median round) | {ratio:.0f}x | "
                         f"<= 1.5 s and >= 300x | {'ok' if ok else 'MISSED'} |")
        elif r["votes"] >= 10_000_000:
            ok = r["seconds"] <= 10 and r["peak_mib"] <= GIB
            lines.append(f"{what} | | | <= 10 s and <= 1 GiB | {'ok' if ok else 'MISSED'} |")
        else:
            lines.append(f"{what} | | | | |")
        if "max_diff" in r:
            lines.append(f"| (e) max abs difference (ratings and CI bounds) vs compute_rows in process, {r['votes']:,} "
                         f"votes | {r['max_diff']:.1e} | | | <= 0.01 | {'ok' if r['max_diff'] <= 0.01 else 'MISSED'} |")
    return lines


if __name__ == "__main__":
    main(sys.argv[1:])
