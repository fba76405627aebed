"""POST /api/battles/<id>/vote: the happy path and every refusal, which must change nothing."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from contest.models import Battle, Round
from tests.builders import make_battle, make_user
from voting.models import Vote, VoteOutbox


def votes(db):
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Vote)), db.scalar(select(func.count()).select_from(VoteOutbox))


def test_vote_is_stored_with_outbox_and_reveals_the_models(client, login, db, arena):
    login.as_user(arena["user"])
    battle = arena["battles"][0]
    resp = client.post(f"/api/battles/{battle.id}/vote?lang=en", json={"winner": "a"})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["counted"] is True and "excluded_reason" not in body
    assert body["models"] == {"a": {"name": "Model 0 1", "team": "Team 0"}, "b": {"name": "Model 1 1", "team": "Team 1"}}
    db.expire_all()
    vote = db.get(Vote, body["vote_id"])
    assert (vote.winner, vote.round_id, vote.category, vote.excluded) == ("a", "r-vote", "daily", False)
    assert (vote.model_a_id, vote.model_b_id) == (battle.model_a_id, battle.model_b_id)
    assert db.get(Battle, battle.id).status == "voted"
    assert db.scalar(select(VoteOutbox).where(VoteOutbox.vote_id == vote.id)) is not None
    korean = client.post(f"/api/battles/{arena['battles'][1].id}/vote?lang=ko", json={"winner": "tie"}).get_json()
    assert korean["models"]["a"]["team"] == "팀1"


def test_an_exclusion_check_keeps_the_vote_out_of_the_ranking(app, client, login, arena):
    app.extensions["vote_exclusion_checks"].append(lambda session, battle, user: "identity_leak")
    login.as_user(arena["user"])
    body = client.post(f"/api/battles/{arena['battles'][0].id}/vote", json={"winner": "b"}).get_json()
    assert body["counted"] is False and body["excluded_reason"] == "identity_leak"


@pytest.mark.parametrize("payload, kwargs, status, code", [
    ({"winner": "A"}, {}, 422, "invalid_winner"),
    ({"winner": 1}, {}, 422, "invalid_winner"),
    ({}, {}, 422, "invalid_winner"),
    (None, {"data": "{not json", "content_type": "application/json"}, 400, "invalid_json"),
    (None, {"json": ["a"]}, 400, "invalid_json"),
])
def test_bad_input_is_refused_and_changes_nothing(client, login, db, arena, payload, kwargs, status, code):
    login.as_user(arena["user"])
    if payload is not None:
        kwargs = {"json": payload}
    resp = client.post(f"/api/battles/{arena['battles'][0].id}/vote", **kwargs)
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (status, code)
    assert votes(db) == (0, 0)


def test_login_is_required(client, db, arena):
    resp = client.post(f"/api/battles/{arena['battles'][0].id}/vote", json={"winner": "a"})
    assert resp.status_code in (400, 401, 403)  # no session: refused before any vote logic
    assert votes(db) == (0, 0)


def test_someone_elses_or_unknown_battle_is_not_found(client, login, db, arena):
    other = make_user(db, "남")
    db.commit()
    login.as_user(other)
    for battle_id in (arena["battles"][0].id, "no-such-battle", "x" * 300):
        resp = client.post(f"/api/battles/{battle_id}/vote", json={"winner": "a"})
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (404, "battle_not_found")
    assert votes(db) == (0, 0)


def test_a_second_vote_conflicts(client, login, db, arena):
    login.as_user(arena["user"])
    url = f"/api/battles/{arena['battles'][0].id}/vote"
    assert client.post(url, json={"winner": "a"}).status_code == 200
    resp = client.post(url, json={"winner": "b"})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (409, "already_voted")
    db.expire_all()
    assert votes(db) == (1, 1) and db.scalar(select(Vote.winner)) == "a"


@pytest.mark.parametrize("status, code", [("answering", "battle_not_ready"), ("voided", "battle_voided")])
def test_battles_not_ready_or_voided_conflict(client, login, db, arena, status, code):
    battle = make_battle(db, arena["user"], arena["round"], status=status)
    db.commit()
    login.as_user(arena["user"])
    resp = client.post(f"/api/battles/{battle.id}/vote", json={"winner": "a"})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (409, code)
    db.expire_all()
    assert votes(db) == (0, 0) and db.get(Battle, battle.id).status == status


def test_closed_round_conflicts(client, login, db, arena):
    round_ = db.get(Round, "r-vote")
    round_.closes_at = utcnow() - timedelta(minutes=1)
    round_.opens_at = utcnow() - timedelta(days=2)
    db.commit()
    login.as_user(arena["user"])
    resp = client.post(f"/api/battles/{arena['battles'][0].id}/vote", json={"winner": "a"})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (409, "round_closed")
    assert votes(db) == (0, 0)


def test_vote_route_is_documented(client):
    spec = client.get("/api/openapi.json").get_json()
    op = spec["paths"]["/api/battles/{battle_id}/vote"]["post"]
    assert op["summary"] and op["requestBody"]
    assert spec["paths"]["/api/leaderboard"]["get"]["summary"]


@pytest.mark.postgres
def test_a_nul_byte_in_an_id_is_unknown_not_a_500_on_postgresql(pg_url):
    """PostgreSQL refuses NUL in text parameters; a client sending one gets a 404, not a 500."""
    from app.db import new_session
    from tests.builders import make_round, make_test_app
    from voting.queries import vote_target
    from voting.service import VoteRejected, cast_vote

    app = make_test_app(pg_url)
    try:
        with app.app_context(), new_session() as session:
            round_ = make_round(session, "r-nul")
            user = make_user(session)
            battle = make_battle(session, user, round_)
            session.commit()
            assert vote_target(session, battle.id + "\x00") is None  # the vote route's lookup
            with pytest.raises(VoteRejected, match="battle_not_found"):
                cast_vote(session, "\x00", user, "a", utcnow())
        client = app.test_client()
        for path in ("/api/leaderboard?round=r-nul%00", "/api/leaderboard/matrix?round=%00"):
            resp = client.get(path)
            assert (resp.status_code, resp.get_json()["error"]["code"]) == (404, "unknown_round")
        assert client.get("/leaderboard?round=r-nul%00").status_code == 404
    finally:
        app.extensions["db_engine"].dispose()


def test_a_nul_in_the_battle_id_is_a_404_not_a_500_on_postgresql(pg_url):
    """PostgreSQL refuses NUL in text; the rate-limit key and the vote lookup must never send it."""
    from app.db import new_session
    from tests.builders import make_test_app
    from tests.conftest import Login

    app = make_test_app(pg_url)
    try:
        with app.app_context(), new_session() as db:
            user = make_user(db)
            client = app.test_client()
            Login(client, db).as_user(user)
        resp = client.post("/api/battles/a%00b/vote", json={"winner": "a"})
        assert resp.status_code == 404, resp.get_data(as_text=True)
        assert resp.get_json()["error"]["code"] == "battle_not_found"
    finally:
        app.extensions["db_engine"].dispose()


def test_the_service_takes_the_cap_as_an_argument_and_refuses_with_the_wait(db, arena):
    """cast_vote counts the account's stored votes in SQL against the caps it is given (no Flask)."""
    from voting.service import VoteCap, VoteRejected, cast_vote, vote_quota

    user, battles, now = arena["user"], arena["battles"], utcnow()
    caps = (VoteCap(amount=2, window=timedelta(hours=1)),)
    for battle in battles[:2]:
        cast_vote(db, battle.id, user, "a", now, caps=caps)
    db.commit()
    with pytest.raises(VoteRejected, match="daily_cap") as refused:
        cast_vote(db, battles[2].id, user, "a", now + timedelta(minutes=10), caps=caps)
    db.rollback()
    assert refused.value.retry_after == 50 * 60  # the oldest vote leaves the hour in 50 minutes
    with pytest.raises(VoteRejected) as refused:  # with a daily cap full too, the longer wait counts
        cast_vote(db, battles[2].id, user, "a", now + timedelta(minutes=10),
                  caps=caps + (VoteCap(amount=2, window=timedelta(days=1)),))
    db.rollback()
    assert refused.value.retry_after == 24 * 3600 - 10 * 60
    assert vote_quota(db, user.id, "r-vote", caps, now) == (2, 2)
    assert vote_quota(db, user.id, "r-vote", caps, now + timedelta(hours=1)) == (0, 2)
    cast_vote(db, battles[2].id, user, "a", now + timedelta(hours=1), caps=caps)  # the window moved on
    assert cast_vote(db, battles[3].id, user, "a", now, caps=()).vote.id  # without caps, no limit
    with pytest.raises(VoteRejected) as refused:  # a cap of 0 (voting paused) refuses for a whole window
        cast_vote(db, battles[4].id, user, "a", now, caps=(VoteCap(amount=0, window=timedelta(days=1)),))
    assert refused.value.retry_after == 24 * 3600
