"""Redis failing under the limiter: a stored vote is answered 200, and no failure surfaces as a 500."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.builders import make_battle, make_round, make_user
from voting.models import Vote


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
