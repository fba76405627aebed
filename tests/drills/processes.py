"""The drills' child processes: a generic service, a private redis-server and a private PostgreSQL cluster.

Every start, stop and wait has a deadline; every process writes its log under tests/artifacts/drills/.
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from glob import glob
from pathlib import Path
from typing import Callable

import psycopg
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


def postgres_bin(tool: str) -> str | None:
    """The newest installed PostgreSQL server tool (initdb, pg_ctl), or None."""
    found = sorted(glob(f"/usr/lib/postgresql/*/bin/{tool}"), key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else (shutil.which(tool))


class PostgresCluster:
    """A throw-away PostgreSQL cluster (initdb in a temp dir) that drills may stop or make read-only.

    PostgreSQL refuses to run as root, so as root its tools run as the `postgres` OS user.
    """

    def __init__(self, port: int, log_path: Path, dbname: str = "arena"):
        self.port, self.log_path, self.dbname = port, log_path, dbname
        self.dir = Path(tempfile.mkdtemp(prefix="arena-drill-pg-"))
        self.data = self.dir / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            log_path.touch()
            os.chown(log_path, owner.pw_uid, owner.pw_gid)

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def app_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{self.dbname}"

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        cmd = self.as_user + [postgres_bin(tool) or tool, *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr or done.stdout}")

    def init(self) -> None:
        """initdb, start, create the application database."""
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self.start()
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{self.dbname}"')

    def start(self) -> float:
        began = time.monotonic()
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-o", options, "-w", "-t", "30", "start")
        return time.monotonic() - began

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5)

    def set_read_only(self, read_only: bool) -> None:
        """As after a failover to a standby (or back): new transactions read-only, every pool reconnects."""
        with self.admin() as conn:
            conn.execute("SET default_transaction_read_only = off")  # this session still changes settings
            if read_only:
                conn.execute("ALTER SYSTEM SET default_transaction_read_only = on")
            else:
                conn.execute("ALTER SYSTEM RESET default_transaction_read_only")
            conn.execute("SELECT pg_reload_conf()")
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'")

    def read_only(self) -> bool:
        with psycopg.connect(self.admin_url, connect_timeout=5) as conn:
            return conn.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"

    def destroy(self) -> None:
        """Stop at once (whatever state it is in) and remove the cluster."""
        if self.running():
            try:
                self.stop("immediate")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
