"""Fault tests: a private redis-server killed or flushed mid-run, a real PostgreSQL, concurrent duplicates."""
import threading
import time
from datetime import timedelta

import pytest
import redis as redis_lib
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session

from app.db import new_session, utcnow
from app.models import User
from app.sessions import open_user_session
from tests.builders import make_battle, make_round, make_test_app, make_user
from tests.clients import CsrfClient
from tests.redis_server import PrivateRedis
from tests.workers import private_redis_port
from voting import queries
from voting.live import ALL, RedisLiveBoard
from voting.models import Vote, VoteOutbox
from voting.runtime import make_worker
from voting.service import VoteRejected, cast_vote
from voting.worker import WorkerSettings

# Its own redis-server, four above the worker's other private ones (tests.workers; serially 6391 + 4 = 6395).
PORT = private_redis_port() + 4
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(PORT, tmp_path)  # no automatic snapshots: a restart comes back empty unless a test SAVEs
    yield server
    server.stop()


@pytest.fixture
def setup(pg_url, private_redis):
    app = make_test_app(pg_url, REDIS_URL=private_redis.url, WORKER_IN_PROCESS=False,
                        LIMIT_VOTE_ACCOUNT="10000 per minute", LIMIT_VOTE_ADDRESS="10000 per minute")
    with app.app_context(), new_session() as session:
        round_ = make_round(session, "r-f", models=4, categories=("daily", "coding"))
        user = make_user(session)
        pairs = [(a, b) for a in range(4) for b in range(4) if a != b]
        battles = [make_battle(session, user, round_, *pairs[i % len(pairs)]) for i in range(60)]
        token = open_user_session(session, user.id, utcnow(), app.permanent_session_lifetime)
        session.commit()
        battle_ids = [b.id for b in battles]
    app.test_client_class = CsrfClient
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], token)
    yield app, client, battle_ids
    app.extensions["db_engine"].dispose()


def run_worker(app):
    stop = threading.Event()
    worker = make_worker(app, "fault-worker", WorkerSettings(block_ms=100, claim_idle_ms=1000, relay_grace_s=0.5,
                                                             relay_every_s=0.3))
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    return stop, thread


def wait_until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def settled(app, expected):
    board = app.extensions["live_board"]
    try:
        live = sum(board.cells("r-f", ALL).values())
    except redis_lib.RedisError:
        return False
    with app.app_context(), new_session() as session:
        return live == expected and queries.count_unpublished(session) == 0


def check_board_equals_sql(app, acknowledged):
    with app.app_context(), new_session() as session:
        stored = set(session.scalars(select(Vote.id)))
        assert set(acknowledged) <= stored  # every acknowledged vote is in SQL
        board = app.extensions["live_board"]
        for category in ("daily", "coding", ALL):
            assert board.cells("r-f", category) == queries.counted_cells(
                session, "r-f", None if category == ALL else category)
    assert app.extensions["redis"].scard(RedisLiveBoard.APPLIED) == len(stored)  # applied once each
    board_api = app.test_client().get("/api/leaderboard?round=r-f").get_json()
    assert board_api["votes"] == len(stored) and board_api["source"] == "live"


def vote_all(client, battle_ids, on_vote):
    acknowledged = []
    for i, battle_id in enumerate(battle_ids):
        on_vote(i)
        resp = client.post(f"/api/battles/{battle_id}/vote", json={"winner": "abt"[i % 3].replace("t", "tie")})
        assert resp.status_code == 200, resp.get_json()  # Redis down never fails a vote
        acknowledged.append(resp.get_json()["vote_id"])
    return acknowledged


@pytest.mark.parametrize("fault", ["kill", "flush"])
def test_votes_survive_redis_loss_mid_run(setup, private_redis, fault):
    app, client, battle_ids = setup
    stop, thread = run_worker(app)

    def inject(i):
        if i == 20 and fault == "kill":
            private_redis.stop()
        if i == 40 and fault == "kill":
            private_redis.start()  # back, empty: no stream, no group, no board
        if i == 30 and fault == "flush":
            app.extensions["redis"].flushall()

    try:
        acknowledged = vote_all(client, battle_ids, inject)
        assert wait_until(lambda: settled(app, 60)), "the live board did not catch up"
        check_board_equals_sql(app, acknowledged)
    finally:
        stop.set()
        thread.join(10)


def test_fifty_concurrent_duplicate_votes_make_one_row(setup, pg_url):
    app, _client, battle_ids = setup
    engine = create_engine(pg_url, pool_size=50, max_overflow=5)  # one connection per voter thread
    barrier = threading.Barrier(50, timeout=60)
    outcomes = []

    def attempt():
        session = Session(engine)
        try:
            user = session.get(User, 1)
            barrier.wait()
            cast_vote(session, battle_ids[0], user, "a", utcnow())
            session.commit()
            outcomes.append("ok")
        except VoteRejected as exc:
            session.rollback()
            outcomes.append(exc.code)
        finally:
            session.close()

    threads = [threading.Thread(target=attempt) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(set(outcomes)) == ["already_voted", "ok"] and outcomes.count("ok") == 1 and len(outcomes) == 50
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Vote)) == 1
    engine.dispose()


# ---------------------------------------------------------------- read-only PostgreSQL (a failover to a standby)
def set_read_only(pg_url, on: bool):
    """`default_transaction_read_only` for new connections of this test's database only (others are untouched)."""
    import psycopg

    from tests.conftest import PG_ADMIN_URL

    name = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {"on" if on else "off"}')


def test_read_only_database_is_503_with_retry_after_and_readyz_says_so(pg_url, make_app):
    from contest.demo import seed_demo
    from contest.models import Battle

    app = make_app(pg_url)
    with app.app_context(), new_session() as session:
        seed_demo(session, utcnow())
        user = make_user(session)
        token = open_user_session(session, user.id, utcnow(), app.permanent_session_lifetime)
        session.commit()
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], token)
    ready = client.post("/api/battles", json={"prompt_id": "p001"})
    assert ready.status_code == 201
    client.get("/api/me")  # the CSRF token is fetched before the database turns read-only
    set_read_only(pg_url, True)
    app.extensions["db_engine"].dispose()  # pooled connections were opened read-write
    try:
        started = client.post("/api/battles", json={"prompt_id": "p002"})
        voted = client.post(f"/api/battles/{ready.get_json()['battle_id']}/vote", json={"winner": "a"})
        for resp in (started, voted):
            assert resp.status_code == 503, resp.get_data(as_text=True)
            assert resp.get_json()["error"]["code"] == "unavailable" and int(resp.headers["Retry-After"]) > 0
        readyz = client.get("/readyz")
        assert readyz.status_code == 503 and readyz.get_json()["failing"] == ["database"]
        assert readyz.headers["Retry-After"]
    finally:
        set_read_only(pg_url, False)
        app.extensions["db_engine"].dispose()
    with app.app_context(), new_session() as session:  # nothing half-stored
        assert session.scalar(select(func.count()).select_from(Battle)) == 1
        assert session.scalar(select(func.count()).select_from(Vote)) == 0
    assert client.get("/readyz").status_code == 200
    assert client.post(f"/api/battles/{ready.get_json()['battle_id']}/vote", json={"winner": "a"}).status_code == 200
    assert client.post("/api/battles", json={"prompt_id": "p002"}).status_code == 201


def test_a_session_due_for_its_sliding_refresh_is_503_not_500_on_a_read_only_database(pg_url, make_app):
    """The refresh is written after the view ran (saving the session), outside the view's error handlers."""
    from datetime import timedelta

    from sqlalchemy import update

    from app.models import WebSession

    app = make_app(pg_url)
    with app.app_context(), new_session() as session:
        token = open_user_session(session, make_user(session).id, utcnow(), app.permanent_session_lifetime)
        session.execute(update(WebSession).values(updated_at=utcnow() - timedelta(days=1)))
        session.commit()
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], token)
    set_read_only(pg_url, True)
    app.extensions["db_engine"].dispose()
    try:
        resp = client.get("/api/me")
        assert resp.status_code == 503 and resp.headers["Retry-After"]
        assert resp.get_json()["error"]["code"] == "unavailable"
    finally:
        set_read_only(pg_url, False)
        app.extensions["db_engine"].dispose()
    assert client.get("/api/me").status_code == 200  # the same session, refreshed now


# ---------------------------------------------------------------- the public board after the live board is lost
class BoardReader:
    """Reads the public board of r-f and remembers every count it was shown."""

    def __init__(self, app):
        self.app, self.seen = app, []

    def __call__(self, category="all"):
        body = self.app.test_client().get(f"/api/leaderboard?round=r-f&category={category}").get_json()
        self.seen.append(body["votes"])
        return body["votes"], body["source"]


def stop_worker(stop, thread):
    stop.set()
    thread.join(10)


def vote_settled(app, client, battle_ids, total):
    """Vote on these battles and wait until the worker applied everything (`total` votes in all)."""
    vote_all(client, battle_ids, lambda i: None)
    assert wait_until(lambda: settled(app, total))


@pytest.mark.parametrize("fault", ["flush", "restart"])
def test_a_lost_live_board_is_never_served_and_the_board_never_goes_backwards(setup, private_redis, fault):
    app, client, battle_ids = setup
    read = BoardReader(app)
    worker = run_worker(app)
    try:
        vote_settled(app, client, battle_ids[:30], 30)
        assert read() == (30, "live")
    finally:
        stop_worker(*worker)
    # From here no worker runs: nothing would ever rebuild the live board.
    if fault == "flush":
        app.extensions["redis"].flushall()
    else:
        private_redis.stop()
        assert read() == (30, "sql")  # unreachable
        private_redis.start()  # back, empty
    assert read() == (30, "sql") and read("daily") == (30, "sql")
    vote_all(client, battle_ids[30:40], lambda i: None)  # published into a stream nobody reads
    assert read() == (40, "sql")
    worker = run_worker(app)
    try:
        assert wait_until(lambda: read() == (40, "live")), "the rebuilt live board is served again"
    finally:
        stop_worker(*worker)
    assert read.seen == sorted(read.seen) and 0 not in read.seen


def test_votes_in_flight_are_lag_and_no_process_serves_fewer_votes_than_another_did(setup, pg_url, make_app):
    app, client, battle_ids = setup
    other = make_app(pg_url, REDIS_URL=app.config["REDIS_URL"], WORKER_IN_PROCESS=False)  # a second web process
    read, read_other = BoardReader(app), BoardReader(other)
    worker = run_worker(app)
    try:
        vote_settled(app, client, battle_ids[:20], 20)
    finally:
        stop_worker(*worker)
    vote_all(client, battle_ids[20:25], lambda i: None)  # committed and published, not yet applied
    assert read() == (20, "live")  # ordinary lag: the live board has every vote the worker marked applied
    live = app.extensions["live_board"]
    assert live.begin_rebuild(60_000)
    assert read() == (25, "sql")  # rebuilding: SQL
    live.end_rebuild()
    assert read_other() == (25, "sql")  # the live board still says 20: serving it would go backwards
    worker = run_worker(app)
    try:
        assert wait_until(lambda: read_other() == (25, "live"))
    finally:
        stop_worker(*worker)
    assert read.seen + read_other.seen[-1:] == sorted(read.seen + read_other.seen[-1:])


def settled_then_stopped(app, client, battle_ids, count):
    """`count` votes applied by a worker that then stops; a reader of the public board."""
    worker = run_worker(app)
    try:
        vote_settled(app, client, battle_ids[:count], count)
    finally:
        stop_worker(*worker)
    return BoardReader(app)


def test_after_a_full_sql_read_the_board_returns_to_live_while_votes_keep_coming(setup):
    """Catching up after a full read from SQL: every read serves SQL up to that read's cutoff, a fixed
    target; chasing the newest SQL count kept every read on SQL as long as votes and reads continued."""
    app, client, battle_ids = setup
    read = settled_then_stopped(app, client, battle_ids, 10)
    live = app.extensions["live_board"]
    vote_all(client, battle_ids[10:13], lambda i: None)  # in flight: the worker is not running
    assert live.begin_rebuild(60_000)
    assert read() == (13, "sql")  # a full read: the mark is 13, its cutoff now
    live.end_rebuild()
    vote_all(client, battle_ids[13:16], lambda i: None)  # votes keep coming after the cutoff
    assert read() == (13, "sql")  # the fixed target, not the newest count (16)
    worker = run_worker(app)
    try:
        assert wait_until(lambda: read() == (16, "live"))
    finally:
        stop_worker(*worker)
    assert read.seen == sorted(read.seen)


def test_a_board_whose_worker_died_serves_sql_once_votes_stall(setup):
    """The worker is dead and votes keep coming: past the stall threshold the live board, frozen but
    sound, is no longer served as if it were current."""
    app, client, battle_ids = setup
    read = settled_then_stopped(app, client, battle_ids, 10)  # the worker then dies
    vote_all(client, battle_ids[10:14], lambda i: None)
    assert read() == (10, "live")  # ordinary lag so far
    with app.app_context(), new_session() as session:  # the waiting votes are now a minute old
        session.execute(update(VoteOutbox).where(VoteOutbox.published_at.is_(None))
                        .values(created_at=utcnow() - timedelta(minutes=1)))
        session.commit()
    assert read() == (14, "sql")
    assert read.seen == sorted(read.seen)


def test_a_live_board_restored_from_an_old_snapshot_is_not_served(setup, private_redis):
    """Redis restarts from a snapshot taken before the last votes were applied (stream and group included)."""
    app, client, battle_ids = setup
    read = BoardReader(app)
    worker = run_worker(app)
    try:
        vote_settled(app, client, battle_ids[:15], 15)
        app.extensions["redis"].save()  # the snapshot Redis will come back from
        vote_settled(app, client, battle_ids[15:20], 20)
        assert read() == (20, "live")
    finally:
        stop_worker(*worker)
    private_redis.stop()
    private_redis.start()
    assert sum(app.extensions["live_board"].cells("r-f", ALL).values()) == 15  # the old board is back
    assert read() == (20, "sql") and read("daily") == (20, "sql")
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["live_board"] == {"status": "degraded", "state": "lost"}
    worker = run_worker(app)  # finds the group, audits the board, rebuilds it
    try:
        assert wait_until(lambda: read() == (20, "live"))
        vote_settled(app, client, battle_ids[20:25], 25)
        check_board_equals_sql(app, [])
    finally:
        stop_worker(*worker)
    assert read.seen == sorted(read.seen)
