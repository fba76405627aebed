"""The vote stream: one interface, a Redis Streams implementation and an in-process twin.

Entries are string dicts (`voting.service.vote_event`). A consumer group gives each entry to one
worker; entries stay pending until acknowledged and can be reclaimed from a dead worker.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Protocol

import redis

STREAM_KEY = "arena:votes"
GROUP = "raters"
MAX_LEN = 200_000  # approximate trim; anything trimmed before it was applied is republished from the outbox

Entry = tuple[str, dict[str, str]]


class StreamLost(Exception):
    """The stream or its consumer group is gone (Redis restarted empty or was flushed)."""


class VoteStream(Protocol):
    """What the vote path, the relay and the rating worker need from a stream."""

    def publish(self, event: dict[str, str]) -> str: ...
    def ensure_group(self) -> bool: ...
    def read(self, consumer: str, count: int, block_ms: int) -> list[Entry]: ...
    def claim_stale(self, consumer: str, min_idle_ms: int, count: int) -> list[Entry]: ...
    def ack(self, entry_ids: list[str]) -> None: ...


class RedisVoteStream:
    """Redis Streams: XADD, XREADGROUP, XAUTOCLAIM, XACK."""

    def __init__(self, client: redis.Redis, key: str = STREAM_KEY, group: str = GROUP):
        self.client, self.key, self.group = client, key, group

    def publish(self, event: dict[str, str]) -> str:
        """Append an event (XADD)."""
        return self.client.xadd(self.key, event, maxlen=MAX_LEN, approximate=True)

    def ensure_group(self) -> bool:
        """Create the group (reading from the start) if missing; True when it had to be created."""
        try:
            self.client.xgroup_create(self.key, self.group, id="0", mkstream=True)
            return True
        except redis.ResponseError as exc:
            if "BUSYGROUP" in str(exc):
                return False
            raise

    def read(self, consumer: str, count: int, block_ms: int) -> list[Entry]:
        """New entries for this consumer (they become pending until acknowledged)."""
        try:
            reply = self.client.xreadgroup(self.group, consumer, {self.key: ">"}, count=count,
                                           block=self._block_ms(block_ms))
        except redis.ResponseError as exc:
            if "NOGROUP" in str(exc):
                raise StreamLost(str(exc)) from exc
            raise
        return [(eid, fields) for _key, entries in (reply or []) for eid, fields in entries if fields]

    def _block_ms(self, block_ms: int) -> int | None:
        """How long XREADGROUP may block: well inside the client's socket timeout (None: not at all).

        A block as long as the socket timeout makes every idle read a TimeoutError (and an entry
        delivered as the timeout fires sits pending until reclaimed), so it is capped at half of it.
        """
        if not block_ms:
            return None  # block=0 would mean "forever" to Redis
        timeout = self.client.connection_pool.connection_kwargs.get("socket_timeout")
        return block_ms if timeout is None else max(1, min(block_ms, int(timeout * 500)))

    def claim_stale(self, consumer: str, min_idle_ms: int, count: int) -> list[Entry]:
        """Take over entries another consumer read but did not acknowledge within `min_idle_ms`."""
        try:
            reply = self.client.xautoclaim(self.key, self.group, consumer, min_idle_ms, "0-0", count=count)
        except redis.ResponseError as exc:
            if "NOGROUP" in str(exc):
                raise StreamLost(str(exc)) from exc
            raise
        return [(eid, fields) for eid, fields in reply[1] if fields]

    def ack(self, entry_ids: list[str]) -> None:
        """Acknowledge applied entries."""
        if entry_ids:
            self.client.xack(self.key, self.group, *entry_ids)


class MemoryVoteStream:
    """In-process twin for the embedded default: same semantics, lost with the process."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._undelivered: deque[Entry] = deque()
        self._pending: dict[str, tuple[float, dict[str, str]]] = {}  # entry id -> (delivered at, fields)
        self._group = False
        self._seq = 0

    def publish(self, event: dict[str, str]) -> str:
        with self._cond:
            self._seq += 1
            eid = f"{self._seq}-0"
            self._undelivered.append((eid, dict(event)))
            self._cond.notify_all()
            return eid

    def ensure_group(self) -> bool:
        with self._cond:
            created, self._group = not self._group, True
            return created

    def read(self, consumer: str, count: int, block_ms: int) -> list[Entry]:
        with self._cond:
            if not self._group:
                raise StreamLost("no group")
            if not self._undelivered and block_ms:
                self._cond.wait(block_ms / 1000)
            batch = [self._undelivered.popleft() for _ in range(min(count, len(self._undelivered)))]
            now = time.monotonic()
            for eid, fields in batch:
                self._pending[eid] = (now, fields)
            return batch

    def claim_stale(self, consumer: str, min_idle_ms: int, count: int) -> list[Entry]:
        with self._cond:
            now = time.monotonic()
            stale = [eid for eid, (at, _) in self._pending.items() if (now - at) * 1000 >= min_idle_ms][:count]
            claimed = []
            for eid in stale:
                fields = self._pending[eid][1]
                self._pending[eid] = (now, fields)
                claimed.append((eid, fields))
            return claimed

    def ack(self, entry_ids: list[str]) -> None:
        with self._cond:
            for eid in entry_ids:
                self._pending.pop(eid, None)
