"""(c) Votes per second through the full vote request under gunicorn (gthread) vs a no-op endpoint of the same app."""
from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta

from bench.scratch import copy_battles, private_redis, scratch_database, seed_contest

USERS, DURATION_S = 8, 8.0  # one client process per user
BATTLES_PER_USER = 4000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def login_tokens(url: str, users: list[int]) -> list[str]:
    """Real server-side sessions for the bench users (what a login creates)."""
    from app.db import new_session, utcnow
    from app.sessions import open_user_session
    from tests.builders import make_test_app

    app = make_test_app(url)
    with app.app_context(), new_session() as session:
        tokens = [open_user_session(session, uid, utcnow(), timedelta(days=1)) for uid in users]
        session.commit()
    app.extensions["db_engine"].dispose()
    return tokens


def client_loop(port: int, token: str, battles: list[str], kind: str, until: float, out) -> None:
    """One keep-alive connection voting (or calling the no-op) as fast as it can until `until`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    cookie = {"Cookie": f"arena_session={token}"}
    conn.request("GET", "/api/me", headers=cookie)
    me = conn.getresponse()
    csrf = json.loads(me.read())["csrf_token"]
    headers = {**cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json"}
    done = errors = 0
    while time.monotonic() < until and done < len(battles):
        path = f"/api/battles/{battles[done]}/vote" if kind == "vote" else "/bench/noop"
        conn.request("POST", path, body=b'{"winner": "a"}', headers=headers)
        resp = conn.getresponse()
        resp.read()
        done += 1
        errors += resp.status != 200
    out.put((done, errors))


def measure(port: int, tokens: list[str], battles: dict[int, list[str]], kind: str) -> tuple[float, int]:
    """Requests per second over DURATION_S with USERS connections spread over PROCS processes."""
    out = multiprocessing.Queue()
    until = time.monotonic() + DURATION_S
    start = time.monotonic()
    procs = [multiprocessing.Process(target=client_loop, args=(port, tokens[i], battles[i], kind, until, out))
             for i in range(len(tokens))]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - start
    return sum(d for d, _ in results) / elapsed, sum(e for _, e in results)


def start_gunicorn(url: str, redis_url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "ARENA_DATABASE_URL": url, "ARENA_REDIS_URL": redis_url, "ARENA_ENV": "development",
           "ARENA_SECRET_KEY": uuid.uuid4().hex * 2, "ARENA_LOG_LEVEL": "WARNING", "ARENA_COOKIE_SECURE": "false",
           "ARENA_LIMIT_VOTE_ACCOUNT": "1000000 per minute", "ARENA_LIMIT_VOTE_ADDRESS": "1000000 per minute",
           "ARENA_LIMIT_VOTE_GLOBAL": "1000000 per minute"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", "2", "--threads", "4",
                             "-b", f"127.0.0.1:{port}", "--log-level", "warning", "bench.wsgi_app:app"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def run(redis_port: int = 6397) -> dict:
    """No-op rate, vote rate, their ratio."""
    with scratch_database() as (url, conninfo), private_redis(redis_port) as redis_url:
        _models, users = seed_contest(conninfo, 20, USERS)
        battles = {i: [f"hb{i:02d}{j:06d}" for j in range(BATTLES_PER_USER)] for i in range(USERS)}
        copy_battles(conninfo, ((bid, users[i], _models[j % 20], _models[(j + 1 + i) % 20 if (1 + i) % 20 else (j + 2) % 20])
                                for i, ids in battles.items() for j, bid in enumerate(ids)))
        tokens = login_tokens(url, users)
        port = free_port()
        server = start_gunicorn(url, redis_url, port)
        try:
            measure(port, tokens, {i: ["warm"] * 50 for i in range(USERS)}, "noop")  # warm both workers
            noop_rate, noop_err = measure(port, tokens, battles, "noop")
            vote_rate, vote_err = measure(port, tokens, battles, "vote")
        finally:
            server.terminate()
            server.wait(30)
    return {"noop_rps": noop_rate, "vote_rps": vote_rate, "ratio": vote_rate / noop_rate,
            "errors": noop_err + vote_err}
