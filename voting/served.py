"""The most votes ever served per board scope, shared by every process: the board never goes backwards.

With the mark, the time of the last full read from SQL that set it (its cutoff): while the live
board catches up after such a read, every process serves SQL up to that cutoff, a fixed target,
instead of the newest SQL count, which under steady voting the live board would never reach.

Kept outside the live board's keys (a rebuild replaces those) so that a board served from SQL
while the live one caught up is remembered. Lost with Redis, which is harmless: the live board is
then lost as well and the SQL floor (votes the worker marked applied) keeps it from being served.
"""
from __future__ import annotations

import threading
from typing import Protocol

import redis

KEY = "arena:board:served"

RAISE_LUA = """
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > current then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
if ARGV[3] ~= '' then
  local cut = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. ':cutoff') or '0')
  if tonumber(ARGV[3]) > cut then redis.call('HSET', KEYS[1], ARGV[1] .. ':cutoff', ARGV[3]) end
end
return 1
"""


def _field(round_id: str, category: str) -> str:
    return f"{round_id}\x1f{category}"


class ServedMarks(Protocol):
    """High-water marks of the vote counts served per (round, category)."""

    def get(self, round_id: str, category: str) -> tuple[int, float | None]: ...
    def raise_to(self, round_id: str, category: str, votes: int, cutoff: float | None = None) -> None: ...


class MemoryServedMarks:
    """In-process twin (the embedded default runs one process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._marks: dict[str, int] = {}
        self._cutoffs: dict[str, float] = {}

    def get(self, round_id: str, category: str) -> tuple[int, float | None]:
        """(the most votes served, the cutoff of the last full SQL read or None)."""
        with self._lock:
            field = _field(round_id, category)
            return self._marks.get(field, 0), self._cutoffs.get(field)

    def raise_to(self, round_id: str, category: str, votes: int, cutoff: float | None = None) -> None:
        with self._lock:
            field = _field(round_id, category)
            self._marks[field] = max(self._marks.get(field, 0), votes)
            if cutoff is not None:
                self._cutoffs[field] = max(self._cutoffs.get(field, 0.0), cutoff)


class RedisServedMarks:
    """One Redis hash; raising is an atomic compare-and-set so concurrent processes never lower it."""

    def __init__(self, client: redis.Redis):
        self.client = client
        self._raise = client.register_script(RAISE_LUA)

    def get(self, round_id: str, category: str) -> tuple[int, float | None]:
        """(the most votes served, the cutoff of the last full SQL read or None)."""
        field = _field(round_id, category)
        votes, cutoff = self.client.hmget(KEY, [field, field + ":cutoff"])
        return int(votes or 0), float(cutoff) if cutoff else None

    def raise_to(self, round_id: str, category: str, votes: int, cutoff: float | None = None) -> None:
        self._raise(keys=[KEY], args=[_field(round_id, category), votes, "" if cutoff is None else repr(cutoff)])
