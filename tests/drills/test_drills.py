"""Fault drills on the production shape, under steady concurrent voting (issue 8, "Done means").

Each drill must show: every acknowledged vote in SQL exactly once (and no stored vote nobody was told
about, except answers lost with a killed web worker), the live board equal to a rebuild from SQL,
zero 500s, a board that never goes backwards, and an honest /readyz.
"""
from __future__ import annotations

import signal
import time

import pytest

from tests.drills.drill import assert_held
from tests.drills.processes import DrillTimeout, wait_for
from voting.stream import GROUP, STREAM_KEY

pytestmark = [pytest.mark.drill, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

REDIS_DOWN_S = 4.0
REDIS_FROZEN_S = 10.0
POSTGRES_DOWN_S = 4.0
POSTGRES_READ_ONLY_S = 5.0
WORKER_DOWN_S = 3.0


def test_rating_worker_killed_mid_stream(drill):
    def fault(d):
        pending = kill_worker_mid_batch(d.stack)
        d.event(f"rating worker SIGKILL with {pending} stream entries read and not acknowledged")
        time.sleep(WORKER_DOWN_S)
        d.event(f"rating worker restarted, consuming after {d.stack.start_worker():.1f}s")

    assert_held(drill.run(fault))


def test_gunicorn_worker_killed_mid_request(drill):
    def fault(d):
        victim = d.stack.web_workers()[0]
        d.stack.kill_web_worker(victim)
        d.event(f"gunicorn worker {victim} SIGKILL")
        took = d.stack.wait_web_workers(gone=victim)
        d.event(f"arbiter back to {len(d.stack.web_workers())} workers after {took:.1f}s")

    assert_held(drill.run(fault, lost_ok=True))


def test_redis_killed_and_restarted_empty(drill):
    redis = drill.stack.redis
    assert_held(drill.run(lambda d: d.outage("redis", REDIS_DOWN_S, ("redis SIGKILL", redis.service.kill),
                                             ("redis restarted empty", redis.start))))


def test_redis_frozen(drill):
    redis = drill.stack.redis.service
    assert_held(drill.run(lambda d: d.outage("redis", REDIS_FROZEN_S,
                                             ("redis SIGSTOP", lambda: redis.send(signal.SIGSTOP)),
                                             ("redis SIGCONT", lambda: redis.send(signal.SIGCONT)))))


def test_postgres_stopped(drill):
    postgres = drill.stack.postgres
    assert_held(drill.run(lambda d: d.outage("database", POSTGRES_DOWN_S,
                                             ("postgres stopped (pg_ctl stop -m fast)", postgres.stop),
                                             ("postgres started", postgres.start))))


def test_postgres_read_only(drill):
    postgres = drill.stack.postgres
    assert_held(drill.run(lambda d: d.outage(
        "database", POSTGRES_READ_ONLY_S,
        ("postgres read-only, backends terminated", lambda: postgres.set_read_only(True)),
        ("postgres writable again, backends terminated", lambda: postgres.set_read_only(False)))))


def kill_worker_mid_batch(stack, attempts: int = 3) -> int:
    """SIGKILL the rating worker while it holds entries it has read but not acknowledged; how many.

    Votes pile up in the stream while the worker is stopped; on SIGCONT it reads them as one batch
    and acknowledges only after applying all of them, so the kill lands inside that batch.
    """
    with stack.redis.client() as client:
        def pending() -> int:
            return int(client.xpending(STREAM_KEY, GROUP)["pending"])

        for _ in range(attempts):
            stack.worker.send(signal.SIGSTOP)
            time.sleep(1.5)
            stack.worker.send(signal.SIGCONT)
            try:
                wait_for(lambda: pending() > 0, 1.0, "entries in the worker's hands", interval=0.001)
            except DrillTimeout:
                continue
            stack.worker.kill()
            return pending()
        stack.worker.kill()
        return pending()
