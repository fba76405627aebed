"""The vote log in SQL: appending records (one writer per round at a time) and recording daily roots.

A round's records are appended in the transaction that makes the change (the vote, the exclusion),
so an acknowledged vote always has its record and a refused one has none. The database refuses to
update or delete a record or a root (migration 0004); the checks are in voting.log_audit.

The round's write lock is held from the append to the end of the transaction, and every vote of the
round waits for it: on PostgreSQL the append is one call that takes the lock, then reads the head and
writes the record with its seq and link hash computed by the database, and for a vote reads the round
afresh (`arena_append_log`, migration 0014), so a vote holds the lock for the rest of that call and its
COMMIT only. The hash the database computed is checked against Python's before the transaction may commit.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, NamedTuple

from sqlalchemy import func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.metrics import LOG_HASH_MISMATCH
from contest.models import Round
from contest.queries import lock_round_writes
from voting.log import GENESIS, canonical, cast_record, change_record, link_hash, tstamp, voter_pseudonym
from voting.models import LogRoot, Vote, VoteLogEntry
from voting.queries import VoteTarget, vote_target

log = logging.getLogger("arena.voting.log")

# A day is sealed this long after it ended: a vote stamped just before midnight may still be committing.
SEAL_GRACE = timedelta(minutes=5)


class Head(NamedTuple):
    """A chain's last record: its seq and hash (seq 0 and GENESIS for an empty chain)."""

    seq: int
    hash: str


def lock_round_log(session: Session, round_id: str) -> None:
    """Serialise appends to one round's chain until the transaction ends (the round's write lock,
    shared with closing and publishing: contest.queries.lock_round_writes)."""
    lock_round_writes(session, round_id)


def head(session: Session, round_id: str) -> Head:
    """The round's chain head as this transaction sees it."""
    row = session.execute(select(VoteLogEntry.seq, VoteLogEntry.hash).where(VoteLogEntry.round_id == round_id)
                          .order_by(VoteLogEntry.seq.desc()).limit(1)).first()
    return Head(*row) if row else Head(0, GENESIS)


def append_cast(session: Session, target: VoteTarget, vote_id: str, user_id: int, winner: str, now: datetime,
                excluded_reason: str | None, open_at: datetime | None = None) -> Head | None:
    """Append the cast record of a vote just inserted (take this as late as possible in the transaction).
    With `open_at`, only while the round, read afresh under its write lock, is open at that moment:
    None (nothing appended) when a close or a final snapshot came first; the caller refuses the vote."""
    voter = voter_pseudonym(target.pseudonym_salt, user_id)
    return _append(session, target.round_id, vote_id, "cast", now, lambda seq: cast_record(
        target.round_id, seq, vote_id, voter, target.category, target.model_a.name, target.model_b.name,
        winner, tstamp(now), excluded_reason, model_a_slug=target.model_a.slug, model_b_slug=target.model_b.slug,
        team_a=target.model_a.team_slug, team_b=target.model_b.team_slug), open_at)


def append_change(session: Session, round_id: str, vote_id: str, kind: str, excluded_reason: str | None,
                  now: datetime, action: str | None = None) -> Head:
    """Append a later change to whether a vote counts: kind "exclude" (with a reason) or "restore"."""
    change_record(round_id, 0, vote_id, kind, excluded_reason, tstamp(now), action)  # refuse bad input before locking
    return _append(session, round_id, vote_id, kind, now, lambda seq: change_record(
        round_id, seq, vote_id, kind, excluded_reason, tstamp(now), action))


def _append(session: Session, round_id: str, vote_id: str, kind: str, now: datetime,
            make_record: Callable[[int], dict[str, Any]], open_at: datetime | None = None) -> Head | None:
    if session.get_bind().dialect.name == "postgresql":
        return _append_in_one_call(session, round_id, vote_id, kind, now, make_record, open_at)
    lock_round_log(session, round_id)
    if open_at is not None and not _open_at(session, round_id, open_at):
        return None
    last = head(session, round_id)
    record = canonical(make_record(last.seq + 1))
    new = Head(last.seq + 1, link_hash(last.hash, record))
    session.execute(insert(VoteLogEntry).values(round_id=round_id, seq=new.seq, kind=kind, vote_id=vote_id,
                                                record=record.decode("utf-8"), prev_hash=last.hash,
                                                hash=new.hash, created_at=now))
    return new


def _open_at(session: Session, round_id: str, moment: datetime) -> bool:
    """Whether the round, read now, is open at `moment`."""
    return session.scalar(select(Round.id).where(Round.id == round_id, Round.status == "open",
                                                 Round.opens_at <= moment, Round.closes_at > moment)) is not None


SEQ_KEY = '"seq":'


def record_around_seq(make_record: Callable[[int], dict[str, Any]]) -> tuple[str, str]:
    """A record's canonical text as (before its seq, after it): the seq is the one value the database
    fills in. `"seq":` occurs once, as the key (a quote inside a JSON string is escaped)."""
    text = canonical(make_record(0)).decode("utf-8")
    if text.count(SEQ_KEY + "0") != 1:
        raise ValueError("a record needs exactly one seq")
    before, _, after = text.partition(SEQ_KEY + "0")
    return before + SEQ_KEY, after


def _append_in_one_call(session: Session, round_id: str, vote_id: str, kind: str, now: datetime,
                        make_record: Callable[[int], dict[str, Any]], open_at: datetime | None) -> Head | None:
    """PostgreSQL: `arena_append_log` (migration 0014) takes the round's write lock, then reads the head
    and writes the record at the next seq with its link hash (with `open_at`, only if the round read
    afresh is open then), in one call: the lock is held for the rest of that call and COMMIT only."""
    before, after = record_around_seq(make_record)
    stamp = VoteLogEntry.__table__.c.created_at.type
    call = func.arena_append_log(round_id, vote_id, kind, before, after, literal(now, stamp),
                                 literal(open_at, stamp)).table_valued("out_seq", "out_prev_hash", "out_hash")
    row = session.execute(select(call.c.out_seq, call.c.out_prev_hash, call.c.out_hash)).first()
    if row is None:
        if open_at is None:
            raise LookupError(f"round {round_id} is missing")
        return None
    seq, prev_hash, chained = row
    if chained != link_hash(prev_hash, canonical(make_record(seq))):  # never commit what the verifier calls edited
        LOG_HASH_MISMATCH.labels(round=round_id).inc()
        log.error("vote log: the database's link hash differs from the log's", extra={"round": round_id, "seq": seq})
        raise RuntimeError(f"round {round_id} seq {seq}: the database's link hash differs from the log's")
    return Head(seq, chained)


def backfill_casts(session: Session, round_id: str | None = None) -> int:
    """Append a cast record for every stored vote that has none (votes cast before the log existed),
    oldest first, with the vote's own time and current state. Appends only: a chain already holding
    records keeps them, the backfilled ones follow. Returns how many were appended; the caller commits."""
    logged = select(VoteLogEntry.vote_id).where(VoteLogEntry.kind == "cast")
    stmt = select(Vote).where(Vote.id.not_in(logged)).order_by(Vote.created_at, Vote.id)
    if round_id is not None:
        stmt = stmt.where(Vote.round_id == round_id)
    count = 0
    for vote in session.scalars(stmt).all():
        target = vote_target(session, vote.battle_id)
        if target is None:  # cannot happen while votes reference battles; never invent a record
            raise LookupError(f"vote {vote.id}: its battle is missing")
        append_cast(session, target, vote.id, vote.user_id, vote.winner, vote.created_at,
                    vote.excluded_reason if vote.excluded else None)
        count += 1
    return count


# ---------------------------------------------------------------- daily roots
def seal_roots(session: Session, now: datetime, grace: timedelta = SEAL_GRACE) -> list[LogRoot]:
    """Record the root of every complete UTC day that has records and no root yet, in every round.

    Runs in a transaction of its own (the caller commits). Cheap when there is nothing to seal: a few
    index lookups per round. Another sealer at work (worker, cron, a reader) means nothing is done here.
    """
    if session.get_bind().dialect.name == "postgresql" and not session.scalar(
            select(func.pg_try_advisory_xact_lock(func.hashtextextended("arena-log-seal", 0)))):
        return []
    complete_before = (now - grace).date()
    sealed: list[LogRoot] = []
    try:
        for round_id in session.scalars(select(Round.id).order_by(Round.id)).all():
            sealed += _seal_round(session, round_id, complete_before, now)
        session.flush()
    except IntegrityError:  # SQLite: another sealer recorded the same day first
        session.rollback()
        return []
    return sealed


def _seal_round(session: Session, round_id: str, complete_before: date, now: datetime) -> list[LogRoot]:
    in_round = VoteLogEntry.round_id == round_id
    last = session.execute(select(LogRoot.day, LogRoot.last_seq).where(LogRoot.round_id == round_id)
                           .order_by(LogRoot.day.desc()).limit(1)).first()
    done_day, done_seq = (date.fromisoformat(last[0]), last[1]) if last else (None, 0)
    sealed = []
    while (first := session.scalar(select(VoteLogEntry.created_at).where(in_round, VoteLogEntry.seq == done_seq + 1))):
        # A record stamped before the last sealed day ended (it was still committing) joins the next root.
        day = max(first.date(), done_day + timedelta(days=1)) if done_day else first.date()
        if day >= complete_before:
            break
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=timezone.utc)
        last_seq = session.scalar(select(func.max(VoteLogEntry.seq)).where(
            in_round, VoteLogEntry.seq > done_seq, VoteLogEntry.created_at < end))
        root = session.scalar(select(VoteLogEntry.hash).where(in_round, VoteLogEntry.seq == last_seq))
        sealed.append(LogRoot(round_id=round_id, day=day.isoformat(), last_seq=last_seq, root=root, recorded_at=now))
        session.add(sealed[-1])
        done_day, done_seq = day, last_seq
    return sealed


def roots(session: Session, round_id: str | None = None) -> list[LogRoot]:
    """Recorded daily roots, by round then day."""
    stmt = select(LogRoot).order_by(LogRoot.round_id, LogRoot.day)
    if round_id is not None:
        stmt = stmt.where(LogRoot.round_id == round_id)
    return list(session.scalars(stmt))


def heads(session: Session, round_id: str | None = None) -> list[tuple[str, Head]]:
    """Each round's current chain head (rounds with records only), by round id."""
    ids = [round_id] if round_id is not None else session.scalars(select(Round.id).order_by(Round.id)).all()
    found = [(rid, head(session, rid)) for rid in ids]
    return [(rid, h) for rid, h in found if h.seq]
