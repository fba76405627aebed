"""Reading battles in Chatbot Arena's public JSON Lines format into a tally. No Flask."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from voting.rating import OUTCOME_OF_WINNER, Tally, tally

ARENA_WINNERS = ("model_a", "model_b", "tie", "tie (bothbad)")


class NotCounted(Exception):
    """A well-formed line of a vote kept out of the ranking (`"counted": false` in the public release)."""


@dataclass(frozen=True)
class BadLine:
    """A line that could not be read, by its 1-based number."""

    number: int
    reason: str


def parse_battle(text: str | bytes) -> tuple[str, str, int]:
    """(model_a, model_b, outcome) of one line (text or raw bytes), or ValueError with the reason.

    A vote the release marks as not counted raises NotCounted: it is read, and left out of the ranking."""
    if isinstance(text, bytes):  # decoded per line, so one bad byte costs one line, not the file
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("not UTF-8") from None
    try:
        row = json.loads(text.removeprefix("\ufeff"))  # a byte-order mark from spreadsheet exports
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise ValueError("not a JSON object")
    a, b, winner = row.get("model_a"), row.get("model_b"), row.get("winner")
    if not isinstance(a, str) or not a or not isinstance(b, str) or not b:
        raise ValueError("model_a and model_b must be non-empty strings")
    if a == b:
        raise ValueError("model_a and model_b are the same model")
    if winner not in ARENA_WINNERS:
        raise ValueError(f"winner must be one of {', '.join(ARENA_WINNERS)}")
    if row.get("counted") is False:
        raise NotCounted()
    return a, b, OUTCOME_OF_WINNER[winner]


def read_battles(lines: Iterable[str | bytes], on_bad: Callable[[BadLine], None]) -> tuple[list[str], Tally]:
    """Model names (in order of appearance) and the tally of every good, counted line; bad lines go to `on_bad`."""
    index: dict[str, int] = {}
    a_idx, b_idx, outcomes = [], [], []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            a, b, outcome = parse_battle(text)
        except NotCounted:
            continue
        except ValueError as exc:
            on_bad(BadLine(number, str(exc)))
            continue
        a_idx.append(index.setdefault(a, len(index)))
        b_idx.append(index.setdefault(b, len(index)))
        outcomes.append(outcome)
    names = sorted(index, key=index.__getitem__)
    t = tally(np.array(a_idx, dtype=np.int64), np.array(b_idx, dtype=np.int64),
              np.array(outcomes, dtype=np.int64), len(names))
    return names, t
