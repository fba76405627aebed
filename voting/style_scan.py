"""Reading battles with their style counts (`python -m voting.ratings FILE --style`). numpy + stdlib only.

A release's votes.jsonl carries per vote "style_a" and "style_b" (voting.style_release): four counts per side.
Every good line counts on the plain board as `voting.arena_format` reads it; a counted line whose counts are
missing or null enters the plain board only, as at publication. Counts that are present but malformed make the
line bad. Lines are read a block at a time and never all held.
"""
from __future__ import annotations

from typing import BinaryIO, Callable

import numpy as np

from voting.arena_format import BadLine, NotCounted, battle_of, json_object
from voting.style import K, MAX_COUNT, valid_counts

BLOCK_LINES = 1 << 16


class StyledVotes:
    """The counted votes of a file: model indices (names in order of first appearance), outcomes, and style
    counts (rows of -1 where a vote has none)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self._parts: list[np.ndarray] = []
        self._rows: list[tuple] = []

    def add(self, a: str, b: str, outcome: int, style: tuple) -> None:
        ia = self.index.setdefault(a, len(self.index))
        self._rows.append((ia, self.index.setdefault(b, len(self.index)), outcome, *style))
        if len(self._rows) >= BLOCK_LINES:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._parts.append(np.array(self._rows, dtype=np.int32).reshape(-1, 3 + 2 * K))
            self._rows = []

    def arrays(self) -> tuple[list[str], np.ndarray]:
        """(names, an (n, 3 + 2K) int32 array: a, b, outcome, A's counts, B's counts)."""
        self._flush()
        rows = np.concatenate(self._parts) if self._parts else np.empty((0, 3 + 2 * K), dtype=np.int32)
        self._parts = []
        return sorted(self.index, key=self.index.__getitem__), rows


_NO_STYLE = (-1,) * (2 * K)


def _style(row: dict) -> tuple:
    pair = [row.get("style_a"), row.get("style_b")]
    if pair == [None, None]:
        return _NO_STYLE
    if not valid_counts(pair):
        raise ValueError(f"style_a and style_b must be {K} counts (0 to {MAX_COUNT}) each, or both absent")
    return (*pair[0], *pair[1])


def scan_styled(stream: BinaryIO, on_bad: Callable[[BadLine], None],
                progress: Callable[[int], None] | None = None) -> tuple[list[str], np.ndarray, int]:
    """(model names, the counted votes' rows as StyledVotes.arrays gives them, lines read)."""
    votes = StyledVotes()
    number = done = 0
    for number, text in enumerate(stream, start=1):
        done += len(text)
        if progress is not None and number % BLOCK_LINES == 0:
            progress(done)
        if not text.strip():
            continue
        try:
            row = json_object(text)
            a, b, outcome = battle_of(row)
            votes.add(a, b, outcome, _style(row))
        except NotCounted:
            continue
        except ValueError as exc:
            on_bad(BadLine(number, str(exc)))
    names, rows = votes.arrays()
    return names, rows, number
