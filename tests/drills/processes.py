"""The drills' child processes: a generic service (own process group, log file) and a private redis-server.

Every start, stop and wait has a deadline; every process writes its log under tests/artifacts/drills/.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Callable

import redis as redis_lib


class DrillTimeout(AssertionError):
    """Something the drill waited for did not happen in time."""


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> float:
    """Poll `predicate` until true; the seconds it took, or DrillTimeout naming `what`."""
    start = time.monotonic()
    while True:
        try:
            if predicate():
                return time.monotonic() - start
        except DrillTimeout:  # a predicate that knows it will never be true
            raise
        except Exception:  # not up yet: connection refused, half-started process
            pass
        if time.monotonic() - start > timeout:
            raise DrillTimeout(f"{what}: not within {timeout:.0f}s")
        time.sleep(interval)


class Service:
    """A child process in its own process group, its output appended to a log file."""

    def __init__(self, name: str, argv: list[str], log_path: Path, env: dict[str, str] | None = None,
                 cwd: Path | None = None):
        self.name, self.argv, self.log_path, self.env, self.cwd = name, argv, log_path, env, cwd
        self.proc: subprocess.Popen | None = None
        self.spawned_at = 0.0

    @property
    def pid(self) -> int:
        assert self.proc is not None, f"{self.name} was never started"
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def spawn(self) -> None:
        """Start the process without waiting (see `wait_ready`)."""
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== {time.strftime('%H:%M:%S')} start {' '.join(self.argv)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                         cwd=self.cwd, start_new_session=True)
        self.spawned_at = time.monotonic()

    def wait_ready(self, ready: Callable[[], bool], timeout: float) -> float:
        """Wait until `ready` (stopping the process if it never is); seconds since it was spawned."""

        def up() -> bool:
            if not self.alive():
                raise DrillTimeout(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            return ready()

        try:
            wait_for(up, timeout, f"{self.name} ready (log: {self.log_path})")
        except DrillTimeout:
            self.stop()
            raise
        return time.monotonic() - self.spawned_at

    def start(self, ready: Callable[[], bool], timeout: float) -> float:
        """Start and wait until `ready`; the start-up time in seconds."""
        self.spawn()
        return self.wait_ready(ready, timeout)

    def send(self, sig: int) -> None:
        if self.alive():
            os.kill(self.pid, sig)

    def kill(self) -> None:
        """SIGKILL the process and reap it."""
        self.send(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
        """Ask politely, then SIGKILL the whole process group we created (children included)."""
        if self.proc is None:
            return
        self.send(signal.SIGCONT)  # a stopped process cannot handle SIGTERM
        self.send(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # our own group (start_new_session): leftover children
        except ProcessLookupError:
            pass
        if self.proc.poll() is None:
            self.proc.wait(timeout=10)


class RedisServer:
    """A private, non-persistent redis-server on a fixed port; restarts come back empty."""

    def __init__(self, port: int, log_path: Path):
        self.port, self.url = port, f"redis://127.0.0.1:{port}/0"
        self.service = Service("redis-server", ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                                "--save", "", "--appendonly", "no"], log_path)

    def client(self, timeout: float = 1.0) -> redis_lib.Redis:
        return redis_lib.Redis(host="127.0.0.1", port=self.port, socket_timeout=timeout,
                               socket_connect_timeout=timeout, decode_responses=True)

    def ping(self) -> bool:
        with self.client() as client:
            return bool(client.ping())

    def start(self) -> float:
        return self.service.start(self.ping, timeout=15)


EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Shutdown|Transaction)\b(?::.*)?$")


def logged_exceptions(log_path: Path, offset: int) -> Counter:
    """Exceptions a server logged after `offset` (bytes): the last exception of each JSON `exc` logged
    at ERROR, and each exception line of plain tracebacks, cut to 160 characters."""
    found: Counter = Counter()
    with open(log_path, "rb") as log:
        log.seek(offset)
        text = log.read().decode("utf-8", "replace")
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            named = [x for x in str(entry.get("exc", "")).splitlines() if EXCEPTION_LINE.match(x)]
            if entry.get("level") == "ERROR" and named:
                found[named[-1][:160]] += 1
        elif EXCEPTION_LINE.match(line):
            found[line[:160]] += 1
    return found
