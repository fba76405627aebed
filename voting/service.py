"""Casting a vote: the rules, the Vote row and its outbox record in the caller's transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy import insert, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.models import User
from contest.models import Battle, Model, Round
from voting import queries
from voting.models import WINNERS, Vote, VoteOutbox, new_vote_id
from voting.rating import OUTCOME_OF_WINNER

# A check that may keep a vote out of the ranking: returns an exclusion reason or None.
# Anti-abuse detectors (identity leak, anomalies) plug in here.
ExclusionCheck = Callable[[Session, Battle, User], "str | None"]


class VoteRejected(Exception):
    """The vote cannot be taken; `code` says why (mapped to an HTTP status at the edge)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CastVote:
    """What the voter learns: the stored vote and the two revealed models."""

    vote: Vote
    model_a: Model
    model_b: Model


def cast_vote(session: Session, battle_id: str, user: User, winner: str, now: datetime,
              exclusion_checks: Sequence[ExclusionCheck] = ()) -> CastVote:
    """Store `user`'s vote on the battle (flushed, not committed) or raise VoteRejected."""
    if winner not in WINNERS:
        raise VoteRejected("invalid_winner")
    found = queries.battle_for_vote(session, battle_id)
    if found is None or found[0].user_id != user.id:
        raise VoteRejected("battle_not_found")  # someone else's battle looks like no battle
    battle, round_ = found
    _check_votable(battle, round_, now)
    reason = next((r for r in (check(session, battle, user) for check in exclusion_checks) if r), None)
    fields = dict(id=new_vote_id(), battle_id=battle.id, user_id=user.id, round_id=battle.round_id,
                  category=battle.category, model_a_id=battle.model_a_id, model_b_id=battle.model_b_id,
                  winner=winner, created_at=now, excluded=reason is not None, excluded_reason=reason,
                  excluded_at=now if reason else None)
    # Core statements: three plain round trips, none of the unit-of-work bookkeeping on the hot path.
    try:
        session.execute(insert(Vote).values(**fields))
    except IntegrityError as exc:  # a concurrent duplicate lost the race on the unique constraint
        session.rollback()
        raise VoteRejected("already_voted") from exc
    session.execute(insert(VoteOutbox).values(vote_id=fields["id"], event="cast", created_at=now, attempts=0))
    session.execute(update(Battle).where(Battle.id == battle.id).values(status="voted"))
    set_committed_value(battle, "status", "voted")
    vote = Vote(**fields)
    return CastVote(vote=vote, model_a=battle.model_a, model_b=battle.model_b)


def _check_votable(battle: Battle, round_: Round, now: datetime) -> None:
    if battle.status == "voted":
        raise VoteRejected("already_voted")
    if battle.status == "voided":
        raise VoteRejected("battle_voided")
    if battle.status != "ready":
        raise VoteRejected("battle_not_ready")
    if not round_.is_open(now):
        raise VoteRejected("round_closed")


def vote_event(vote: Vote) -> dict[str, str]:
    """The stream message of a stored vote (everything the live board needs)."""
    return {"event": "cast", "vote_id": vote.id, "round_id": vote.round_id, "category": vote.category,
            "a": str(vote.model_a_id), "b": str(vote.model_b_id),
            "outcome": str(OUTCOME_OF_WINNER[vote.winner]), "counted": "0" if vote.excluded else "1"}
