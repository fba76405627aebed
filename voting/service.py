"""Casting a vote: the rules, the Vote row, its outbox record and its vote-log record in the caller's transaction."""
from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy import insert, literal, select, update
from sqlalchemy.orm import Session

from app.models import User
from contest.models import Battle
from voting import log_store, queries
from voting.queries import Revealed, VoteTarget
from voting.models import WINNERS, Vote, VoteOutbox, new_vote_id
from voting.rating import OUTCOME_OF_WINNER

# A check that may keep a vote out of the ranking: returns an exclusion reason or None.
# Anti-abuse detectors (identity leak, anomalies) plug in here. A check that needs a little data about
# the voter has it read with the battle instead of in a statement of its own: its attribute
# `reads(user_id)` gives labelled SQL expressions (scalar subqueries) added to the vote's one read,
# and the check finds their values in `target.extra` by label.
ExclusionCheck = Callable[[Session, VoteTarget, User], "str | None"]


def target_reads(checks: Sequence[ExclusionCheck], user_id: int) -> list:
    """The labelled expressions `checks` ask to have read with the battle (see ExclusionCheck)."""
    return [column for check in checks for column in getattr(check, "reads", lambda _user_id: ())(user_id)]


class VoteRejected(Exception):
    """The vote cannot be taken; `code` says why (mapped to an HTTP status at the edge)."""

    def __init__(self, code: str, retry_after: int | None = None):
        super().__init__(code)
        self.code = code
        self.retry_after = retry_after


@dataclass(frozen=True)
class VoteCap:
    """At most `amount` stored votes per account and round within any `window` (a moving window)."""

    amount: int
    window: timedelta


@dataclass(frozen=True)
class CastVote:
    """What the voter learns: the stored vote and the two revealed models."""

    vote: Vote
    model_a: Revealed
    model_b: Revealed


def client_hash(secret: str, address: str) -> str:
    """A keyed hash of a client address: votes from one address can be grouped, the address cannot be read."""
    return hmac.new(secret.encode(), f"client-address:{address}".encode(), hashlib.sha256).hexdigest()[:24]


def cast_vote(session: Session, battle_id: str, user: User, winner: str, now: datetime,
              exclusion_checks: Sequence[ExclusionCheck] = (), caps: Sequence[VoteCap] = (),
              client: str | None = None, demo: bool = False) -> CastVote:
    """Store `user`'s vote on the battle (flushed, not committed) or raise VoteRejected.

    `client` is the keyed hash of the client address (`client_hash`), kept for the anomaly detectors;
    `demo` marks a made-up vote of the demo contest (voting.demo).

    The account's votes are serialised until the caller's transaction ends (its voter lock, taken first,
    before the battle is read), so the count of stored votes that decides a cap cannot race, and what the
    battle's read brings for the checks (e.g. the voter's declared conflicts, which are declared under the
    same lock) is as of after any earlier change of the voter's; a refused vote leaves nothing behind.
    The round is read again under its write lock (taken with the log append): a close committed since
    the first read refuses the vote (round_closed) and rolls the transaction back.
    """
    if winner not in WINNERS:
        raise VoteRejected("invalid_winner")
    queries.lock_voter(session, user.id)
    target = queries.vote_target(session, battle_id, target_reads(exclusion_checks, user.id))
    if target is None or target.user_id != user.id:
        raise VoteRejected("battle_not_found")  # someone else's battle looks like no battle
    _check_votable(target, now)
    _check_caps(session, user.id, target.round_id, caps, now)
    reason = next((r for r in (check(session, target, user) for check in exclusion_checks) if r), None)
    fields = dict(id=new_vote_id(), battle_id=target.battle_id, user_id=user.id, round_id=target.round_id,
                  category=target.category, model_a_id=target.model_a_id, model_b_id=target.model_b_id,
                  winner=winner, created_at=now, excluded=reason is not None, excluded_reason=reason,
                  excluded_at=now if reason else None, client_hash=client, prompt_lang=target.prompt_lang,
                  is_demo=demo)
    try:
        _store(session, fields, now)
    except IntegrityError as exc:  # a concurrent duplicate lost the race on the unique constraint
        session.rollback()
        raise VoteRejected("already_voted") from exc
    # Last: appending serialises the round's votes until commit, so the lock is held as briefly as can be.
    appended = log_store.append_cast(session, target, fields["id"], user.id, winner, now, reason, open_at=now)
    _check_still_open(session, appended)
    return CastVote(vote=Vote(**fields), model_a=target.model_a, model_b=target.model_b)


def _store(session: Session, fields: dict, now: datetime) -> None:
    """The vote's three writes: the Vote row, its outbox record and the battle marked voted. Core statements
    (none of the unit-of-work bookkeeping on the hot path); on PostgreSQL one statement, the first two
    writes as data-modifying CTEs (the foreign key of the outbox record is checked at its end, the vote
    row there), so one round trip; elsewhere three."""
    vote = insert(Vote).values(**fields)
    outbox = dict(event="cast", created_at=now, attempts=0)
    mark = update(Battle).where(Battle.id == fields["battle_id"]).values(status="voted")
    if session.get_bind().dialect.name != "postgresql":
        session.execute(vote)
        session.execute(insert(VoteOutbox).values(vote_id=fields["id"], **outbox))
        session.execute(mark)
        return
    stored = vote.returning(Vote.id).cte("stored_vote")
    columns = VoteOutbox.__table__.c
    queued = insert(VoteOutbox).from_select(
        ["vote_id", *outbox], select(stored.c.id, *(literal(v, columns[k].type) for k, v in outbox.items()))
    ).cte("queued_vote")
    result = session.execute(mark.add_cte(stored, queued).returning(Battle.id))
    if result.scalar_one_or_none() is None:  # the battle row was read under its lock: it cannot be missing
        raise RuntimeError(f"battle {fields['battle_id']} vanished while its vote was stored")


def _check_votable(target: VoteTarget, now: datetime) -> None:
    if target.status == "voted":
        raise VoteRejected("already_voted")
    if target.status == "voided":
        raise VoteRejected("battle_voided")
    if target.status != "ready":
        raise VoteRejected("battle_not_ready")
    if not (target.round_status == "open" and target.opens_at <= now < target.closes_at):
        raise VoteRejected("round_closed")


def _check_still_open(session: Session, appended: log_store.Head | None) -> None:
    """The append read the round afresh under its write lock (and appended nothing if it was no longer
    open): a close or a final snapshot committed since the first read refuses the vote, and everything
    it wrote is rolled back."""
    if appended is None:
        session.rollback()
        raise VoteRejected("round_closed")


def _check_caps(session: Session, user_id: int, round_id: str, caps: Sequence[VoteCap], now: datetime) -> None:
    if not caps:  # the voter's lock is held already (cast_vote)
        return
    waits = []
    for cap in caps:
        recent = queries.recent_vote_times(session, user_id, round_id, now - cap.window, cap.amount)
        if len(recent) >= cap.amount:  # a slot frees when the oldest of these leaves the window
            waits.append((recent[-1] + cap.window - now if recent else cap.window).total_seconds())
    if waits:  # every full cap must have a free slot again
        raise VoteRejected("daily_cap", retry_after=max(1, math.ceil(max(waits))))


def vote_quota(session: Session, user_id: int, round_id: str | None, caps: Sequence[VoteCap],
               now: datetime) -> tuple[int, int]:
    """(stored votes counted against the first cap in the round, that cap's amount); (0, 0) without caps."""
    if not caps:
        return 0, 0
    cap = caps[0]
    if round_id is None:
        return 0, cap.amount
    return len(queries.recent_vote_times(session, user_id, round_id, now - cap.window, cap.amount)), cap.amount


def vote_event(vote: Vote) -> dict[str, str]:
    """The stream message of a stored vote (everything the live board needs)."""
    return {"event": "cast", "vote_id": vote.id, "round_id": vote.round_id, "category": vote.category,
            "a": str(vote.model_a_id), "b": str(vote.model_b_id),
            "outcome": str(OUTCOME_OF_WINNER[vote.winner]), "counted": "0" if vote.excluded else "1",
            "prompt_lang": vote.prompt_lang or ""}
