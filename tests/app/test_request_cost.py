"""What a citizen's requests cost in round trips, counted on the real PostgreSQL and Redis (counts, never
times: issue 13). SQL: statements, transactions (BEGIN and COMMIT/ROLLBACK are a round trip each) and pool
checkouts (a pre-ping would be one more); Redis: commands and pipelines sent."""
from __future__ import annotations

from collections import Counter

import pytest
import redis
from flask import jsonify
from sqlalchemy import event

from app.db import utcnow
from contest.demo import seed_demo
from tests.builders import make_user


class Meter:
    def __init__(self, engine, monkeypatch):
        self.counts = Counter()
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", lambda _conn: self.counts.update(["transactions"]))
        event.listen(engine.pool, "checkout", lambda *_: self.counts.update(["checkouts"]))
        command, pipeline = redis.Redis.execute_command, redis.client.Pipeline.execute
        meter = self

        def counted_command(client, *args, **kwargs):
            meter.counts["redis"] += 1
            return command(client, *args, **kwargs)

        def counted_pipeline(pipe, *args, **kwargs):
            meter.counts["redis"] += 1
            return pipeline(pipe, *args, **kwargs)

        monkeypatch.setattr(redis.Redis, "execute_command", counted_command)
        monkeypatch.setattr(redis.client.Pipeline, "execute", counted_pipeline)

    def _statement(self, _conn, _cursor, statement, *_args):
        self.counts["statements"] += 1
        self.seen.append(" ".join(statement.split()))
        self.counts.update(["locks"] if "pg_advisory_xact_lock" in statement else [])

    def measure(self, send):
        self.counts.clear()
        self.seen = []
        resp = send()
        return resp, dict(self.counts)


@pytest.fixture
def metered(pg_url, redis_url, make_app, monkeypatch):
    app = make_app(pg_url, REDIS_URL=redis_url, BOARD_MAX_AGE_S=60.0)

    @app.post("/test/noop")
    def test_noop():
        return jsonify({"ok": True})

    with app.app_context():
        from app.db import new_session

        session = new_session()
        seed_demo(session, utcnow())
        user = make_user(session, "계량시민")
        session.commit()
    client = app.test_client()
    from app.sessions import open_user_session

    token = open_user_session(session, user.id, utcnow(), app.permanent_session_lifetime)
    session.commit()
    session.close()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], token)
    client.post("/test/noop")  # fetches the CSRF token, warms every path once
    return client, Meter(app.extensions["db_engine"], monkeypatch)


def test_round_trips_of_the_citizen_path(metered):
    """Upper bounds, from the counts measured when issue 13 was worked (before it: a no-op with a session
    took 2 checkouts with a pre-ping each, 2 transactions and 3 statements; a vote 18 statements)."""
    client, meter = metered
    resp, noop = meter.measure(lambda: client.post("/test/noop"))
    assert resp.status_code == 200
    # The session, its user and roles in one statement, on the request's one connection, no pre-ping.
    assert noop == {"checkouts": 1, "transactions": 1, "statements": 1}, meter.seen
    resp, battle = meter.measure(lambda: client.post("/api/battles", json={}))
    assert resp.status_code == 201, resp.get_json()
    assert not any("GROUP BY" in statement for statement in meter.seen), meter.seen  # exposure from its counts
    # The round's draw lock is taken in the call that reads the counts (15 when they were two statements).
    assert not any("pg_advisory_xact_lock(hashtextextended" in s for s in meter.seen), meter.seen
    assert sum("arena_draw_exposure(" in s for s in meter.seen) == 1, meter.seen
    assert battle["statements"] <= 14 and battle["transactions"] <= 2, (battle, meter.seen)
    battle_id = resp.get_json()["battle_id"]
    resp, vote = meter.measure(lambda: client.post(f"/api/battles/{battle_id}/vote", json={"winner": "a"}))
    assert resp.status_code == 200, resp.get_json()
    # The vote, its outbox record and the battle's status in one statement.
    assert sum(s.startswith(("INSERT INTO votes", "INSERT INTO vote_outbox", "UPDATE battles")) for s in meter.seen) == 0
    assert sum("INSERT INTO votes" in s and "vote_outbox" in s and "UPDATE battles" in s for s in meter.seen) == 1
    # The conflict-of-interest check (issue 14) reads the voter's declaration in the battle's read
    # (VoteTarget.extra), not in a statement of its own.
    assert not any(s.startswith("SELECT conflict_declarations") for s in meter.seen), meter.seen
    # The round's write lock (the vote log's one writer) is taken by the last statement before COMMIT,
    # in the same call that reads the head, writes the record and reads the round afresh (14 statements
    # when the lock, the head, the record and the round were four).
    assert not any("pg_advisory_xact_lock(hashtextextended" in s for s in meter.seen), meter.seen
    assert "arena_append_log(" in meter.seen[-1], meter.seen
    assert vote["statements"] <= 11 and vote["transactions"] == 1, (vote, meter.seen)
    resp, board = meter.measure(lambda: client.get("/api/leaderboard"))
    assert resp.status_code == 200 and resp.get_json()["votes"] in (0, 1)
    again, cached = meter.measure(lambda: client.get("/api/leaderboard"))
    assert again.get_json() == resp.get_json()
    # A cached board: the session's one statement and one Redis read, nothing recomputed.
    assert cached.get("statements", 0) <= 1 and cached.get("redis", 0) == 1, (cached, meter.seen)
