"""Defects a review found in moderation, each kept fixed: staff votes, self-rulings, hostile ranges and
cursors, lock order, very large findings, appeals a restore cannot grant."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from anti_abuse import moderation
from anti_abuse.models import Flag
from app.db import utcnow
from app.models import User




BANK = "Paris is the capital of France. (bank sample #17)"


def test_a_moderators_own_vote_never_counts(world):
    """The queue shows voted battles' answers beside their models (bank texts recur): staff votes are
    stored and kept out (answer_seen), a citizen's are not."""
    vote = world.vote(answer_a=BANK)
    battle = world.db.scalar(text("SELECT battle_id FROM votes WHERE id = :v"), {"v": vote})
    world.client("citizen").post("/api/flags", json={"battle_id": battle, "reason": "wrong_answer"})
    item = world.client("moderator").get("/api/moderation/queue").get_json()["items"][0]
    assert item["battle"]["models"]["a"]["name"]  # what the moderator learnt
    assert world.state(world.vote(who="moderator", answer_a=BANK)) == (True, "answer_seen")
    assert world.state(world.vote(who="citizen", answer_a="새 답변 하나")) == (False, None)


def test_a_moderator_cannot_restore_their_own_voided_vote(world):
    mine = world.vote(who="moderator")
    assert world.act("void_votes", {"vote_id": mine}, who="moderator2").status_code == 200
    resp = world.act("restore_votes", {"vote_id": mine}, who="moderator")
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "cannot_act_on_self"
    assert world.state(mine)[0] is True  # still out (staff votes never count; see above)
    assert world.act("restore_votes", {"user_id": world.users["moderator"]}, who="moderator").status_code == 403


def test_a_moderator_cannot_dismiss_a_finding_about_themselves(world):
    mine = world.vote(who="moderator")
    finding = Flag(source="detector", reason="favoured_model", status="open", round_id=world.round_id, score=0.99,
                   subject_user_id=world.users["moderator"], vote_ids=[mine], created_at=utcnow(),
                   evidence={"voters": [world.users["moderator"]]})
    world.db.add(finding)
    world.db.commit()
    resp = world.act("dismiss_flag", {"flag_id": finding.id}, who="moderator")
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "cannot_act_on_self"
    assert world.act("dismiss_flag", {"flag_id": finding.id}, who="moderator2").status_code == 200


def test_an_appeal_a_restore_cannot_grant_stays_open(world):
    """A vote kept out by a rule (an answer naming its model) is not restored by moderation: the appeal
    is not marked done; a moderator dismisses it with a reason."""
    leaked = world.vote(answer_a="저는 EXAONE입니다.")
    assert world.state(leaked) == (True, "identity_leak")
    appeal = world.client("citizen").post("/api/me/appeals", json={"vote_id": leaked}).get_json()["appeal_id"]
    result = world.act("restore_votes", {"flag_id": appeal}, reason="인용일 뿐").get_json()
    assert result["affected_votes"] == 0 and result["resolved_flags"] == []
    assert world.db.get(Flag, appeal).status == "open"
    assert world.act("dismiss_flag", {"flag_id": appeal}, reason="규칙에 따른 제외").status_code == 200


@pytest.mark.parametrize("start, end", [
    ("0001-01-01T00:00:00+14:00", "2030-01-01T00:00:00Z"),
    ("2020-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00"),
    ("0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-01:00"),
    ("2020-01-01T00:00:00", "2030-01-01T00:00:00Z"),
], ids=["before-year-1", "after-year-9999", "both-out", "no-offset"])
def test_a_time_range_outside_the_calendar_is_422(world, start, end):
    world.vote()
    resp = world.act("void_votes", {"user_id": world.users["citizen"], "from": start, "to": end})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "invalid_range"


def test_hostile_bodies_and_cursors_are_4xx(world):
    uid = world.users["citizen"]
    mod = world.client("moderator")
    for body in ({"action": "void_votes", "target": {"user_id": 1.5}, "reason": "r"},
                 {"action": "void_votes", "target": {"user_id": 2**70}, "reason": "r"},
                 {"action": "void_votes", "target": {"vote_id": "a\u0000"}, "reason": "r"},
                 {"action": "void_votes", "target": {"user_id": uid}, "reason": "\u0000"},
                 {"action": ["void_votes"], "target": {}, "reason": "r"}, [1, 2], "string"):
        resp = mod.post("/api/moderation/actions", data=json.dumps(body), content_type="application/json")
        assert 400 <= resp.status_code < 500, (body, resp.status_code)
    for url in ("/api/moderation/queue?before=\u00b2", "/api/moderation/audit?before=9999999999",
                "/api/moderation/audit?before=99999999999999999999", "/moderation?before=%C2%B2",
                "/moderation/audit?before=%C2%B2", "/moderation?before=999999999999999999",
                "/moderation/audit?before=999999999999999999"):
        assert mod.get(url).status_code < 500, url


def test_voiding_a_finding_with_more_votes_than_a_statement_takes(world):
    vote = world.vote()
    ids = [vote] + [f"gone{i:06d}" for i in range(70_000)]  # ids of votes no longer there are skipped
    finding = Flag(source="detector", reason="ring", status="open", round_id=world.round_id, score=0.9,
                   subject_user_id=world.users["citizen"], vote_ids=ids, created_at=utcnow())
    world.db.add(finding)
    world.db.commit()
    resp = world.act("void_votes", {"flag_id": finding.id})
    assert resp.status_code == 200 and resp.get_json()["affected_votes"] == 1, resp.get_json()
    assert world.state(vote) == (True, "anomaly")


def test_restoring_by_appeal_and_by_vote_at_once_do_not_deadlock(pg_world):
    """Both paths take the round's lock before the queue item's (PostgreSQL)."""
    from tests.anti_abuse.test_moderation_races import in_thread, session_of, wait_until_blocked

    world = pg_world
    vote = world.vote()
    world.act("void_votes", {"vote_id": vote})
    appeal_id = world.client("citizen").post("/api/me/appeals", json={"vote_id": vote}).get_json()["appeal_id"]
    a, b = session_of(world), session_of(world)
    moderation.act(a, a.get(User, world.users["moderator"]), "restore_votes", {"flag_id": appeal_id}, "A", utcnow())

    def restore_by_vote():
        try:
            result = moderation.act(b, b.get(User, world.users["moderator2"]), "restore_votes", {"vote_id": vote},
                                    "B", utcnow())
            b.commit()
            return result
        finally:
            b.close()

    thread, outcome = in_thread(restore_by_vote)
    wait_until_blocked(world)
    a.commit()
    a.close()
    thread.join(30)
    assert "error" not in outcome, outcome
    assert outcome["value"].affected_votes == 0  # A restored it first; B found nothing left to restore
    assert world.state(vote) == (False, None)
