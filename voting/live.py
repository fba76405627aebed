"""The live board: pair counts and online Elo per round and scope, in Redis or in process.

A scope is a category or ALL, either of them narrowed to one prompt language ("coding@en", "all@ko":
`scope_key`); one vote counts in its category, in ALL and, when its prompt language is known, in both
narrowed to that language. Applying a vote is atomic and idempotent by vote id (an applied-set checked
in the same Lua script that updates every scope's counts). A rebuild from SQL holds a lock that makes
applies answer BUSY, so no vote can slip between the SQL snapshot and the rewrite.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Protocol

import redis

from voting.rating import OUTCOME_OF_WINNER, RatingParams, elo_update

ALL = "all"
BUSY, DUPLICATE, APPLIED, NOT_COUNTED = -1, 0, 1, 2
# v2: the prompt-language scopes. A board written before them lacks those scopes' older votes; under the
# new prefix it reads as empty, so the worker's audit rebuilds it from SQL (and `load` clears the old keys).
ROOT = "arena:live:"
PREFIX = ROOT + "v2:"
Cells = dict[tuple[int, int, int], int]


def scope_key(category: str, prompt_lang: str | None = None) -> str:
    """The live board's name of a scope: a category (or ALL), narrowed to one prompt language when given."""
    return f"{category}@{prompt_lang}" if prompt_lang else category


def vote_scopes(category: str, prompt_lang: str | None) -> tuple[str, ...]:
    """Every scope one counted vote adds to."""
    if not prompt_lang:
        return category, ALL
    return category, ALL, scope_key(category, prompt_lang), scope_key(ALL, prompt_lang)


@dataclass
class BoardState:
    """Everything on the live board: what a rebuild from SQL produces."""

    cells: dict[tuple[str, str], Cells] = field(default_factory=lambda: defaultdict(dict))
    elo: dict[tuple[str, str], dict[int, float]] = field(default_factory=lambda: defaultdict(dict))
    applied: set[str] = field(default_factory=set)

    def apply(self, event: dict[str, str], params: RatingParams) -> int:
        """Apply one vote event (idempotent by vote id)."""
        if event["vote_id"] in self.applied:
            return DUPLICATE
        self.applied.add(event["vote_id"])
        if event.get("counted") != "1":
            return NOT_COUNTED
        a, b, o = int(event["a"]), int(event["b"]), int(event["outcome"])
        for name in vote_scopes(event["category"], event.get("prompt_lang")):
            scope = (event["round_id"], name)
            cells = self.cells[scope]
            cells[(a, b, o)] = cells.get((a, b, o), 0) + 1
            elo = self.elo[scope]
            elo[a], elo[b] = elo_update(elo.get(a, params.initial), elo.get(b, params.initial), o, params)
        return APPLIED

    def replay(self, rows: Iterable[tuple], params: RatingParams) -> None:
        """Apply stored votes (id, round, category, a, b, winner, excluded, prompt_lang) in order; same
        result as `apply` one by one, written as one tight loop because a rebuild replays every vote."""
        applied, all_cells, all_elo = self.applied, self.cells, self.elo
        initial = params.initial
        for vote_id, round_id, category, a, b, winner, excluded, prompt_lang in rows:
            if vote_id in applied:
                continue
            applied.add(vote_id)
            if excluded:
                continue
            o = OUTCOME_OF_WINNER[winner]
            for name in vote_scopes(category, prompt_lang):
                scope = (round_id, name)
                cells = all_cells[scope]
                cells[(a, b, o)] = cells.get((a, b, o), 0) + 1
                elo = all_elo[scope]
                elo[a], elo[b] = elo_update(elo.get(a, initial), elo.get(b, initial), o, params)


class LiveBoard(Protocol):
    """What the worker and the leaderboard need from the live board."""

    def apply(self, event: dict[str, str], params: RatingParams) -> int: ...
    def cells(self, round_id: str, category: str) -> Cells: ...
    def elo(self, round_id: str, category: str) -> dict[int, float]: ...
    def applied_count(self) -> int: ...
    def has_applied(self, vote_ids: list[str]) -> bool: ...
    def rebuilding(self) -> bool: ...
    def begin_rebuild(self, ttl_ms: int) -> bool: ...
    def load(self, state: BoardState) -> None: ...
    def end_rebuild(self) -> None: ...


class MemoryLiveBoard:
    """In-process twin for the embedded default."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = BoardState()
        self._rebuild_until = 0.0

    def apply(self, event: dict[str, str], params: RatingParams) -> int:
        with self._lock:
            return BUSY if self.rebuilding() else self._state.apply(event, params)

    def cells(self, round_id: str, category: str) -> Cells:
        with self._lock:
            return dict(self._state.cells.get((round_id, category), {}))

    def elo(self, round_id: str, category: str) -> dict[int, float]:
        with self._lock:
            return dict(self._state.elo.get((round_id, category), {}))

    def applied_count(self) -> int:
        with self._lock:
            return len(self._state.applied)

    def has_applied(self, vote_ids: list[str]) -> bool:
        with self._lock:
            return all(v in self._state.applied for v in vote_ids)

    def rebuilding(self) -> bool:
        return time.monotonic() < self._rebuild_until

    def begin_rebuild(self, ttl_ms: int) -> bool:
        with self._lock:
            if self.rebuilding():
                return False
            self._rebuild_until = time.monotonic() + ttl_ms / 1000
            return True

    def load(self, state: BoardState) -> None:
        with self._lock:
            self._state = state

    def end_rebuild(self) -> None:
        self._rebuild_until = 0.0


# KEYS: the rebuild lock, the applied set, then the n scopes' cells keys and their n elo keys.
APPLY_LUA = """
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
if ARGV[2] ~= '1' then return 2 end
local a, b, o = ARGV[3], ARGV[4], tonumber(ARGV[5])
local k, scale, base, initial = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local score = 0.5
if o == 0 then score = 1 elseif o == 1 then score = 0 end
local n = (#KEYS - 2) / 2
for i = 3, 2 + n do
  redis.call('HINCRBY', KEYS[i], a .. ':' .. b .. ':' .. o, 1)
  local ra = tonumber(redis.call('HGET', KEYS[i + n], a) or initial)
  local rb = tonumber(redis.call('HGET', KEYS[i + n], b) or initial)
  local delta = k * (score - 1 / (1 + base ^ ((rb - ra) / scale)))
  redis.call('HSET', KEYS[i + n], a, string.format('%.17g', ra + delta), b, string.format('%.17g', rb - delta))
end
return 1
"""


def _cells_key(round_id: str, category: str) -> str:
    return f"{PREFIX}cells:{round_id}:{category}"


def _elo_key(round_id: str, category: str) -> str:
    return f"{PREFIX}elo:{round_id}:{category}"


class RedisLiveBoard:
    """The live board in Redis (shared by every web process and worker)."""

    LOCK, APPLIED = PREFIX + "rebuild-lock", PREFIX + "applied"

    def __init__(self, client: redis.Redis):
        self.client = client
        self._apply = client.register_script(APPLY_LUA)

    def apply(self, event: dict[str, str], params: RatingParams) -> int:
        r, scopes = event["round_id"], vote_scopes(event["category"], event.get("prompt_lang"))
        keys = [self.LOCK, self.APPLIED, *(_cells_key(r, s) for s in scopes), *(_elo_key(r, s) for s in scopes)]
        args = [event["vote_id"], event.get("counted", "1"), event["a"], event["b"], event["outcome"],
                params.k, params.scale, params.base, params.initial]
        return int(self._apply(keys=keys, args=args))

    def cells(self, round_id: str, category: str) -> Cells:
        raw = self.client.hgetall(_cells_key(round_id, category))
        return {tuple(int(x) for x in f.split(":")): int(n) for f, n in raw.items()}  # type: ignore[misc]

    def elo(self, round_id: str, category: str) -> dict[int, float]:
        return {int(m): float(v) for m, v in self.client.hgetall(_elo_key(round_id, category)).items()}

    def applied_count(self) -> int:
        return int(self.client.scard(self.APPLIED))

    def has_applied(self, vote_ids: list[str]) -> bool:
        """Whether every one of these votes is in the applied set (one SMISMEMBER)."""
        return not vote_ids or all(self.client.smismember(self.APPLIED, vote_ids))

    def rebuilding(self) -> bool:
        return bool(self.client.exists(self.LOCK))

    def begin_rebuild(self, ttl_ms: int) -> bool:
        return bool(self.client.set(self.LOCK, "1", nx=True, px=ttl_ms))

    def load(self, state: BoardState, chunk: int = 10_000) -> None:
        # ROOT, not PREFIX: the keys of a board written before the current layout go too.
        old = [k for k in self.client.scan_iter(match=ROOT + "*", count=1000) if k != self.LOCK]
        pipe = self.client.pipeline(transaction=False)
        if old:
            pipe.delete(*old)
        for (r, c), cells in state.cells.items():
            if cells:
                pipe.hset(_cells_key(r, c), mapping={f"{a}:{b}:{o}": n for (a, b, o), n in cells.items()})
        for (r, c), elo in state.elo.items():
            if elo:
                pipe.hset(_elo_key(r, c), mapping={str(m): repr(v) for m, v in elo.items()})
        ids = list(state.applied)
        for i in range(0, len(ids), chunk):
            pipe.sadd(self.APPLIED, *ids[i:i + chunk])
        pipe.execute()

    def end_rebuild(self) -> None:
        self.client.delete(self.LOCK)
