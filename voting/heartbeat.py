"""Rating-worker heartbeats: each consumer records when its loop last ran, shared by every process.

A sorted set (consumer -> unix time) in Redis, an in-process twin for the embedded default. Kept
outside the live board's keys (a rebuild replaces those). Consumers silent for a day are dropped.
"""
from __future__ import annotations

import threading
from typing import Protocol

import redis

KEY = "arena:worker:heartbeats"
FORGET_AFTER_S = 86_400


class Heartbeats(Protocol):
    """Where workers say they are alive and health checks read it."""

    def beat(self, consumer: str, now: float) -> None: ...
    def latest(self) -> dict[str, float]: ...


class MemoryHeartbeats:
    """In-process twin."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._beats: dict[str, float] = {}

    def beat(self, consumer: str, now: float) -> None:
        with self._lock:
            self._beats[consumer] = now
            self._beats = {c: t for c, t in self._beats.items() if t >= now - FORGET_AFTER_S}

    def latest(self) -> dict[str, float]:
        with self._lock:
            return dict(self._beats)


class RedisHeartbeats:
    """ZADD per beat; forgetting old consumers rides in the same round trip."""

    def __init__(self, client: redis.Redis):
        self.client = client

    def beat(self, consumer: str, now: float) -> None:
        pipe = self.client.pipeline(transaction=False)
        pipe.zadd(KEY, {consumer: now})
        pipe.zremrangebyscore(KEY, "-inf", now - FORGET_AFTER_S)
        pipe.execute()

    def latest(self) -> dict[str, float]:
        return {c: float(t) for c, t in self.client.zrange(KEY, 0, -1, withscores=True)}
