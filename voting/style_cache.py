"""Where the rating worker leaves the style-controlled boards and the API reads them. No Flask.

The style fit reads every counted vote's style row and takes seconds on a large round, so no request computes
it: the worker (voting.style_worker) recomputes each scope (round, category) and stores the board; a request
reads the stored board and shows it with the round's current roster. A scope with no stored board yet (or one
made for another roster or protocol) is answered "pending" and marked wanted, so the worker computes it next.

With Redis the boards are shared by every process (one key per scope, a lock per scope so several workers do
not fit the same scope at once); without Redis (the embedded default) they live in memory.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, replace
from typing import Protocol

from contest.protocol import RATING_METHOD
from voting.board import BoardSettings, Row
from voting.style import FEATURES
from voting.style_board import STYLE_METHOD, StyleBoard, describe

log = logging.getLogger("arena.voting.style_cache")

WANTED_FOR_S = 900.0  # a scope asked for is kept fresh this long after the last request that found it missing


def scope_of(round_id: str, category: str) -> str:
    return f"{round_id}\x1f{category}"


def settings_key(settings: BoardSettings) -> str:
    """What a stored board must have been computed with to be served (the round's protocol may change)."""
    return repr(settings)


def dump_board(board: StyleBoard, model_ids: list[int], settings: BoardSettings, computed_at: float,
               took: float) -> str:
    """A computed board as stored text."""
    return json.dumps({"rows": [asdict(r) for r in board.rows], "components": board.components,
                       "coefficients": board.coefficients, "votes": board.votes, "model_ids": list(model_ids),
                       "settings": settings_key(settings), "computed_at": computed_at, "took": took})


def load_board(text: str) -> tuple[StyleBoard, dict]:
    """The stored board and its record (model_ids, settings, computed_at, took)."""
    raw = json.loads(text)
    rows = [Row(**{**r, "ci": tuple(r["ci"])}) for r in raw.pop("rows")]
    board = StyleBoard(rows, raw.pop("components"), raw.pop("coefficients"), raw.pop("votes"))
    return board, raw


class StyleBoards(Protocol):
    """The stored boards per scope, the scopes requests wanted, and a per-scope claim for the one computing."""

    def get(self, scope: str) -> str | None: ...
    def put(self, scope: str, text: str) -> None: ...
    def want(self, scope: str, now: float) -> None: ...
    def wanted(self, now: float) -> list[str]: ...
    def claim(self, scope: str, seconds: float) -> bool: ...
    def release(self, scope: str) -> None: ...


class MemoryStyleBoards:
    """The in-process twin (embedded default: the worker runs in the web process)."""

    def __init__(self):
        self._boards: dict[str, str] = {}
        self._wanted: dict[str, float] = {}
        self._claimed: set[str] = set()
        self._lock = threading.Lock()

    def get(self, scope: str) -> str | None:
        return self._boards.get(scope)

    def put(self, scope: str, text: str) -> None:
        self._boards[scope] = text

    def want(self, scope: str, now: float) -> None:
        self._wanted[scope] = now

    def wanted(self, now: float) -> list[str]:
        with self._lock:
            for scope, at in list(self._wanted.items()):
                if now - at > WANTED_FOR_S:
                    del self._wanted[scope]
            return sorted(self._wanted)

    def claim(self, scope: str, seconds: float) -> bool:
        with self._lock:
            if scope in self._claimed:
                return False
            self._claimed.add(scope)
            return True

    def release(self, scope: str) -> None:
        with self._lock:
            self._claimed.discard(scope)


class RedisStyleBoards:
    """Shared by every web and worker process."""

    PREFIX = "arena:style-board:"

    def __init__(self, client):
        self.client = client

    def get(self, scope: str) -> str | None:
        return self.client.get(self.PREFIX + scope)

    def put(self, scope: str, text: str) -> None:
        self.client.set(self.PREFIX + scope, text)

    def want(self, scope: str, now: float) -> None:
        self.client.zadd(self.PREFIX + "wanted", {scope: now})

    def wanted(self, now: float) -> list[str]:
        key = self.PREFIX + "wanted"
        self.client.zremrangebyscore(key, "-inf", now - WANTED_FOR_S)
        return sorted(self.client.zrange(key, 0, -1))

    def claim(self, scope: str, seconds: float) -> bool:
        return bool(self.client.set(self.PREFIX + "lock:" + scope, "1", nx=True, px=max(1, int(seconds * 1000))))

    def release(self, scope: str) -> None:
        self.client.delete(self.PREFIX + "lock:" + scope)


def style_control(store: StyleBoards, round_id: str, category: str, models: list, settings: BoardSettings,
                  lang: str) -> dict:
    """The API's "style_control" block from the stored board; "pending" (and the scope wanted) when there is
    none for this roster and protocol yet. Reads only: never fits."""
    from voting.leaderboard import board_rows, model_name

    scope = scope_of(round_id, category)
    try:
        text = store.get(scope)
    except Exception as exc:  # Redis down: the plain board is still served, this block says "pending"
        log.warning("style boards unavailable: %s", exc)
        text = None
    board, record = load_board(text) if text is not None else (None, {})
    if board is None or record["model_ids"] != [m.id for m in models] or record["settings"] != settings_key(settings):
        try:
            store.want(scope, time.time())
        except Exception as exc:
            log.warning("could not ask for the style board: %s", exc)
        board = StyleBoard([], [], {f: None for f in FEATURES}, 0)
        warnings, computed_at = ["pending"], None
    else:
        warnings, computed_at = board.warnings, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record["computed_at"]))
    return {"method": STYLE_METHOD, "votes": board.votes, "computed_at": computed_at,
            "params": describe(replace(settings, method=RATING_METHOD)),
            "coefficients": {f: None if c is None else {"estimate": round(c["estimate"], 4),
                                                        "ci": [round(c["ci"][0], 4), round(c["ci"][1], 4)]}
                             for f, c in board.coefficients.items()},
            "models": board_rows(board.rows, models, lang),
            "components": [[model_name(models[i]) for i in group] for group in board.components],
            "warnings": warnings}
