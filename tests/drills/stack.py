"""The production shape the drills run: private PostgreSQL and redis-server, gunicorn 2x4 gthread, the rating worker.

Ports: TEST_DRILL_PORT (default 6481) is Redis, +1 PostgreSQL, +2 gunicorn (+3 a second one); under xdist each
worker moves them up by 4 (tests.workers).
"""
from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path

import requests
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.cli import upgrade_db
from app.db import utcnow
from contest.demo import seed_demo
from tests.drills.postgres import PostgresCluster
from tests.drills.processes import RedisServer, Service, wait_for
from tests.workers import drill_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "drills"
PYTHON = sys.executable
# The one place that says how the rating worker is started (a leaner entry point may replace it).
WORKER_COMMAND = [PYTHON, "-m", "voting.worker_main"]  # the lean entry point production runs
# No control socket: its default path is one per machine, shared with any other gunicorn running here.
GUNICORN_COMMAND = [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--no-control-socket", "wsgi:app"]
WEB_WORKERS, WEB_THREADS = 2, 4
GENEROUS = "100000 per minute"
LIMITS = {name: GENEROUS for name in ("VOTE_ACCOUNT", "VOTE_ADDRESS", "VOTE_GLOBAL", "BATTLE_ACCOUNT",
                                      "BATTLE_ADDRESS", "BATTLE_GLOBAL")}
LIMITS["VOTE_DAILY_CAP"] = "100000 per day"


def drill_ports() -> tuple[int, int, int]:
    """(redis, postgres, web) ports: the xdist worker's first drill port and the next two (tests.workers;
    serially TEST_DRILL_PORT, default 6481). The one after them is the scale-out drill's second gunicorn."""
    base = drill_port()
    return base, base + 1, base + 2


def ensure_free(port: int) -> None:
    """Fail clearly when a drill port is taken (a leftover stack, or someone else's server)."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is in use on 127.0.0.1; set TEST_DRILL_PORT to a free range of 4 ports")


def children_of(pid: int) -> list[int]:
    """Live child pids of `pid` (read from /proc: no extra dependency)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "(comm)": state, ppid, ...
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return sorted(found)


class Stack:
    """Everything a drill needs, started in order and torn down whatever state it is in."""

    def __init__(self, log_dir: Path = ARTIFACTS):
        log_dir.mkdir(parents=True, exist_ok=True)
        for old in log_dir.glob("*.log"):
            old.unlink()  # logs of this launch only
        self.log_dir = log_dir
        redis_port, pg_port, web_port = drill_ports()
        self.redis = RedisServer(redis_port, log_dir / "redis.log")
        self.postgres = PostgresCluster(pg_port, log_dir / "postgres.log")
        self.base_url = f"http://127.0.0.1:{web_port}"
        self.metrics_dir = self.postgres.dir / "prometheus"  # the cluster's temp dir is removed with it
        self.env = self._app_env(web_port)
        self.web = Service("gunicorn", GUNICORN_COMMAND, log_dir / "gunicorn.log", self.env, ROOT)
        self.worker = Service("rating worker", WORKER_COMMAND, log_dir / "worker.log", self.env, ROOT)
        self.timings: dict[str, float] = {}
        self.citizens: list = []  # logged-in users for the load (tests.drills.load.make_citizens)
        self.truth = None  # what SQL says (tests.drills.truth.Truth)

    def _app_env(self, web_port: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ARENA_", "GUNICORN_", "PROMETHEUS_"))}
        env.update({"ARENA_ENV": "testing", "ARENA_SECRET_KEY": "drill-secret-" + "x" * 40,
                    "ARENA_DATABASE_URL": self.postgres.app_url, "ARENA_REDIS_URL": self.redis.url,
                    "GUNICORN_WORKERS": str(WEB_WORKERS), "GUNICORN_THREADS": str(WEB_THREADS),
                    "GUNICORN_BIND": self.base_url.removeprefix("http://"),
                    "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir), "PYTHONUNBUFFERED": "1"})
        env.update({f"ARENA_LIMIT_{name}": value for name, value in LIMITS.items()})
        return env

    # ------------------------------------------------------------ launch and teardown
    def launch(self) -> None:
        """Cluster, schema, Redis, demo data, gunicorn and the worker; timings kept in `self.timings`."""
        for port in drill_ports():
            ensure_free(port)
        began = time.monotonic()
        self.postgres.init()
        upgrade_db(self.postgres.app_url)
        self.timings["postgres"] = time.monotonic() - began
        self.timings["redis"] = self.redis.start()
        self.metrics_dir.mkdir()
        self.web.spawn()  # gunicorn and the worker import the app while the demo contest is seeded
        self.worker.spawn()
        began = time.monotonic()
        self.seed_demo()
        self.timings["seed"] = time.monotonic() - began
        self.timings["gunicorn"] = self.web.wait_ready(self._web_ready, timeout=90)
        self.warm_up()
        self.timings["worker"] = self.worker.wait_ready(self.worker_consuming, timeout=90)

    def seed_demo(self) -> None:
        """The demo contest, as `flask --app wsgi seed-demo` seeds it (same function, no second app import)."""
        engine = create_engine(self.postgres.app_url)
        try:
            with Session(engine) as session:
                seed_demo(session, utcnow())
                session.commit()
        finally:
            engine.dispose()

    def close(self) -> None:
        """Stop everything; never raises, so a failed drill still leaves nothing behind."""
        for step in (self.worker.stop, lambda: self.web.stop(signal.SIGINT),
                     lambda: self.redis.service.stop(), self.postgres.destroy):
            try:
                step()
            except Exception as exc:  # keep tearing down the rest
                print(f"drill stack teardown: {exc!r}", file=sys.stderr)

    # ------------------------------------------------------------ the web tier
    def web_workers(self) -> list[int]:
        return children_of(self.web.pid) if self.web.alive() else []

    def kill_web_worker(self, pid: int) -> None:
        """SIGKILL one of the arbiter's workers (ours: checked against its children)."""
        assert pid in self.web_workers(), f"{pid} is not a worker of our gunicorn"
        os.kill(pid, signal.SIGKILL)

    def _web_ready(self, gone: int | None = None) -> bool:
        workers = self.web_workers()
        return (len(workers) == WEB_WORKERS and gone not in workers
                and requests.get(self.base_url + "/healthz", timeout=2).status_code == 200)

    def start_web(self) -> float:
        took = self.web.start(self._web_ready, timeout=90)
        self.warm_up()
        return took

    def warm_up(self) -> None:
        """A few requests, so the first drill does not pay for the workers' first requests."""
        with requests.Session() as http:
            for _ in range(4 * WEB_WORKERS):
                http.get(self.base_url + "/healthz", timeout=10)

    def wait_web_workers(self, gone: int | None = None, timeout: float = 60) -> float:
        """Until the arbiter has its full set of workers again (without `gone`) and they answer."""
        return wait_for(lambda: self._web_ready(gone), timeout, f"gunicorn back to {WEB_WORKERS} workers")

    # ------------------------------------------------------------ the rating worker
    def worker_consuming(self) -> bool:
        """A rating worker reads the stream: some Redis client's last command is a group read.

        (Only the worker reads; web processes only append. Any entry point or consumer name will do.)
        """
        with self.redis.client() as client:
            return any(c.get("cmd") in ("xreadgroup", "xautoclaim") for c in client.client_list())

    def start_worker(self) -> float:
        return self.worker.start(self.worker_consuming, timeout=90)

    # ------------------------------------------------------------ back to healthy
    def restore(self) -> None:
        """Undo any drill: Redis running and awake, PostgreSQL up and writable, worker and web running."""
        self.redis.service.send(signal.SIGCONT)
        self.worker.send(signal.SIGCONT)
        if not self.redis.service.alive():
            self.redis.start()
        if not self.postgres.running():
            self.postgres.start()
        if self.postgres.read_only():
            self.postgres.set_read_only(False)
        if not self.worker.alive():
            self.start_worker()
        if not self.web.alive():
            self.start_web()
        self.wait_web_workers()

    def healthy(self) -> bool:
        """Everything up, awake and writable, as `restore` leaves it."""
        try:
            return (self.redis.ping() and not self.postgres.read_only() and self.worker.alive()
                    and self._web_ready())
        except Exception:  # whatever is down is restored by `restore`
            return False
