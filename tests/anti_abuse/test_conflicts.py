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
