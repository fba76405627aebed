"""Rate-limit storage that answers from memory whenever Redis fails, in every thread, on every call.

Flask-Limiter's own fallback switches storage only in the thread that noticed the failure first; the
other threads' in-flight calls re-raise as 500s, and failures while writing headers or deducting after
the view are not covered at all. Failing over here, below Flask-Limiter, covers every path: any call
that Redis cannot answer (refused, reset, timed out, frozen) is answered by an in-memory twin, which
keeps counting. While failed over, one thread at a time probes Redis with growing pauses and switches
back when it answers. Used through the storage URI `failover+redis://...` (limits' scheme registry).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from limits.storage import MemoryStorage, MovingWindowSupport, Storage, storage_from_string

log = logging.getLogger("arena.limits")

PROBE_FIRST_S = 1.0
PROBE_MAX_S = 30.0


class FailoverStorage(Storage, MovingWindowSupport):
    """Redis first; memory while Redis fails (never an exception for a Redis failure)."""

    STORAGE_SCHEME = ["failover+redis", "failover+rediss"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.primary = storage_from_string(uri.split("+", 1)[1], **options)
        self.fallback = MemoryStorage()
        self._state = threading.Lock()  # guards the switch (held for microseconds)
        self._probing = threading.Lock()  # one prober at a time; the others keep using memory
        self._failed_since: float | None = None
        self._probe_wait = PROBE_FIRST_S
        self._next_probe = 0.0

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        return ()  # nothing escapes: a failed Redis call is answered from memory

    @property
    def failed_over(self) -> bool:
        """True while Redis is unreachable and limits are counted in memory."""
        return self._failed_since is not None

    def _run(self, op: str, *args: Any, **kwargs: Any) -> Any:
        if self._failed_since is None or self._redis_is_back():
            try:
                return getattr(self.primary, op)(*args, **kwargs)
            except Exception as exc:  # any Redis failure, whatever its class: count in memory instead
                self._fail_over(exc)
        return getattr(self.fallback, op)(*args, **kwargs)

    def _fail_over(self, exc: Exception) -> None:
        with self._state:
            if self._failed_since is not None:
                return
            self._failed_since = time.monotonic()
            self._probe_wait = PROBE_FIRST_S
            self._next_probe = self._failed_since + PROBE_FIRST_S
        log.warning("rate-limit storage unreachable; counting in memory (%s)", type(exc).__name__,
                    extra={"fields": {"event": "limiter_fallback"}})

    def _redis_is_back(self) -> bool:
        if time.monotonic() < self._next_probe or not self._probing.acquire(blocking=False):
            return False
        try:
            healthy = _safely(self.primary.check)
            with self._state:
                if healthy:
                    self._failed_since = None
                else:
                    self._probe_wait = min(self._probe_wait * 2, PROBE_MAX_S)
                    self._next_probe = time.monotonic() + self._probe_wait
        finally:
            self._probing.release()
        if healthy:
            log.info("rate-limit storage recovered", extra={"fields": {"event": "limiter_recovered"}})
        return healthy

    # limits' storage interface, each call routed through _run
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._run("incr", key, expiry, amount=amount)

    def get(self, key: str) -> int:
        return self._run("get", key)

    def get_expiry(self, key: str) -> float:
        return self._run("get_expiry", key)

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        return self._run("acquire_entry", key, limit, expiry, amount=amount)

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        return self._run("get_moving_window", key, limit, expiry)

    def clear(self, key: str) -> None:
        self.fallback.clear(key)
        self._run("clear", key)

    def reset(self) -> int | None:
        self.fallback.reset()
        return self._run("reset")

    def check(self) -> bool:
        return True  # always able to answer (from memory while Redis is down); /readyz checks Redis itself


def _safely(probe: Callable[[], bool]) -> bool:
    try:
        return bool(probe())
    except Exception:  # a probe that raises is a Redis still down
        return False
