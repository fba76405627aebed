"""A private PostgreSQL cluster for the drills: initdb in a temp dir, then stopped, started, made read-only.

Every command has a timeout. PostgreSQL refuses to run as root, so as root its tools run as the
`postgres` OS user (runuser).
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from glob import glob
from pathlib import Path

import psycopg


def postgres_bin(tool: str) -> str | None:
    """The newest installed PostgreSQL server tool (initdb, pg_ctl), or None."""
    found = sorted(glob(f"/usr/lib/postgresql/*/bin/{tool}"), key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else (shutil.which(tool))


class PostgresCluster:
    """A throw-away PostgreSQL cluster that drills may stop or make read-only."""

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
