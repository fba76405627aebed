"""Races on PostgreSQL: two moderators voiding one vote, a citizen appealing twice at once.

The first transaction is held open until the second is seen waiting on a lock (pg_locks), so the
test exercises the race itself rather than two requests that happened not to overlap.
"""
from __future__ import annotations

import threading
import time

from sqlalchemy import func, select, text

from anti_abuse import moderation
from anti_abuse.models import Flag
from app.db import new_session, utcnow
from app.models import AuditEntry, User
from voting.log_audit import verify_round
from voting.models import VoteLogEntry



def session_of(world):
    with world.app.app_context():
        return new_session()


def wait_until_blocked(world, deadline_s: float = 20.0) -> None:
    """Until some backend of this database waits for a lock (the second transaction reached it)."""
    probe = session_of(world)
    try:
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            waiting = probe.scalar(text("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                                        "WHERE NOT l.granted AND a.datname = current_database()"))
            probe.rollback()
            if waiting:
                return
            time.sleep(0.02)
        raise AssertionError("the second transaction never waited for a lock")
    finally:
        probe.close()


def in_thread(work) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = work()
        except Exception as exc:  # handed to the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_two_moderators_voiding_one_vote_make_one_change_and_one_log_record(pg_world):
    world = pg_world
    vote = world.vote()
    first, second = session_of(world), session_of(world)

    done = moderation.act(first, first.get(User, world.users["moderator"]), "void_votes", {"vote_id": vote},
                          "첫 검토자", utcnow())  # holds the round's write lock until it commits

    def void_again():
        try:
            result = moderation.act(second, second.get(User, world.users["moderator2"]), "void_votes",
                                    {"vote_id": vote}, "둘째 검토자", utcnow())
            second.commit()
            return result
        finally:
            second.close()

    thread, outcome = in_thread(void_again)
    wait_until_blocked(world)
    first.commit()
    first.close()
    thread.join(30)
    assert "error" not in outcome, outcome.get("error")
    assert (done.affected_votes, outcome["value"].affected_votes) == (1, 0)
    world.db.expire_all()
    records = world.db.scalar(select(func.count()).select_from(VoteLogEntry)
                              .where(VoteLogEntry.vote_id == vote, VoteLogEntry.kind == "exclude"))
    assert records == 1
    assert world.db.scalar(select(func.count()).select_from(AuditEntry)) == 2  # both decisions are on record
    assert verify_round(world.db, world.round_id).problems == []


def test_an_appeal_raced_twice_is_stored_once(pg_world):
    world = pg_world
    vote = world.vote(answer_a="저는 EXAONE입니다.")
    first, second = session_of(world), session_of(world)
    moderation.appeal(first, first.get(User, world.users["citizen"]), vote, "첫 번째", utcnow())

    def appeal_again():
        try:
            return moderation.appeal(second, second.get(User, world.users["citizen"]), vote, "두 번째", utcnow())
        finally:
            second.rollback()
            second.close()

    thread, outcome = in_thread(appeal_again)  # its check sees no appeal yet; its insert waits on the index
    wait_until_blocked(world)
    first.commit()
    first.close()
    thread.join(30)
    error = outcome.get("error")
    assert isinstance(error, moderation.ModerationError) and (error.code, error.status) == ("already_appealed", 409)
    world.db.expire_all()
    assert world.db.scalars(select(Flag.note).where(Flag.source == "appeal")).all() == ["첫 번째"]
