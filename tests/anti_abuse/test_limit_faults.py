"""Redis failing under the limiter: a stored vote is answered 200, and no failure surfaces as a 500."""
from __future__ import annotations

import signal
import threading
import time
from collections import Counter

import pytest
import redis as redis_lib
import requests
from sqlalchemy import func, select

from app.limiter import limiter
from app.metrics import LIMITER_FALLBACK
from tests.anti_abuse.servers import LiveServer
from tests.builders import make_battle, make_round, make_user
from voting.models import Vote

# What a client may see while Redis fails: anything but a 5xx other than 503.
ALLOWED = {200, 201, 204, 400, 401, 403, 404, 409, 422, 429, 503}


def test_a_committed_vote_answers_200_when_redis_dies_during_the_request(sqlite_url, private_redis, db, login,
                                                                          make_app):
    app = make_app(sqlite_url, REDIS_URL=private_redis.url)
    user = make_user(db)
    battle = make_battle(db, user, make_round(db)).id
    client = app.test_client()
    login.as_user(user, client=client)
    client.csrf_token()  # fetched now, while Redis is up
    # Exclusion checks run inside the vote, after the limits were checked in Redis and before the
    # commit: Redis dies there, so everything after the commit meets a dead server.
    app.extensions["vote_exclusion_checks"].append(lambda *_: private_redis.stop())
    resp = client.post(f"/api/battles/{battle}/vote", json={"winner": "a"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Vote).where(Vote.battle_id == battle)) == 1
    retry = client.post(f"/api/battles/{battle}/vote", json={"winner": "a"})
    assert (retry.status_code, retry.get_json()["error"]["code"]) == (409, "already_voted")


class Hammer:
    """Threads posting to the probe route as fast as they can; every answer (or failure) is recorded."""

    def __init__(self, base_url: str, threads: int = 8):
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(f"{base_url}/_probe/battles/t{i}/vote",))
                        for i in range(threads)]
        for thread in self.threads:
            thread.start()

    def _run(self, url: str) -> None:
        with requests.Session() as http:
            while not self.stop.is_set():
                try:
                    status = http.post(url, json={}, timeout=15).status_code
                except requests.RequestException as exc:  # no answer at all: also a failure
                    with self.lock:
                        self.failures.append(repr(exc))
                    continue
                with self.lock:
                    self.statuses[status] += 1

    def finish(self) -> Counter[int]:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)
        return self.statuses


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.parametrize("fault", ["sigkill", "sigstop"])
def test_redis_killed_or_frozen_under_concurrency_never_gives_500(fault, sqlite_url, private_redis, probe_app,
                                                                  caplog):
    lots = "100000 per minute"
    app = probe_app(sqlite_url, vote_account=lots, vote_address=lots, vote_global=lots, redis=private_redis.url)
    server = LiveServer(app)
    fallback_before = LIMITER_FALLBACK._value.get()
    try:
        hammer = Hammer(server.url)
        time.sleep(0.7)
        assert redis_lib.Redis(port=private_redis.port).keys("LIMITS*")  # counting in Redis so far
        if fault == "sigkill":
            private_redis.stop()
        else:
            private_redis.proc.send_signal(signal.SIGSTOP)
        time.sleep(2.5)  # several socket timeouts (0.5 s) and a recovery probe
        statuses = hammer.finish()
        assert not hammer.failures, hammer.failures[:3]
        assert statuses[200] > 20 and not set(statuses) - ALLOWED, statuses
        assert limiter.using_fallback()
        assert LIMITER_FALLBACK._value.get() > fallback_before
        assert any(getattr(r, "fields", {}).get("event") == "limiter_fallback" for r in caplog.records)
        # The fallback still limits, counting in memory.
        app.config["LIMIT_VOTE_ACCOUNT"] = "2 per minute"
        client = app.test_client()
        codes = [client.post("/_probe/battles/x/vote", environ_base={"REMOTE_ADDR": "10.7.7.7"}).status_code
                 for _ in range(3)]
        assert codes == [200, 200, 429]
    finally:
        server.stop()
        if private_redis.proc.poll() is None:
            private_redis.proc.send_signal(signal.SIGCONT)


def test_the_storage_counts_in_memory_while_redis_is_away_and_returns_to_it(private_redis, monkeypatch, caplog):
    from app import limit_storage
    from limits import parse
    from limits.strategies import MovingWindowRateLimiter

    monkeypatch.setattr(limit_storage, "PROBE_FIRST_S", 0.1)
    storage = limit_storage.FailoverStorage(f"failover+{private_redis.url}", socket_timeout=0.5,
                                            socket_connect_timeout=0.5)
    limit, strategy = parse("2 per minute"), MovingWindowRateLimiter(storage)
    assert strategy.hit(limit, "k") and not storage.failed_over
    private_redis.stop()
    assert [strategy.hit(limit, "k") for _ in range(3)] == [True, True, False]  # afresh, in memory
    assert storage.failed_over and strategy.get_window_stats(limit, "k").remaining == 0
    private_redis.start()  # empty, on the same port
    deadline = time.monotonic() + 10
    while storage.failed_over and time.monotonic() < deadline:
        strategy.hit(limit, "other")
        time.sleep(0.05)
    assert not storage.failed_over
    assert strategy.hit(limit, "k") and redis_lib.Redis(port=private_redis.port).keys("LIMITS*")  # counting in Redis again
    events = [getattr(r, "fields", {}).get("event") for r in caplog.records]
    assert events.count("limiter_fallback") == 1 and events.count("limiter_recovered") == 1
