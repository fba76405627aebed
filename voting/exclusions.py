"""Later changes to whether stored votes count: a moderator voids or restores them.

A change is planned under the rounds' write locks (so two moderators acting on one vote cannot both
change it), then applied: the vote row, a record appended to the round's hash-chained log with the
action that made it, and a request that the rating worker rebuild the live board from SQL, all in
the caller's transaction. Restoring undoes only what moderation did: a vote kept out at cast time
by a rule (an identity leak, an answer seen before) stays out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from contest.queries import lock_round_writes
from voting import log_store
from voting.models import EXCLUSION_REASONS, BoardRebuild, Vote

# The reasons a moderator's decision sets, and so the only ones a restore removes.
MODERATION_REASONS = ("moderation", "anomaly", "suspended_user")
# Also voided later, but never restored: a citizen's own declaration of ties to a team.
VOIDABLE_REASONS = MODERATION_REASONS + ("conflict_of_interest",)


@dataclass(frozen=True)
class Change:
    """One vote whose counting changes: its state before and after."""

    vote_id: str
    round_id: str
    user_id: int
    excluded_before: str | None  # the reason it was excluded for, or None when it counted
    excluded_after: str | None

    def as_json(self) -> dict:
        return {"vote_id": self.vote_id, "round": self.round_id, "voter": self.user_id,
                "before": _state(self.excluded_before), "after": _state(self.excluded_after)}


def _state(reason: str | None) -> dict:
    return {"counted": reason is None, "excluded_reason": reason}


def plan_void(session: Session, vote_ids: Iterable[str], reason: str) -> list[Change]:
    """The counted votes among `vote_ids` that voiding for `reason` would exclude (rounds locked)."""
    if reason not in VOIDABLE_REASONS:
        raise ValueError(f"not a reason to void for: {reason!r}")
    return [Change(v.id, v.round_id, v.user_id, None, reason) for v in _locked_votes(session, vote_ids)
            if not v.excluded]


def plan_restore(session: Session, vote_ids: Iterable[str]) -> list[Change]:
    """The votes among `vote_ids` that moderation excluded and a restore would count again (rounds locked)."""
    return [Change(v.id, v.round_id, v.user_id, v.excluded_reason, None) for v in _locked_votes(session, vote_ids)
            if v.excluded and v.excluded_reason in MODERATION_REASONS]


def apply(session: Session, changes: list[Change], now: datetime, action: str) -> None:
    """Write the planned changes: the votes, one log record each naming `action`, one board rebuild request."""
    for change in changes:
        reason = change.excluded_after
        assert reason is None or reason in EXCLUSION_REASONS
        session.execute(update(Vote).where(Vote.id == change.vote_id)
                        .values(excluded=reason is not None, excluded_reason=reason,
                                excluded_at=now if reason else None))
        log_store.append_change(session, change.round_id, change.vote_id, "exclude" if reason else "restore",
                                reason, now, action)
    if changes:
        request_board_rebuild(session, now, action)


def request_board_rebuild(session: Session, now: datetime, reason: str) -> None:
    """Ask the rating worker to rebuild the live board from SQL (it does so within a housekeeping pass)."""
    session.execute(insert(BoardRebuild).values(reason=reason[:80], requested_at=now))


def votes_of(session: Session, user_id: int, start: datetime | None = None, end: datetime | None = None) -> list[str]:
    """The ids of a voter's votes, optionally cast in [start, end), oldest first."""
    stmt = select(Vote.id).where(Vote.user_id == user_id).order_by(Vote.created_at, Vote.id)
    if start is not None:
        stmt = stmt.where(Vote.created_at >= start)
    if end is not None:
        stmt = stmt.where(Vote.created_at < end)
    return list(session.scalars(stmt))


CHUNK = 5000  # ids per IN list: a voter or a ring may have more votes than a statement takes parameters


def chunks(ids: list[str]) -> Iterable[list[str]]:
    """`ids` in lists of at most CHUNK (one IN list each)."""
    return (ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK))


def _locked_votes(session: Session, vote_ids: Iterable[str]) -> list[Vote]:
    """The votes, read after taking each of their rounds' write locks (in a fixed order: no deadlock)."""
    ids = sorted(set(vote_ids))
    if not ids:
        return []
    rounds = sorted({r for chunk in chunks(ids) for r in session.scalars(select(Vote.round_id)
                                                                          .where(Vote.id.in_(chunk)))})
    for round_id in rounds:
        lock_round_writes(session, round_id)
    votes = []
    for chunk in chunks(ids):
        stmt = select(Vote).where(Vote.id.in_(chunk))
        # populate_existing: the votes as they are now that the locks are held, not as this session last saw them
        votes += session.scalars(stmt.execution_options(populate_existing=True))
    return sorted(votes, key=lambda v: (v.created_at, v.id))
