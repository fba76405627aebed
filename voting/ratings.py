"""`python -m voting.ratings FILE`: a leaderboard (JSON) from battles in Chatbot Arena's JSON Lines format.

Needs only Python and numpy: no Flask, no database, no web application (which takes seconds to start). The file
is read in blocks by a streaming parser (`voting.arena_format.scan_battles`) that never holds its lines. The
defaults are the application's (`BoardSettings()`, the ARENA_RATING_* defaults); `flask --app wsgi ratings
compute` calls the same `compute_board` with the settings of its configuration. `--style` also reads each line's
style counts (a snapshot release's votes.jsonl) and adds the style-controlled board as snapshots publish it
(voting.style_scan, voting.style_release); those lines are read one by one as JSON.

Exit status: 0 with the board on stdout; 1 when there is no counted vote (an empty file, or only bad or
not-counted lines) or, with --strict, at the first bad line (its number and reason on stderr); 2 for bad
arguments or a file that cannot be opened.
"""
from __future__ import annotations

import os

if __name__ == "__main__":
    # The bootstrap runs its own threads; BLAS threads on top of them oversubscribe the cores (at 200 models this
    # halved the CPU time). Set before numpy is first imported; an explicit setting wins.
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import argparse
import dataclasses
import json
import sys
import time
from collections import Counter
from typing import Any, BinaryIO, Callable, TextIO

from contest.protocol import LEGACY_RATING_METHOD
from voting.arena_format import BadLine, scan_battles
from voting.board import DISCONNECTED, BoardSettings
from voting.board import compute_board as rated_board

SHOWN_BAD_LINES = 20  # bad lines listed one by one; the rest are summarised by reason
DECIMALS = 4


class RatingsInputError(Exception):
    """The file gives no board: no counted vote, or (strict) a bad line. The message is Korean, then English."""


class _StrictStop(Exception):
    def __init__(self, line: BadLine) -> None:
        self.line = line


def compute_board(stream: BinaryIO, settings: BoardSettings, strict: bool = False, log: TextIO | None = None,
                  progress: Callable[[int], None] | None = None, style: bool = False) -> dict[str, Any]:
    """The board document of the battles in `stream`; bad lines reported on `log` (stderr by default). With
    `style`, the lines' style counts are read too and the document carries the style-controlled board.

    Raises RatingsInputError at the first bad line when `strict`, and when no vote is counted."""
    log = sys.stderr if log is None else log
    bad: list[BadLine] = []
    reasons: Counter[str] = Counter()

    def on_bad(line: BadLine) -> None:
        if strict:
            raise _StrictStop(line)
        reasons[line.reason] += 1
        if len(bad) < SHOWN_BAD_LINES:
            bad.append(line)
            print(f"line {line.number}: {line.reason}", file=log)

    try:
        if style:
            names, rows, lines = _scan_styled(stream, on_bad, progress)
            t = _tally_of(rows, len(names))
        else:
            names, t, lines = scan_battles(stream, on_bad, progress)
    except _StrictStop as stop:
        number, reason = stop.line.number, stop.line.reason
        raise RatingsInputError(f"{number}번째 줄이 잘못되었습니다: {reason} (--strict: 중단) / "
                                f"line {number} is bad: {reason} (--strict: stopped)") from None
    skipped = sum(reasons.values())
    if skipped:
        _summarise(reasons, skipped, log)
    if t.total == 0:
        raise RatingsInputError(
            "순위표를 만들 수 없습니다: 빈 파일입니다 / no board: the file is empty" if lines == 0 else
            f"순위표를 만들 수 없습니다: {lines}줄 중 집계할 투표가 없습니다 (잘못된 줄 {skipped}개) / "
            f"no board: none of the {lines} line(s) is a counted vote ({skipped} bad)")
    board = rated_board(t, settings)
    document = {"models": [_model(names[r.index], r) for r in board.rows], "votes": t.total,
                "skipped_lines": skipped, "params": settings.describe()}
    if settings.method != LEGACY_RATING_METHOD:
        document["components"] = [[names[i] for i in group] for group in board.components]
        document["warnings"] = board.warnings
    if style:
        document["style_control"] = _style_control(rows, names, settings)
        del rows
    if DISCONNECTED in board.warnings:
        print(f"경고: 서로 비교된 적 없는 모델 묶음이 {len(board.components)}개입니다. 순위는 묶음 안에서만 "
              f"비교됩니다 / warning: {len(board.components)} groups of models never compared with each other; "
              f"ranks compare only within a group", file=log)
    return document


def _scan_styled(stream: BinaryIO, on_bad: Callable[[BadLine], None], progress: Callable[[int], None] | None):
    # Imported here: the plain command does not pay for the style modules' import (about 50 ms).
    from voting.style_scan import scan_styled

    return scan_styled(stream, on_bad, progress)


def _tally_of(rows: Any, n_models: int) -> Any:
    import numpy as np

    from voting.rating import tally

    return tally(*(rows[:, i].astype(np.int64) for i in range(3)), n_models)


def _style_control(rows: Any, names: list[str], settings: BoardSettings) -> dict[str, Any]:
    """The style-controlled board of the lines that carry style counts (as a snapshot publishes it)."""
    import numpy as np

    from voting.style import K
    from voting.style_release import style_block

    styled = rows[rows[:, 3] >= 0]
    a, b, outcome = (styled[:, i].astype(np.int64) for i in range(3))
    return style_block(a, b, outcome, styled[:, 3:3 + K], styled[:, 3 + K:], [{"name": n} for n in names], settings)


def _summarise(reasons: Counter[str], skipped: int, log: TextIO) -> None:
    """After the first SHOWN_BAD_LINES bad lines: how many more, and how many of each reason."""
    if skipped > SHOWN_BAD_LINES:
        print(f"... 그 밖에 {skipped - SHOWN_BAD_LINES}줄 / and {skipped - SHOWN_BAD_LINES} more", file=log)
    by_reason = "; ".join(f"{reason}: {count}" for reason, count in reasons.most_common())
    print(f"건너뛴 줄 {skipped}개 / skipped {skipped} bad line(s) ({by_reason})", file=log)


def _model(name: str, row: Any) -> dict[str, Any]:
    """One model's entry: its name, then every field of its board row but the tally index (figures rounded)."""
    fields = dataclasses.asdict(row)
    fields.pop("index", None)
    return {"name": name, **{key: _rounded(value) for key, value in fields.items()}}


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


class TerminalProgress:
    """Bytes read so far, redrawn at most twice a second, only when stderr is a terminal (never in pipes or logs)."""

    def __init__(self, total: int | None, out: TextIO | None = None) -> None:
        self.out = sys.stderr if out is None else out
        self.total = total
        self.shown = False
        self.last = 0.0

    @property
    def enabled(self) -> bool:
        return self.out.isatty()

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.5:
            return
        self.last = now
        share = f" ({100 * done / self.total:.0f}%)" if self.total else ""
        self.out.write(f"\r읽는 중 / reading: {done / 1e6:,.0f} MB{share}")
        self.out.flush()
        self.shown = True

    def close(self) -> None:
        """End the progress line, so what follows starts on its own line."""
        if self.shown:
            self.out.write("\n")
            self.out.flush()
            self.shown = False


def _parser(defaults: BoardSettings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m voting.ratings",
                                     description="Leaderboard JSON from battles in Chatbot Arena's JSON Lines "
                                                 "format (model_a, model_b, winner).")
    parser.add_argument("file", help="battles file ('-' for standard input)")
    parser.add_argument("--rounds", type=int, default=defaults.rounds,
                        help=f"bootstrap rounds (default {defaults.rounds})")
    parser.add_argument("--seed", type=int, default=defaults.seed, help=f"bootstrap seed (default {defaults.seed})")
    parser.add_argument("--strict", action="store_true", help="stop at the first bad line instead of skipping it")
    parser.add_argument("--style", action="store_true",
                        help="also the style-controlled board, from each line's style_a and style_b counts (a "
                             "snapshot release's votes.jsonl has them)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; the exit status."""
    defaults = BoardSettings()
    args = _parser(defaults).parse_args(argv)
    if not 1 <= args.rounds <= 100_000:
        print("--rounds는 1 이상 100,000 이하입니다 / --rounds must be between 1 and 100,000", file=sys.stderr)
        return 2
    settings = dataclasses.replace(defaults, rounds=args.rounds, seed=args.seed)
    try:
        stream = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")
    except OSError as exc:
        print(f"파일을 열 수 없습니다 / cannot open {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    with stream:
        board = run(stream, settings, args.strict, args.style)
    if board is None:
        return 1
    sys.stdout.write(json.dumps(board, ensure_ascii=False, indent=1) + "\n")
    return 0


def run(stream: BinaryIO, settings: BoardSettings, strict: bool, style: bool = False) -> dict[str, Any] | None:
    """The board, with progress on a terminal; None after printing why there is none."""
    progress = TerminalProgress(remaining_bytes(stream))
    try:
        return compute_board(stream, settings, strict, progress=progress if progress.enabled else None, style=style)
    except RatingsInputError as exc:
        progress.close()
        print(f"오류 / error: {exc}", file=sys.stderr)
        return None
    finally:
        progress.close()


def remaining_bytes(stream: BinaryIO) -> int | None:
    """Bytes left to read in a regular file (for the percentage); None for a pipe."""
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        end = stream.seek(0, 2)
        stream.seek(here)
        return end - here
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
