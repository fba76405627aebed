"""Stream, live board and worker, on the in-process twin and on the real Redis."""
import numpy as np
import pytest
from sqlalchemy import select

from app.db import new_session, utcnow
from tests.builders import make_battle, make_test_app
from voting import queries
from voting.live import ALL
from app.models import User
from contest.models import Round
from voting.models import Vote, VoteOutbox
from voting.stream import StreamLost
from voting.runtime import make_worker
from voting.service import cast_vote, vote_event
from voting.worker import WorkerSettings

FAST = WorkerSettings(block_ms=0, claim_idle_ms=60_000, relay_grace_s=0.0, relay_every_s=0.0, audit_every_s=0.0)
WINNERS = ("a", "b", "tie", "bothbad")


@pytest.fixture(params=["memory", "redis"])
def wired(request, sqlite_url):
    """An app whose stream and live board are in process or in the real Redis."""
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    app = make_test_app(sqlite_url, REDIS_URL=redis_url, WORKER_IN_PROCESS=False)
    yield app
    app.extensions["db_engine"].dispose()


PAIRS = [(0, 1), (1, 2), (2, 0), (1, 0), (2, 1), (0, 2)]


def cast_votes(app, round_id, user_id, count, publish=True):
    """Store `count` votes (committed), publishing each unless told not to; returns the vote ids."""
    stream = app.extensions["vote_stream"]
    ids = []
    with app.app_context():
        session = new_session()
        round_, user = session.get(Round, round_id), session.get(User, user_id)
        for i in range(count):
            battle = make_battle(session, user, round_, *PAIRS[i % 6])
            cast = cast_vote(session, battle.id, user, WINNERS[(i * 7) % 4], utcnow())
            session.commit()
            ids.append(cast.vote.id)
            if publish:
                stream.publish(vote_event(cast.vote))
        session.close()
    return ids


def drain(worker, steps=5):
    """A few worker passes (each also relays, so republished votes get applied too)."""
    for _ in range(steps):
        worker.step()


def assert_live_equals_sql(app, round_id, categories):
    board = app.extensions["live_board"]
    with app.app_context(), new_session() as session:
        for category in (*categories, ALL):
            assert board.cells(round_id, category) == queries.counted_cells(
                session, round_id, None if category == ALL else category)


@pytest.fixture
def voters(wired):
    return make_voters(wired)


def make_voters(app):
    """A round `r-w` with three models and one user; returns their ids."""
    from tests.builders import make_round, make_user

    with app.app_context(), new_session() as session:
        round_ = make_round(session, "r-w", models=3, categories=("daily",))
        user = make_user(session)
        session.commit()
        return round_.id, user.id


def applied_votes(app, count):
    """A round `r-w` and a worker "w1" that has applied `count` votes; returns (round, user, worker)."""
    round_, user = make_voters(app)
    worker = make_worker(app, "w1", FAST)
    worker.start()
    cast_votes(app, round_, user, count)
    drain(worker)
    return round_, user, worker


def test_each_vote_is_applied_once_even_when_published_twice(wired, voters):
    round_, user = voters
    worker = make_worker(wired, "w1", FAST)
    worker.start()
    ids = cast_votes(wired, round_, user, 12)
    with wired.app_context(), new_session() as session:  # a duplicate publish of every vote
        for vote_id in ids[:6]:
            wired.extensions["vote_stream"].publish(vote_event(session.get(Vote, vote_id)))
    drain(worker)
    assert sum(wired.extensions["live_board"].cells("r-w", ALL).values()) == 12
    assert_live_equals_sql(wired, "r-w", ["daily"])
    with wired.app_context(), new_session() as session:
        assert queries.count_unpublished(session) == 0


def test_a_crash_between_apply_and_ack_causes_no_double_count(wired, voters):
    round_, user = voters
    crashed = make_worker(wired, "crashed", FAST)
    crashed.start()
    cast_votes(wired, round_, user, 8)
    stream, board = wired.extensions["vote_stream"], wired.extensions["live_board"]
    for _entry_id, event in stream.read("crashed", 100, 0):
        board.apply(event, crashed.params)  # applied ... and the process dies before XACK
    survivor = make_worker(wired, "survivor", WorkerSettings(block_ms=0, claim_idle_ms=0, relay_every_s=3600))
    assert survivor.step() == 8  # reclaimed from the dead consumer, found already applied, acknowledged
    assert sum(board.cells("r-w", ALL).values()) == 8
    assert stream.claim_stale("third", 0, 100) == []  # nothing left pending
    assert_live_equals_sql(wired, "r-w", ["daily"])


def test_the_relay_republishes_what_was_never_published(wired, voters):
    round_, user = voters
    worker = make_worker(wired, "w1", FAST)
    worker.start()
    cast_votes(wired, round_, user, 5, publish=False)
    drain(worker)
    assert sum(wired.extensions["live_board"].cells("r-w", ALL).values()) == 5
    with wired.app_context(), new_session() as session:
        rows = session.scalars(select(VoteOutbox)).all()
        assert all(r.published_at is not None and r.attempts >= 1 for r in rows)


@pytest.fixture
def wired_redis(sqlite_url, redis_url):
    """An app whose stream and live board are in the real Redis (only Redis can be flushed from outside)."""
    app = make_test_app(sqlite_url, REDIS_URL=redis_url, WORKER_IN_PROCESS=False)
    yield app
    app.extensions["db_engine"].dispose()


def test_a_flushed_redis_is_rebuilt_from_sql(wired_redis):
    wired = wired_redis
    round_, user, worker = applied_votes(wired, 6)
    wired.extensions["redis"].flushdb()
    cast_votes(wired, round_, user, 4)  # these land in a stream without a group
    with pytest.raises(StreamLost):
        worker.step()
    worker.start()
    drain(worker)
    assert sum(wired.extensions["live_board"].cells("r-w", ALL).values()) == 10
    assert_live_equals_sql(wired, "r-w", ["daily"])


def test_live_elo_matches_the_maths(wired, voters):
    round_, user = voters
    worker = make_worker(wired, "w1", FAST)
    worker.start()
    cast_votes(wired, round_, user, 9)
    drain(worker)
    elo = wired.extensions["live_board"].elo("r-w", ALL)
    assert sum(elo.values()) == pytest.approx(3 * 1000)
    worker.reconcile()  # the rebuild replays SQL in casting order: the same Elo
    assert np.allclose(sorted(wired.extensions["live_board"].elo("r-w", ALL).values()), sorted(elo.values()))


def test_an_idle_worker_on_real_redis_never_times_out_and_still_relays(redis_url, sqlite_url):
    """The blocking XREADGROUP stays inside the client's socket timeout, whatever block the settings ask."""
    from tests.builders import make_round, make_user

    app = make_test_app(sqlite_url, REDIS_URL=redis_url, WORKER_IN_PROCESS=False, REDIS_SOCKET_TIMEOUT=0.5)
    try:
        with app.app_context(), new_session() as session:
            round_id, user_id = make_round(session, "r-w", models=3).id, make_user(session).id
            session.commit()
        worker = make_worker(app, "w1", WorkerSettings(block_ms=2000, relay_grace_s=0.0, relay_every_s=0.0))
        worker.start()
        assert worker.stream.read("w1", 10, 2000) == []  # an empty stream: no TimeoutError
        cast_votes(app, round_id, user_id, 3, publish=False)  # Redis was down at cast time
        drain(worker, 3)  # idle blocking reads, then the relay, then the apply
        assert sum(app.extensions["live_board"].cells("r-w", ALL).values()) == 3
        assert_live_equals_sql(app, "r-w", ["daily"])
    finally:
        app.extensions["db_engine"].dispose()


@pytest.mark.parametrize("env, workers", [
    ({"GUNICORN_WORKERS": "4"}, 1),
    ({}, 1),
    ({"GUNICORN_WORKERS": "4", "ARENA_REDIS_URL": "redis://127.0.0.1:6379/0"}, 4),
])
def test_gunicorn_runs_one_process_when_the_live_board_is_in_process(monkeypatch, env, workers):
    """Without Redis each process would keep its own stream and board and miss the others' votes."""
    import runpy
    from pathlib import Path

    for key in ("GUNICORN_WORKERS", "ARENA_REDIS_URL"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    conf = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    assert conf["workers"] == workers


def test_a_board_restored_from_an_old_snapshot_is_noticed_and_rebuilt(wired_redis):
    """Redis came back with the stream and group but an older live board: the worker's audit rebuilds it."""
    wired = wired_redis
    round_, user, worker = applied_votes(wired, 7)
    client = wired.extensions["redis"]
    lost = [k for k in client.scan_iter(match="arena:live:*")]
    assert lost
    client.delete(*lost)  # the live board as an old snapshot would have it: nothing applied
    assert sum(wired.extensions["live_board"].cells("r-w", ALL).values()) == 0
    drain(worker)
    assert sum(wired.extensions["live_board"].cells("r-w", ALL).values()) == 7
    assert_live_equals_sql(wired, "r-w", ["daily"])


def metric(text: str, name: str) -> float:
    """One sample's value from Prometheus exposition text."""
    line = next(line for line in text.splitlines() if line.startswith(name + " "))
    return float(line.split()[1])


def test_a_dead_worker_is_visible_in_readyz_and_metrics(wired_redis):
    """Heartbeat and lag are computed when asked (SQL, Redis), not read from a gauge a dead process left."""
    import time

    app = wired_redis
    # 3 s: on a loaded machine the scrape after /readyz may come over a second after the last heartbeat.
    app.config["WORKER_STALE_S"], app.config["UNPUBLISHED_ALERT_S"] = 3.0, 60.0
    app.config["METRICS_TOKEN"] = "scraper-" + "t" * 24
    scrape = {"Authorization": "Bearer " + app.config["METRICS_TOKEN"]}
    round_, user, _worker = applied_votes(app, 4)
    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"
    assert ready.get_json()["worker"] | {"heartbeat_age_s": 0} == {
        "status": "ok", "state": "ok", "heartbeat_age_s": 0, "workers_alive": 1, "unpublished": 0,
        "oldest_unpublished_s": 0.0}
    text = client.get("/metrics", headers=scrape).get_data(as_text=True)
    assert metric(text, "arena_vote_stream_lag") == 0 and metric(text, "arena_rating_workers_alive") == 1
    assert metric(text, "arena_worker_heartbeat_age_seconds") < 3
    # The worker dies; votes keep coming (Redis was down at cast time, or nobody reads the stream).
    cast_votes(app, round_, user, 3, publish=False)
    time.sleep(3.5)
    ready = client.get("/readyz")
    assert ready.status_code == 200  # the node still takes votes: degraded, not unready
    body = ready.get_json()
    assert body["status"] == "degraded" and body["worker"]["state"] == "stale"
    assert body["worker"]["unpublished"] == 3 and body["worker"]["workers_alive"] == 0
    text = client.get("/metrics", headers=scrape).get_data(as_text=True)
    assert metric(text, "arena_vote_stream_lag") == 3 and metric(text, "arena_rating_workers_alive") == 0
    assert metric(text, "arena_worker_heartbeat_age_seconds") > 3
    assert metric(text, "arena_vote_oldest_unpublished_seconds") > 3
    drain(make_worker(app, "w2", FAST))  # another worker takes over
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready" and body["worker"]["state"] == "ok" and body["worker"]["unpublished"] == 0


def test_readyz_reports_a_lost_live_board(wired_redis):
    """Redis came back empty and no worker rebuilt it: the public board serves SQL, /readyz says why."""
    app = wired_redis
    applied_votes(app, 3)
    app.extensions["redis"].flushdb()
    body = app.test_client().get("/readyz").get_json()
    assert body["status"] == "degraded" and body["live_board"] == {"status": "degraded", "state": "lost"}


WEB_SIDE = ("voting.routes", "contest.routes", "anti_abuse", "app.auth", "authlib", "flask_limiter")


def worker_env(**settings):
    """This process's environment without ARENA_* settings, plus `settings` as ARENA_* variables."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ARENA_")}
    return env | {f"ARENA_{k}": v for k, v in settings.items()}


def test_the_lean_worker_imports_nothing_of_the_web_side():
    import subprocess
    import sys

    probe = f"import sys, voting.worker_main; print([m for m in {WEB_SIDE!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, env=worker_env())
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_lean_worker_process_applies_votes_beats_and_stops_on_sigterm(wired_redis, sqlite_url, redis_url):
    import signal
    import subprocess
    import sys
    import time

    app = wired_redis
    round_, user = make_voters(app)
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "voting.worker_main"], stderr=subprocess.PIPE, text=True,
                            env=worker_env(ENV="testing", DATABASE_URL=sqlite_url, REDIS_URL=redis_url))
    try:
        assert "started" in proc.stderr.readline()
        print(f"lean worker started in {time.monotonic() - started:.2f} s")
        cast_votes(app, round_, user, 5)
        deadline = time.monotonic() + 30
        while sum(app.extensions["live_board"].cells("r-w", ALL).values()) < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert_live_equals_sql(app, "r-w", ["daily"])
        assert app.test_client().get("/readyz").get_json()["worker"]["state"] == "ok"
        # Its style loop fits the open round's style board into Redis, where this (web) process reads it (and
        # refits it within a few seconds: a first fit may have come before the votes).
        style = {"votes": 0}
        while style["votes"] < 5 and time.monotonic() < deadline + 30:
            style = app.test_client().get("/api/leaderboard?round=r-w").get_json()["style_control"]
            time.sleep(0.1)
        assert style["votes"] == 5 and style["computed_at"] and style["warnings"] == []
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()


def test_the_lean_worker_refuses_to_run_without_redis(sqlite_url):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "voting.worker_main"], capture_output=True, text=True, timeout=60,
                         env=worker_env(ENV="testing", DATABASE_URL=sqlite_url))
    assert out.returncode == 2 and out.stderr.strip() == "rating worker: the rating worker needs ARENA_REDIS_URL " \
                                                         "(without Redis the web process runs it)"
