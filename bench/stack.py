"""The production-style stack the HTTP bench measures: a scratch PostgreSQL database, a private
redis-server, gunicorn (gthread, 2 workers x 4 threads, the production gunicorn.conf.py), the rating
worker as its own process, and the local OIDC provider the citizens log in through.

Ports: BENCH_REDIS_PORT (default 6656) for the private redis-server; gunicorn on a free port.
Logs of the servers go to tests/artifacts/bench/ (gitignored).
"""
from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests

from app.local_idp import start_local_provider
from bench.scratch import private_redis, scratch_database

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / "tests" / "artifacts" / "bench"
WORKERS, THREADS = 2, 4
GENEROUS = "10000000 per minute"
# The bench measures the cost of a request, not the limits: every limit is counted, none refuses.
LIMITS = {f"ARENA_LIMIT_{name}": GENEROUS for name in (
    "VOTE_ACCOUNT", "VOTE_ADDRESS", "VOTE_GLOBAL", "BATTLE_ACCOUNT", "BATTLE_ADDRESS", "BATTLE_GLOBAL",
    "LOGIN_ADDRESS", "LOGIN_GLOBAL")}
LIMITS["ARENA_LIMIT_VOTE_DAILY_CAP"] = "100000 per day"
# The demo pool has 40 prompts; a citizen sees each once, so the bench copies it this many times.
PROMPT_COPIES = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    base_url: str
    db_conninfo: str
    redis_url: str
    web: subprocess.Popen
    worker: subprocess.Popen

    def web_pids(self) -> list[int]:
        """The gunicorn workers (children of the arbiter)."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.web.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]


def seed(url: str, conninfo: str) -> None:
    """The demo contest as `seed-demo` makes it, then its prompt pool and bank copied PROMPT_COPIES times
    (with COPY-speed SQL) so 50 citizens can vote for minutes without running out of unseen prompts."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from app.db import utcnow
    from contest.demo import seed_demo

    engine = create_engine(url)
    try:
        with Session(engine) as session:
            seed_demo(session, utcnow())
            session.commit()
    finally:
        engine.dispose()
    with psycopg.connect(conninfo) as conn:
        conn.execute("INSERT INTO prompts (id, language, category, text, active, created_at) "
                     "SELECT p.id || '-c' || g, p.language, p.category, p.text || ' (' || g || ')', true, p.created_at "
                     "FROM prompts p, generate_series(1, %s) g", (PROMPT_COPIES,))
        conn.execute("INSERT INTO bank_answers (prompt_id, model_id, sample, text, is_demo, imported_at) "
                     "SELECT b.prompt_id || '-c' || g, b.model_id, b.sample, b.text, b.is_demo, b.imported_at "
                     "FROM bank_answers b, generate_series(1, %s) g", (PROMPT_COPIES,))
        conn.execute("ANALYZE")


def wait_http(url: str, proc: subprocess.Popen, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}; see {LOGS}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer {url} within {timeout:.0f} s")


def wait_worker(redis_url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until the rating worker reads the stream (its connection's last command is a group read)."""
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"rating worker exited with {proc.returncode}; see {LOGS}")
            if any(c.get("cmd") in ("xreadgroup", "xautoclaim") for c in client.client_list()):
                return
            time.sleep(0.1)
    finally:
        client.close()
    raise RuntimeError("the rating worker did not start reading the stream")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def app_env(url: str, redis_url: str, bind: str, provider: dict, metrics_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARENA_", "GUNICORN_", "PROMETHEUS_"))}
    env.update({"ARENA_ENV": "testing", "ARENA_SECRET_KEY": uuid.uuid4().hex * 2, "ARENA_DATABASE_URL": url,
                "ARENA_REDIS_URL": redis_url, "ARENA_COOKIE_SECURE": "false", "ARENA_LOG_LEVEL": "WARNING",
                "ARENA_OIDC_PROVIDERS": json.dumps([provider]), "GUNICORN_WORKERS": str(WORKERS),
                "GUNICORN_THREADS": str(THREADS), "GUNICORN_BIND": bind, "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
                "PYTHONUNBUFFERED": "1", **LIMITS})
    return env


@contextmanager
def production_stack(redis_port: int | None = None):
    """Yield a running `Stack`; everything is stopped and the database dropped afterwards."""
    redis_port = redis_port or int(os.environ.get("BENCH_REDIS_PORT", "6656"))
    LOGS.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        url, conninfo = stack.enter_context(scratch_database())
        redis_url = stack.enter_context(private_redis(redis_port))
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the provider's access log
        provider = start_local_provider()
        stack.callback(provider.stop)
        seed(url, conninfo)
        metrics_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="arena-bench-prom-"))
        port = free_port()
        env = app_env(url, redis_url, f"127.0.0.1:{port}", provider.provider_config("local"), metrics_dir)
        web_log = stack.enter_context(open(LOGS / "gunicorn.log", "wb"))
        worker_log = stack.enter_context(open(LOGS / "worker.log", "wb"))
        web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                                "--no-control-socket", "bench.wsgi_app:app"], env=env, cwd=ROOT,
                               stdout=web_log, stderr=subprocess.STDOUT)
        stack.callback(stop, web)
        worker = subprocess.Popen([sys.executable, "-m", "voting.worker_main"], env=env, cwd=ROOT,
                                  stdout=worker_log, stderr=subprocess.STDOUT)
        stack.callback(stop, worker)
        base_url = f"http://127.0.0.1:{port}"
        wait_http(base_url + "/healthz", web, "gunicorn")
        wait_worker(redis_url, worker)
        yield Stack(base_url, conninfo, redis_url, web, worker)
