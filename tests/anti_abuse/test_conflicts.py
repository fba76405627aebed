"""Conflict of interest (issue 14), on SQLite and the real PostgreSQL: a citizen's declaration of ties to
a team keeps their votes on that team's battles out of every board, earlier votes included, through
the vote log; the exclusion statistics show them."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from anti_abuse.models import ConflictDeclaration
from app.i18n import text
from tests.builders import make_battle, make_round, make_user
from voting.log_audit import verify_round
from voting.models import EXCLUSION_REASONS, BoardRebuild, Vote


@pytest.fixture
def app(any_db_url, make_app):
    return make_app(any_db_url)


@pytest.fixture
def world(db):
    round_ = make_round(db, "r-coi", models=3)
    voter = make_user(db, "LG 직원")
    battles = [make_battle(db, voter, round_, a, b) for a, b in ((0, 1), (1, 2), (2, 0), (1, 2))]
    db.commit()
    teams = [rm.model.team.slug for rm in round_.roster]
    return {"round": round_, "voter": voter, "battles": battles, "teams": teams}


def test_a_declared_teams_battles_are_stored_but_not_counted(client, login, db, world):
    login.as_user(world["voter"])
    assert client.get("/api/me/conflicts").get_json() == {"declared": False, "teams": [], "declared_at": None}
    resp = client.put("/api/me/conflicts", json={"teams": [world["teams"][0]]})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["teams"] == [world["teams"][0]] and resp.get_json()["excluded_votes"] == 0
    involved = client.post(f"/api/battles/{world['battles'][0].id}/vote", json={"winner": "a"}).get_json()
    assert involved["counted"] is False and involved["excluded_reason"] == "conflict_of_interest"
    other = client.post(f"/api/battles/{world['battles'][1].id}/vote", json={"winner": "a"}).get_json()
    assert other["counted"] is True
    db.expire_all()
    assert db.get(Vote, involved["vote_id"]).excluded_reason == "conflict_of_interest"
    board = client.get("/api/leaderboard?round=r-coi").get_json()
    assert board["exclusions"]["by_reason"] == {"conflict_of_interest": 1}
    assert board["votes"] == 1


def test_declaring_later_excludes_the_earlier_counted_votes_through_the_log(client, login, db, world):
    login.as_user(world["voter"])
    for battle in world["battles"][:3]:
        assert client.post(f"/api/battles/{battle.id}/vote", json={"winner": "b"}).get_json()["counted"] is True
    resp = client.put("/api/me/conflicts", json={"teams": [world["teams"][2]]})
    assert resp.get_json()["excluded_votes"] == 2  # battles 1 (t1-t2) and 2 (t2-t0)
    db.expire_all()
    reasons = sorted((v.battle_id, v.excluded_reason) for v in db.scalars(select(Vote)))
    assert [r for _, r in reasons].count("conflict_of_interest") == 2
    assert db.scalar(select(func.count()).select_from(BoardRebuild)) >= 1
    check = verify_round(db, "r-coi")
    assert check.problems == [] and check.count == 5  # three casts, two exclusions appended
    # Withdrawing the declaration restores nothing; declaring the same team again excludes nothing more.
    assert client.put("/api/me/conflicts", json={"teams": []}).get_json()["excluded_votes"] == 0
    assert client.put("/api/me/conflicts", json={"teams": [world["teams"][2]]}).get_json()["excluded_votes"] == 0
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Vote).where(Vote.excluded.is_(True))) == 2
    history = db.scalars(select(ConflictDeclaration).order_by(ConflictDeclaration.id)).all()
    assert [h.teams for h in history] == [[world["teams"][2]], [], [world["teams"][2]]]


def test_an_unknown_team_is_refused_and_nothing_is_stored(client, login, db, world):
    login.as_user(world["voter"])
    resp = client.put("/api/me/conflicts", json={"teams": [world["teams"][0], "no-such-team"]})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (422, "unknown_team")
    for bad in ({"teams": "lg"}, {}, {"teams": [""]}, {"teams": [world["teams"][0]], "extra": 1}):
        assert client.put("/api/me/conflicts", json=bad).status_code == 422
    db.rollback()
    assert db.scalar(select(func.count()).select_from(ConflictDeclaration)) == 0


def test_an_empty_declaration_counts_every_vote(client, login, db, world):
    login.as_user(world["voter"])
    assert client.put("/api/me/conflicts", json={"teams": []}).get_json()["declared"] is True
    assert client.post(f"/api/battles/{world['battles'][0].id}/vote", json={"winner": "a"}).get_json()["counted"]
    board = client.get("/api/leaderboard?round=r-coi").get_json()
    assert board["votes"] == 1 and board["exclusions"]["by_reason"] == {}


@pytest.mark.parametrize("reason", EXCLUSION_REASONS)
def test_every_exclusion_reason_is_explained_in_korean_and_english(app, reason):
    for lang in ("ko", "en"):
        for prefix in ("exclusion.", "reason.", "console.reason.", "exclusion_label."):
            assert text(prefix + reason, lang), (lang, prefix + reason)


@pytest.mark.parametrize("paused_at", ["_check_votable", "_store"])
def test_a_declaration_racing_a_vote_in_flight_still_excludes_it(pg_url, make_app, monkeypatch, paused_at):
    """The vote is held mid-way (after its battle read, or just before its writes) while the voter declares a
    tie to one of its teams: the declaration waits for the vote's commit under the voter's lock and then
    sweeps it out. (Before, the vote read the declaration with its battle and stayed counted.)"""
    import threading

    from anti_abuse.conflicts import declare
    from app.db import new_session, utcnow
    from app.models import User
    from voting import service

    app = make_app(pg_url, WORKER_IN_PROCESS=False)
    with app.app_context(), new_session() as db:
        round_ = make_round(db, "r-race", models=3)
        voter = make_user(db, "경주하는 시민")
        battle = make_battle(db, voter, round_, 0, 1)
        db.commit()
        team, battle_id, user_id = battle.model_a.team.slug, battle.id, voter.id
    reached, go = threading.Event(), threading.Event()
    original = getattr(service, paused_at)

    def paused(*args, **kwargs):
        reached.set()
        assert go.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(service, paused_at, paused)

    def vote():
        with app.app_context(), new_session() as s:
            service.cast_vote(s, battle_id, s.get(User, user_id), "a", utcnow(),
                              app.extensions["vote_exclusion_checks"])
            s.commit()

    def declare_tie():
        with app.app_context(), new_session() as s:
            declare(s, s.get(User, user_id), [team], utcnow())
            s.commit()

    voting_thread, declaring = threading.Thread(target=vote), threading.Thread(target=declare_tie)
    voting_thread.start()
    assert reached.wait(30)
    declaring.start()
    declaring.join(0.5)
    assert declaring.is_alive(), "the declaration must wait for the vote in flight"
    go.set()
    voting_thread.join(30)
    declaring.join(30)
    with app.app_context(), new_session() as s:
        stored = s.scalars(select(Vote)).one()
        assert (stored.excluded, stored.excluded_reason) == (True, "conflict_of_interest")
