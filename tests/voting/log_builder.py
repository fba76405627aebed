"""Test builders for votes with their hash-chain records, written with voting/log.py as cast_vote does.

The votes are stored rows (not cast through the route), so no other path logs them a second time.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import select

from app.db import utcnow
from contest.models import Model
from tests.builders import make_battle
from voting.leaderboard import model_name
from voting.log import GENESIS, canonical, cast_record, change_record, link_hash, voter_pseudonym
from voting.models import Vote, VoteLogEntry


def rfc3339(moment: datetime) -> str:
    """The log's timestamp form: RFC 3339 UTC with microseconds and "Z"."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append_record(session, round_id: str, kind: str, vote_id: str,
                  build: Callable[[int], dict[str, Any]]) -> VoteLogEntry:
    """Append the next record of the round's chain; `build(seq)` makes the record."""
    last = session.scalars(select(VoteLogEntry).where(VoteLogEntry.round_id == round_id)
                           .order_by(VoteLogEntry.seq.desc()).limit(1)).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    data = canonical(build(seq))
    entry = VoteLogEntry(round_id=round_id, seq=seq, kind=kind, vote_id=vote_id, record=data.decode("utf-8"),
                         prev_hash=prev, hash=link_hash(prev, data))
    session.add(entry)
    session.flush()
    return entry


def make_logged_vote(session, round_, user, a_index: int, b_index: int, winner: str,
                     excluded_reason: str | None = None) -> Vote:
    """A stored vote on a new battle of `user`, and its cast record."""
    battle = make_battle(session, user, round_, a_index, b_index)
    now = utcnow()
    vote = Vote(battle_id=battle.id, user_id=user.id, round_id=round_.id, category=battle.category,
                model_a_id=battle.model_a_id, model_b_id=battle.model_b_id, winner=winner, created_at=now,
                excluded=excluded_reason is not None, excluded_reason=excluded_reason,
                excluded_at=now if excluded_reason else None)
    session.add(vote)
    session.flush()
    a, b = session.get(Model, vote.model_a_id), session.get(Model, vote.model_b_id)
    voter = voter_pseudonym(round_.pseudonym_salt, user.id)
    append_record(session, round_.id, "cast", vote.id, lambda seq: cast_record(
        round_.id, seq, vote.id, voter, vote.category, model_name(a), model_name(b), winner, rfc3339(now),
        excluded_reason, model_a_slug=a.slug, model_b_slug=b.slug, team_a=a.team.slug, team_b=b.team.slug))
    return vote


def log_change(session, vote: Vote, kind: str, excluded_reason: str | None, action: str | None = None) -> VoteLogEntry:
    """A later exclusion or restoration of a vote, appended to its round's chain."""
    now = utcnow()
    vote.excluded, vote.excluded_reason = kind == "exclude", excluded_reason
    return append_record(session, vote.round_id, kind, vote.id, lambda seq: change_record(
        vote.round_id, seq, vote.id, kind, excluded_reason, rfc3339(now), action))
