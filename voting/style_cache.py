"""Where the rating worker leaves the style-controlled boards and the API reads them. No Flask.

The style fit reads every counted vote's style row and takes seconds on a large round, so no request computes
it: the worker (voting.style_worker) recomputes each scope (round, category) and stores the board with what it
was fitted for: roster, the settings the fit uses, and the vote-set marker (the round's vote-log head seq: every
vote and every later exclusion or restoration appends a record). A request reads the stored board and shows it
with the round's current roster, and marks the scope wanted (at most once a minute per process), so the worker
keeps a scope someone reads fresh; a scope with no usable stored board (none yet, one for another roster or
protocol, or a record that will not load) is answered "pending".

With Redis the boards are shared by every process (one key per scope under a schema version, a lock per scope
so several workers do not fit the same scope at once); without Redis (the embedded default) they live in memory.
"""
from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from dataclasses import asdict, replace
from typing import Protocol

from contest.protocol import RATING_METHOD
from voting.board import BoardSettings, Row
from voting.style import FEATURES
from voting.style_board import STYLE_METHOD, StyleBoard, describe

log = logging.getLogger("arena.voting.style_cache")

WANTED_FOR_S = 900.0  # a scope read is kept fresh this long after the last request that read it
WANT_EVERY_S = 60.0  # a process marks a scope it serves wanted at most this often
SCHEMA = 2  # of the stored record: a deploy that changes it reads none of the old ones (they are "missing")


def scope_of(round_id: str, category: str) -> str:
    return f"{round_id}\x1f{category}"


def settings_key(settings: BoardSettings) -> str:
    """What a stored board must have been computed with to be served: only what the style fit reads (the
    interval level, the minimum battles and the rating scale), so processes whose settings differ elsewhere
    (bootstrap rounds, seed, online step) agree."""
    p = settings.params
    return json.dumps([settings.confidence, settings.provisional_below, p.scale, p.base, p.initial])


def dump_board(board: StyleBoard, model_ids: list[int], settings: BoardSettings, computed_at: float,
               took: float, log_seq: int) -> str:
    """A computed board as stored text (`took`: seconds of the fit; `log_seq`: the vote-set marker it saw)."""
    return json.dumps({"schema": SCHEMA, "rows": [asdict(r) for r in board.rows], "components": board.components,
                       "coefficients": board.coefficients, "votes": board.votes, "model_ids": list(model_ids),
                       "settings": settings_key(settings), "computed_at": computed_at, "took": took,
                       "log_seq": log_seq})


def load_board(text: str | None) -> tuple[StyleBoard, dict] | None:
    """The stored board and its record (model_ids, settings, computed_at, took, log_seq); None for no record or
    one that will not load (another shape after a deploy, truncated): it counts as missing and is refitted."""
    if text is None:
        return None
    try:
        raw = json.loads(text)
        if raw.pop("schema") != SCHEMA:
            return None
        rows = [Row(**{**r, "ci": tuple(r["ci"])}) for r in raw.pop("rows")]
        board = StyleBoard(rows, raw.pop("components"), raw.pop("coefficients"), raw.pop("votes"))
        record = {k: raw[k] for k in ("model_ids", "settings", "computed_at", "took", "log_seq")}
        float(record["computed_at"]), float(record["took"]), int(record["log_seq"])
        return board, record
    except Exception as exc:  # any unreadable record is missing; never an error for a reader
        log.warning("a stored style board will not load (%r): refitting it", exc)
        return None


class _Throttled:
    """`want` at most once per WANT_EVERY_S per scope in this process (a request's cost: a dict lookup)."""

    def __init__(self):
        self._asked: dict[str, float] = {}

    def due(self, scope: str, now: float) -> bool:
        if now - self._asked.get(scope, float("-inf")) < WANT_EVERY_S:
            return False
        self._asked[scope] = now
        return True


class StyleBoards(Protocol):
    """The stored boards per scope, the scopes requests wanted, and a per-scope claim for the one computing (a
    token; release deletes the claim only while it is still that token's)."""

    recently_wanted: _Throttled

    def get(self, scope: str) -> str | None: ...
    def put(self, scope: str, text: str) -> None: ...
    def want(self, scope: str, now: float) -> None: ...
    def wanted(self, now: float) -> list[str]: ...
    def claim(self, scope: str, seconds: float) -> str | None: ...
    def release(self, scope: str, token: str) -> None: ...


class MemoryStyleBoards:
    """The in-process twin (embedded default: the worker runs in the web process)."""

    def __init__(self):
        self._boards: dict[str, str] = {}
        self._wanted: dict[str, float] = {}
        self._claimed: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self.recently_wanted = _Throttled()

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

    def claim(self, scope: str, seconds: float) -> str | None:
        with self._lock:
            held = self._claimed.get(scope)
            if held is not None and held[1] > time.monotonic():
                return None
            token = secrets.token_hex(8)
            self._claimed[scope] = (token, time.monotonic() + seconds)
            return token

    def release(self, scope: str, token: str) -> None:
        with self._lock:
            if self._claimed.get(scope, ("",))[0] == token:
                del self._claimed[scope]


# Delete the lock only while it holds our token: an expired claim taken over by another worker stays theirs.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class RedisStyleBoards:
    """Shared by every web and worker process."""

    PREFIX = f"arena:style-board:v{SCHEMA}:"

    def __init__(self, client):
        self.client = client
        self._release = client.register_script(_RELEASE)
        self.recently_wanted = _Throttled()

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

    def claim(self, scope: str, seconds: float) -> str | None:
        token = secrets.token_hex(8)
        taken = self.client.set(self.PREFIX + "lock:" + scope, token, nx=True, px=max(1, int(seconds * 1000)))
        return token if taken else None

    def release(self, scope: str, token: str) -> None:
        self._release(keys=[self.PREFIX + "lock:" + scope], args=[token])


def style_control(store: StyleBoards, round_id: str, category: str, models: list, settings: BoardSettings,
                  lang: str) -> dict:
    """The API's "style_control" block from the stored board; "pending" when there is none for this roster and
    protocol yet. The scope is marked wanted (at most once a minute per process), so the worker keeps it fresh.
    Reads only: never fits, no SQL."""
    from voting.leaderboard import board_rows, model_name

    scope = scope_of(round_id, category)
    try:
        text = store.get(scope)
    except Exception as exc:  # Redis down: the plain board is still served, this block says "pending"
        log.warning("style boards unavailable: %s", exc)
        text = None
    found = load_board(text)
    usable = found is not None and found[1]["model_ids"] == [m.id for m in models] and \
        found[1]["settings"] == settings_key(settings)
    now = time.time()
    if not usable or store.recently_wanted.due(scope, now):
        try:
            store.want(scope, now)
        except Exception as exc:
            log.warning("could not ask for the style board: %s", exc)
    if not usable:
        board = StyleBoard([], [], {f: None for f in FEATURES}, 0)
        warnings, computed_at = ["pending"], None
    else:
        board, record = found
        warnings, computed_at = board.warnings, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record["computed_at"]))
    return {"method": STYLE_METHOD, "votes": board.votes, "computed_at": computed_at,
            "params": describe(replace(settings, method=RATING_METHOD)),
            "coefficients": {f: None if c is None else {"estimate": round(c["estimate"], 4),
                                                        "ci": [round(c["ci"][0], 4), round(c["ci"][1], 4)]}
                             for f, c in board.coefficients.items()},
            "models": board_rows(board.rows, models, lang),
            "components": [[model_name(models[i]) for i in group] for group in board.components],
            "warnings": warnings}
