"""A private redis-server for tests that kill, freeze or restart Redis (never the machine's shared one)."""
from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
import redis as redis_lib


class PrivateRedis:
    """A redis-server of our own (never the machine's shared one), started and killed by the test."""

    def __init__(self, port: int, directory=None):
        if not shutil.which("redis-server"):
            pytest.skip("redis-server not installed")
        self.port, self.url, self.directory = port, f"redis://127.0.0.1:{port}/0", directory
        self.start()

    def start(self) -> None:
        """Start (or, after `stop`, restart empty) on the same port."""
        port = self.port
        where = ("--dir", str(self.directory)) if self.directory else ()  # where a test's SAVE writes
        self.proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", *where], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        client = redis_lib.Redis(port=port, socket_connect_timeout=0.2)
        try:
            for _ in range(100):
                if self.proc.poll() is not None:  # it exited: the port is taken
                    break
                try:
                    if client.info("server")["process_id"] == self.proc.pid:  # ours, not someone else's
                        return
                except redis_lib.RedisError:
                    pass
                time.sleep(0.05)
        finally:
            client.close()
        self.stop()
        reason = f"private redis-server did not start on port {port} (in use? set TEST_PRIVATE_REDIS_PORT)"
        pytest.fail(reason) if os.environ.get("CI", "").lower() == "true" else pytest.skip(reason)

    def stop(self) -> None:
        """SIGKILL (also works on a frozen server) and reap."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
