"""Moderation end to end through the API, on SQLite and PostgreSQL: flags, appeals, the queue, actions,
the audit trail, and what voiding and restoring do to the live board and the vote log."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from anti_abuse.models import Flag
from app.db import utcnow
from app.models import AuditEntry, User
from tests.anti_abuse.moderation_world import build_world, close_world
from voting import queries
from voting.live import ALL
from voting.log_audit import verify_round
from voting.models import BoardRebuild, VoteLogEntry
from voting.runtime import make_worker
from voting.worker import WorkerSettings

FAST = WorkerSettings(block_ms=0, claim_idle_ms=60_000, relay_grace_s=0.0, relay_every_s=0.0, audit_every_s=0.0)




def add_finding(world, vote_ids, score=0.9, kind="one_model_favoured") -> int:
    """A detector's finding about the citizen (what the detectors file), committed."""
    flag = Flag(source="detector", reason=kind, status="open", round_id=world.round_id, score=score,
                subject_user_id=world.users["citizen"], vote_ids=list(vote_ids), evidence={"share": 0.97},
                created_at=utcnow())
    world.db.add(flag)
    world.db.commit()
    return flag.id


def error_code(resp) -> str:
    return resp.get_json()["error"]["code"]


# ---------------------------------------------------------------- flags
def test_a_citizen_flags_their_own_battle_once(world):
    battle = world.battle()
    citizen = world.client("citizen")
    resp = citizen.post("/api/flags", json={"battle_id": battle, "reason": "identity_leak", "note": "모델 이름이 나옴"})
    assert resp.status_code == 201
    flag = world.db.get(Flag, resp.get_json()["flag_id"])
    assert (flag.source, flag.reason, flag.status, flag.reporter_id) == ("citizen", "identity_leak", "open",
                                                                         world.users["citizen"])
    again = citizen.post("/api/flags", json={"battle_id": battle, "reason": "harmful"})
    assert (again.status_code, error_code(again)) == (409, "already_flagged")


def test_flag_refusals_are_4xx_in_the_error_shape(world):
    battle = world.battle()
    citizen, other = world.client("citizen"), world.client("other")
    cases = [
        (other, {"battle_id": battle, "reason": "harmful"}, 404, "battle_not_found"),  # not theirs
        (citizen, {"battle_id": "x" * 300, "reason": "harmful"}, 404, "battle_not_found"),  # not id-shaped
        (citizen, {"battle_id": "no-such", "reason": "harmful"}, 404, "battle_not_found"),
        (citizen, {"battle_id": battle, "reason": "boring"}, 422, "invalid_reason"),
        (citizen, {"battle_id": battle}, 422, "invalid_reason"),
        (citizen, {"battle_id": battle, "reason": "spam", "note": "가" * 1001}, 422, "invalid_note"),
        (citizen, {"battle_id": 7, "reason": "spam"}, 422, "invalid_field"),
        (citizen, {"battle_id": battle, "reason": "spam", "extra": 1}, 422, "unknown_field"),
    ]
    for client, body, status, code in cases:
        resp = client.post("/api/flags", json=body)
        assert (resp.status_code, error_code(resp)) == (status, code), body
    malformed = citizen.post("/api/flags", data="{not json", content_type="application/json")
    assert (malformed.status_code, error_code(malformed)) == (400, "invalid_json")
    assert world.db.scalar(select(Flag.id)) is None


def test_flags_are_rate_limited_per_account(sqlite_url):
    world = build_world(sqlite_url, LIMIT_FLAG_ACCOUNT="2 per hour")
    try:
        citizen = world.client("citizen")
        statuses = [citizen.post("/api/flags", json={"battle_id": world.battle(), "reason": "spam"}).status_code
                    for _ in range(3)]
        assert statuses == [201, 201, 429]
        other = world.client("other")  # the limit is the account's
        assert other.post("/api/flags", json={"battle_id": world.battle("other"), "reason": "spam"}).status_code == 201
    finally:
        close_world(world)


# ---------------------------------------------------------------- the queue
def test_the_queue_orders_by_score_then_newest_and_hides_models_before_the_vote(world):
    voted = world.vote()
    unvoted = world.battle()
    citizen = world.client("citizen")
    minor = citizen.post("/api/flags", json={"battle_id": unvoted, "reason": "wrong_answer"}).get_json()["flag_id"]
    voted_battle = world.db.scalar(text("SELECT battle_id FROM votes WHERE id = :v"), {"v": voted})
    grave = citizen.post("/api/flags", json={"battle_id": voted_battle, "reason": "harmful"}).get_json()["flag_id"]
    finding = add_finding(world, [voted], score=0.9)
    low_finding = add_finding(world, [voted], score=0.1, kind="position_bias")

    moderator = world.client("moderator")
    items = moderator.get("/api/moderation/queue").get_json()["items"]
    assert [i["id"] for i in items] == [finding, grave, minor, low_finding]
    by_id = {i["id"]: i for i in items}
    assert "models" not in by_id[minor]["battle"] and by_id[minor]["votes"] == []  # no vote yet: still blind
    assert by_id[minor]["battle"]["turns"][0]["answer_a"]
    assert set(by_id[grave]["battle"]["models"]) == {"a", "b"}
    vote = by_id[finding]["votes"][0]
    assert (vote["id"], vote["counted"], vote["winner"]) == (voted, True, "a")
    assert vote["models"]["a"]["name"] == "Model 0 1"
    assert by_id[finding]["subject"] == {"id": world.users["citizen"], "display_name": "시민", "status": "active",
                                         "votes": {"total": 1, "excluded": 0}}
    assert by_id[finding]["evidence"] == {"share": 0.97} and by_id[grave]["score_is_default"]

    page = moderator.get("/api/moderation/queue?limit=2").get_json()
    assert [i["id"] for i in page["items"]] == [finding, grave] and page["next_before"] == grave
    rest = moderator.get(f"/api/moderation/queue?limit=2&before={grave}").get_json()
    assert [i["id"] for i in rest["items"]] == [minor, low_finding]
    assert [i["id"] for i in moderator.get("/api/moderation/queue?source=detector").get_json()["items"]] == [
        finding, low_finding]
    for query, code in (("status=closed", "invalid_status"), ("source=x", "invalid_source"),
                        ("limit=0", "invalid_limit"), ("limit=abc", "invalid_limit"), ("before=-1", "invalid_cursor")):
        resp = moderator.get(f"/api/moderation/queue?{query}")
        assert (resp.status_code, error_code(resp)) == (422, code), query
    assert moderator.get("/api/moderation/queue?before=999999").status_code == 404


# ---------------------------------------------------------------- void and restore
def test_void_then_restore_puts_the_live_board_back_and_the_chain_verifies(world):
    worker = make_worker(world.app, "w-mod", FAST)
    worker.start()
    votes = [world.vote(winner=w, a=a, b=b) for w, a, b in (("a", 0, 1), ("b", 1, 2), ("a", 2, 0), ("tie", 0, 2))]
    board = world.app.extensions["live_board"]

    def settled_cells():
        for _ in range(3):
            worker.step()
        world.db.expire_all()
        sql = queries.counted_cells(world.db, world.round_id)
        assert board.cells(world.round_id, ALL) == sql  # the live board is what SQL counts
        return sql

    before = settled_cells()
    voided = world.act("void_votes", {"vote_id": votes[0]})
    assert voided.status_code == 200 and voided.get_json()["affected_votes"] == 1
    assert world.state(votes[0]) == (True, "moderation")
    after_void = settled_cells()
    assert after_void != before and sum(after_void.values()) == sum(before.values()) - 1
    assert world.db.scalar(select(BoardRebuild.done_at).order_by(BoardRebuild.id.desc())) is not None

    board_json = world.client("other").get(f"/api/leaderboard?round={world.round_id}").get_json()
    assert board_json["exclusions"]["by_reason"] == {"moderation": 1} and board_json["exclusions"]["votes"] == 4

    restored = world.act("restore_votes", {"vote_id": votes[0]}, reason="오판이었음")
    assert restored.get_json()["affected_votes"] == 1
    assert world.state(votes[0]) == (False, None)
    assert settled_cells() == before

    kinds = world.db.scalars(select(VoteLogEntry.kind).where(VoteLogEntry.vote_id == votes[0])
                             .order_by(VoteLogEntry.seq)).all()
    assert kinds == ["cast", "exclude", "restore"]
    assert verify_round(world.db, world.round_id).problems == []


def test_restore_never_counts_a_vote_kept_out_by_a_rule(world):
    leaked = world.vote(answer_a="저는 LG AI연구원이 만든 EXAONE입니다.")
    assert world.state(leaked) == (True, "identity_leak")
    resp = world.act("restore_votes", {"vote_id": leaked})
    assert resp.status_code == 200 and resp.get_json()["affected_votes"] == 0
    assert world.state(leaked) == (True, "identity_leak")
    entry = world.db.get(AuditEntry, resp.get_json()["action_id"])  # a no-op is recorded all the same
    assert entry.action == "moderation.restore_votes" and entry.after["affected_votes"] == 0
    # voiding it changes nothing either: it does not count already
    assert world.act("void_votes", {"vote_id": leaked}).get_json()["affected_votes"] == 0
    assert world.state(leaked) == (True, "identity_leak")


def test_voiding_a_voters_votes_and_a_time_range(world):
    votes = [world.vote() for _ in range(3)]
    world.db.execute(text("UPDATE votes SET created_at = :t WHERE id = :v"),
                     {"t": utcnow() - timedelta(days=2), "v": votes[0]})
    world.db.commit()
    other_vote = world.vote("other")
    citizen = world.users["citizen"]
    start = (utcnow() - timedelta(days=1)).isoformat()
    end = (utcnow() + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    ranged = world.act("void_votes", {"user_id": citizen, "from": start, "to": end})
    assert ranged.get_json()["affected_votes"] == 2
    assert [world.state(v)[0] for v in votes] == [False, True, True]
    whole = world.act("void_votes", {"user_id": citizen})
    assert whole.get_json()["affected_votes"] == 1  # only the one still counted
    assert world.state(other_vote) == (False, None)
    assert world.act("restore_votes", {"user_id": citizen}).get_json()["affected_votes"] == 3

    for target, status, code in [
        ({"user_id": citizen, "from": end, "to": start}, 422, "invalid_range"),
        ({"user_id": citizen, "from": "yesterday", "to": end}, 422, "invalid_range"),
        ({"user_id": citizen, "from": "2026-01-01T00:00:00", "to": end}, 422, "invalid_range"),  # no offset
        ({"user_id": citizen, "from": start}, 422, "invalid_target"),
        ({"user_id": "1"}, 422, "invalid_target"),
        ({"user_id": True}, 422, "invalid_target"),
        ({"vote_id": 5}, 422, "invalid_target"),
        ({"user_id": 987654}, 404, "user_not_found"),
        ({"user_id": 2**40}, 404, "user_not_found"),
        ({"vote_id": "nope"}, 404, "vote_not_found"),
        ({"vote_id": "v" * 200}, 404, "vote_not_found"),
        ({"flag_id": 424242}, 404, "flag_not_found"),
        ({}, 422, "invalid_target"),
        ({"vote_id": votes[0], "user_id": citizen}, 422, "invalid_target"),
    ]:
        resp = world.act("void_votes", target)
        assert (resp.status_code, error_code(resp)) == (status, code), target


def test_voiding_a_detector_finding_records_anomaly_and_resolves_it(world):
    votes = [world.vote() for _ in range(2)]
    finding = add_finding(world, votes)
    resp = world.act("void_votes", {"flag_id": finding})
    assert resp.get_json()["affected_votes"] == 2 and resp.get_json()["resolved_flags"] == [finding]
    assert {world.state(v) for v in votes} == {(True, "anomaly")}
    world.db.expire_all()
    flag = world.db.get(Flag, finding)
    assert (flag.status, flag.resolved_by, flag.action_id) == ("actioned", world.users["moderator"],
                                                                resp.get_json()["action_id"])
    again = world.act("void_votes", {"flag_id": finding})
    assert (again.status_code, error_code(again)) == (409, "flag_resolved")
    dismiss = world.act("dismiss_flag", {"flag_id": finding})
    assert (dismiss.status_code, error_code(dismiss)) == (409, "flag_resolved")
    # the finding's votes can still be restored through it (undoing the decision)
    assert world.act("restore_votes", {"flag_id": finding}).get_json()["affected_votes"] == 2


def test_a_citizen_flag_voids_with_the_moderation_reason(world):
    vote = world.vote()
    battle = world.db.scalar(text("SELECT battle_id FROM votes WHERE id = :v"), {"v": vote})
    flag = world.client("citizen").post("/api/flags", json={"battle_id": battle, "reason": "harmful"}).get_json()
    assert world.act("void_votes", {"flag_id": flag["flag_id"]}).get_json()["affected_votes"] == 1
    assert world.state(vote) == (True, "moderation")


def test_dismissing_a_flag(world):
    flag = world.client("citizen").post("/api/flags", json={"battle_id": world.battle(), "reason": "spam"}).get_json()
    resp = world.act("dismiss_flag", {"flag_id": flag["flag_id"]}, reason="문제 없음")
    assert resp.status_code == 200 and resp.get_json()["resolved_flags"] == [flag["flag_id"]]
    world.db.expire_all()
    assert world.db.get(Flag, flag["flag_id"]).status == "dismissed"
    assert world.client("moderator").get("/api/moderation/queue").get_json()["items"] == []
    dismissed = world.client("moderator").get("/api/moderation/queue?status=dismissed").get_json()["items"]
    assert [i["id"] for i in dismissed] == [flag["flag_id"]]
    assert world.act("dismiss_flag", {"vote_id": "x"}).status_code == 422


def test_every_action_needs_a_reason_and_a_known_action(world):
    vote = world.vote()
    for body, code in [({"action": "void_votes", "target": {"vote_id": vote}, "reason": "   "}, "reason_required"),
                       ({"action": "void_votes", "target": {"vote_id": vote}}, "reason_required"),
                       ({"action": "void_votes", "target": {"vote_id": vote}, "reason": "x" * 1001}, "reason_required"),
                       ({"action": "void_votes", "target": {"vote_id": vote}, "reason": 5}, "reason_required"),
                       ({"action": "delete_votes", "target": {"vote_id": vote}, "reason": "r"}, "invalid_action"),
                       ({"action": "void_votes", "target": [vote], "reason": "r"}, "invalid_target"),
                       ({"action": "void_votes", "target": {"vote_id": None}, "reason": "r"}, "invalid_target")]:
        resp = world.client("moderator").post("/api/moderation/actions", json=body)
        assert (resp.status_code, error_code(resp)) == (422, code), body
    assert world.state(vote) == (False, None)
    assert world.db.scalar(select(AuditEntry.id)) is None  # refused requests leave no entry


# ---------------------------------------------------------------- accounts
def test_suspending_revokes_sessions_at_once_and_reinstating_lets_them_back(world):
    citizen = world.client("citizen")
    assert citizen.get("/api/me").status_code == 200
    resp = world.act("suspend_user", {"user_id": world.users["citizen"]}, reason="조작 계정")
    assert resp.status_code == 200 and resp.get_json()["user_status"] == "suspended"
    assert citizen.get("/api/me").status_code == 401  # the very next request
    world.db.expire_all()
    user = world.db.get(User, world.users["citizen"])
    assert user.status == "suspended" and user.suspended_at is not None
    assert world.client("citizen").get("/api/me").status_code == 401  # a new session does not help
    entry = world.db.get(AuditEntry, resp.get_json()["action_id"])
    assert entry.before["status"] == "active" and entry.after["status"] == "suspended"
    assert entry.after["sessions_revoked"] >= 1

    back = world.act("reinstate_user", {"user_id": world.users["citizen"]}, reason="이의 인용")
    assert back.get_json()["user_status"] == "active"
    assert world.client("citizen").get("/api/me").status_code == 200


def test_staff_and_oneself_cannot_be_suspended(world):
    for who, target, code in [("moderator", "moderator2", "cannot_suspend_staff"),
                              ("moderator", "ministry", "cannot_suspend_staff"),
                              ("ministry", "moderator", "cannot_suspend_staff"),
                              ("moderator", "moderator", "cannot_suspend_self")]:
        resp = world.act("suspend_user", {"user_id": world.users[target]}, who=who)
        assert (resp.status_code, error_code(resp)) == (403, code), (who, target)
    assert world.client("moderator2").get("/api/me").status_code == 200
    assert world.act("suspend_user", {"user_id": 424242}).status_code == 404


# ---------------------------------------------------------------- citizens' votes and appeals
def test_my_votes_say_whether_each_counts_and_an_appeal_is_taken_once(world):
    counted = world.vote()
    leaked = world.vote(answer_a="저는 EXAONE입니다.")
    citizen = world.client("citizen")
    votes = {v["vote_id"]: v for v in citizen.get("/api/me/votes?lang=en").get_json()["votes"]}
    assert votes[counted]["counted"] and votes[counted]["excluded_message"] is None
    assert votes[leaked]["excluded_reason"] == "identity_leak" and "does not count" in votes[leaked]["excluded_message"]
    assert votes[leaked]["models"]["a"]["name"] == "Model 0 1" and votes[leaked]["can_appeal"]
    korean = citizen.get("/api/me/votes?lang=ko").get_json()["votes"]
    assert "집계" in next(v for v in korean if v["vote_id"] == leaked)["excluded_message"]
    assert world.client("other").get("/api/me/votes").get_json() == {"votes": []}

    resp = citizen.post("/api/me/appeals", json={"vote_id": leaked, "note": "이름은 질문에 답한 것"})
    assert resp.status_code == 201
    appeal_id = resp.get_json()["appeal_id"]
    again = citizen.post("/api/me/appeals", json={"vote_id": leaked})
    assert (again.status_code, error_code(again)) == (409, "already_appealed")
    for client, body, status, code in [(citizen, {"vote_id": counted}, 409, "vote_counted"),
                                       (world.client("other"), {"vote_id": leaked}, 404, "vote_not_found"),
                                       (citizen, {"vote_id": "nope"}, 404, "vote_not_found"),
                                       (citizen, {"vote_id": leaked, "note": "가" * 1001}, 422, "invalid_note"),
                                       (citizen, {}, 422, "missing_field")]:
        resp = client.post("/api/me/appeals", json=body)
        assert (resp.status_code, error_code(resp)) == (status, code), body
    mine = {v["vote_id"]: v for v in citizen.get("/api/me/votes").get_json()["votes"]}
    assert mine[leaked]["appeal"] == {"id": appeal_id, "status": "open"} and not mine[leaked]["can_appeal"]
    items = world.client("moderator").get("/api/moderation/queue?source=appeal").get_json()["items"]
    assert [(i["id"], i["votes"][0]["id"]) for i in items] == [(appeal_id, leaked)]


def test_restoring_an_appealed_vote_answers_the_appeal(world):
    vote = world.vote()
    world.act("void_votes", {"vote_id": vote})
    appeal_id = world.client("citizen").post("/api/me/appeals", json={"vote_id": vote}).get_json()["appeal_id"]
    resp = world.act("restore_votes", {"vote_id": vote}, reason="이의 인용")
    assert resp.get_json()["resolved_flags"] == [appeal_id]
    mine = world.client("citizen").get("/api/me/votes").get_json()["votes"]
    assert mine[0]["counted"] and mine[0]["appeal"] == {"id": appeal_id, "status": "actioned"}


# ---------------------------------------------------------------- the audit trail
def test_the_audit_log_lists_moderation_and_cannot_be_edited(world):
    vote = world.vote()
    ids = [world.act("void_votes", {"vote_id": vote}, reason="첫째").get_json()["action_id"],
           world.act("restore_votes", {"vote_id": vote}, reason="둘째").get_json()["action_id"]]
    moderator = world.client("moderator")
    entries = moderator.get("/api/moderation/audit").get_json()["entries"]
    assert [e["id"] for e in entries] == ids[::-1]
    void = entries[1]
    assert (void["actor"], void["action"], void["reason"]) == (f"user:{world.users['moderator']}",
                                                                "moderation.void_votes", "첫째")
    assert void["before"]["votes"] == [{"vote_id": vote, "counted": True, "excluded_reason": None}]
    assert void["after"]["votes"][0]["after"] == {"counted": False, "excluded_reason": "moderation"}
    log_actions = world.db.scalars(select(VoteLogEntry.record).where(VoteLogEntry.vote_id == vote,
                                                                     VoteLogEntry.kind != "cast")).all()
    assert [f"#{ids[0]}" in log_actions[0], f"#{ids[1]}" in log_actions[1]] == [True, True]
    page = moderator.get("/api/moderation/audit?limit=1").get_json()
    assert [e["id"] for e in page["entries"]] == [ids[1]] and page["next_before"] == ids[1]
    assert [e["id"] for e in moderator.get(f"/api/moderation/audit?before={ids[1]}").get_json()["entries"]] == [ids[0]]

    for method in ("put", "patch", "delete"):  # no route edits it
        assert getattr(moderator, method)("/api/moderation/audit").status_code == 405
    for statement in ("UPDATE audit_log SET reason = 'edited'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError):
            world.db.execute(text(statement))
            world.db.flush()
        world.db.rollback()
    assert world.db.get(AuditEntry, ids[0]).reason == "첫째"
