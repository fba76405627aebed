"""The daily vote cap: SQL is the truth, parallel requests cannot beat it, a Redis restart cannot reset it."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import redis as redis_lib
from sqlalchemy import func, select, update

from app.db import new_session
from tests.anti_abuse.servers import LiveServer, http_login
from tests.builders import make_battle, make_round, make_user
from voting.models import Vote

LOTS = "100000 per minute"


def stored(db, user_id) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Vote).where(Vote.user_id == user_id))


def vote(client, battle_id, winner="a"):
    resp = client.post(f"/api/battles/{battle_id}/vote", json={"winner": winner})
    return resp.status_code, (resp.get_json().get("error") or {}).get("code"), resp.headers.get("Retry-After")


@pytest.mark.slow
@pytest.mark.redis
def test_parallel_votes_cannot_beat_the_cap_nor_a_redis_flush(any_db_url, redis_url, make_app):
    app = make_app(any_db_url, REDIS_URL=redis_url, LIMIT_VOTE_DAILY_CAP="3 per day", LIMIT_VOTE_ACCOUNT=LOTS,
                   LIMIT_VOTE_ADDRESS=LOTS)
    with app.app_context():
        db = new_session()
    user = make_user(db)
    user_id = user.id
    round_ = make_round(db)
    battles = [make_battle(db, user, round_, i % 3, (i + 1) % 3).id for i in range(21)]
    db.commit()
    server = LiveServer(app)
    try:
        http = http_login(app, user_id, server.url)
        start = threading.Barrier(20)
        results: list[tuple[int, str | None, str | None]] = []

        def cast(battle_id: str) -> None:
            start.wait()
            resp = http.post(f"{server.url}/api/battles/{battle_id}/vote", json={"winner": "b"}, timeout=30)
            code = resp.json()["error"]["code"] if resp.status_code != 200 else None
            results.append((resp.status_code, code, resp.headers.get("Retry-After")))

        threads = [threading.Thread(target=cast, args=(b,)) for b in battles[:20]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted((s, c) for s, c, _ in results) == [(200, None)] * 3 + [(429, "daily_cap")] * 17
        assert all(0 < int(r) <= 86400 for s, _, r in results if s == 429)
        assert stored(db, user_id) == 3
        redis_lib.Redis.from_url(redis_url).flushdb()  # a Redis restart forgets everything it held
        resp = http.post(f"{server.url}/api/battles/{battles[20]}/vote", json={"winner": "a"}, timeout=30)
        assert (resp.status_code, resp.json()["error"]["code"]) == (429, "daily_cap")
        me = http.get(f"{server.url}/api/me", timeout=10).json()
        assert (me["votes_today"], me["vote_limit"]) == (3, 3)
        http.close()
    finally:
        server.stop()
        db.close()


def test_refusals_take_no_slot_and_the_window_moves(sqlite_url, redis_url, db, login, make_app):
    app = make_app(sqlite_url, REDIS_URL=redis_url, LIMIT_VOTE_DAILY_CAP="2 per day", LIMIT_VOTE_ACCOUNT=LOTS)
    user = make_user(db)
    round_ = make_round(db, "r1")
    battles = [make_battle(db, user, round_).id for _ in range(4)]
    pending = make_battle(db, user, round_, status="answering").id
    client = app.test_client()
    login.as_user(user, client=client)
    assert vote(client, pending)[:2] == (409, "battle_not_ready")
    assert vote(client, battles[0])[0] == 200
    assert vote(client, battles[0])[:2] == (409, "already_voted")
    assert vote(client, battles[1], winner="nobody")[:2] == (422, "invalid_winner")
    assert vote(client, battles[1])[0] == 200  # none of the refusals above took a slot
    status, code, retry_after = vote(client, battles[2])
    assert (status, code) == (429, "daily_cap")
    assert 86400 - 60 < int(retry_after) <= 86400  # until the oldest counted vote leaves the window
    assert vote(client, battles[2])[:2] == (429, "daily_cap")  # a refused vote reserved nothing either
    me = client.get("/api/me").get_json()
    assert (me["votes_today"], me["vote_limit"]) == (2, 2)
    redis_lib.Redis.from_url(redis_url).flushdb()
    assert vote(client, battles[2])[:2] == (429, "daily_cap")
    # Moving window: once the first vote is older than a day, one slot is free again.
    first = db.scalar(select(Vote).where(Vote.battle_id == battles[0]))
    db.execute(update(Vote).where(Vote.id == first.id).values(created_at=first.created_at - timedelta(hours=25)))
    db.commit()
    assert vote(client, battles[2])[0] == 200
    assert vote(client, battles[3])[:2] == (429, "daily_cap")
    assert stored(db, user.id) == 3


def test_each_round_has_its_own_cap(sqlite_url, db, login, make_app):
    app = make_app(sqlite_url, LIMIT_VOTE_DAILY_CAP="1 per day")
    user = make_user(db)
    r1, r2 = make_round(db, "r1"), make_round(db, "r2")
    b1, b1_more, b2 = make_battle(db, user, r1).id, make_battle(db, user, r1).id, make_battle(db, user, r2).id
    client = app.test_client()
    login.as_user(user, client=client)
    assert [vote(client, b)[:2] for b in (b1, b1_more, b2)] == [(200, None), (429, "daily_cap"), (200, None)]
