"""The most votes ever served per board scope, shared by every process: the board never goes backwards.

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
return 1
"""


def _field(round_id: str, category: str) -> str:
    return f"{round_id}\x1f{category}"


class ServedMarks(Protocol):
    """High-water marks of the vote counts served per (round, category)."""

    def get(self, round_id: str, category: str) -> int: ...
    def raise_to(self, round_id: str, category: str, votes: int) -> None: ...


class MemoryServedMarks:
    """In-process twin (the embedded default runs one process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._marks: dict[str, int] = {}

    def get(self, round_id: str, category: str) -> int:
        with self._lock:
            return self._marks.get(_field(round_id, category), 0)

    def raise_to(self, round_id: str, category: str, votes: int) -> None:
        with self._lock:
            field = _field(round_id, category)
            self._marks[field] = max(self._marks.get(field, 0), votes)


class RedisServedMarks:
    """One Redis hash; raising is an atomic compare-and-set so concurrent processes never lower it."""

    def __init__(self, client: redis.Redis):
        self.client = client
        self._raise = client.register_script(RAISE_LUA)

    def get(self, round_id: str, category: str) -> int:
        return int(self.client.hget(KEY, _field(round_id, category)) or 0)

    def raise_to(self, round_id: str, category: str, votes: int) -> None:
        self._raise(keys=[KEY], args=[_field(round_id, category), votes])
