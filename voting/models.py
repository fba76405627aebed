"""What citizens said: votes, the publish outbox, published snapshots."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from contest.models import Battle

WINNERS = ("a", "b", "tie", "bothbad")
# Exclusion reason codes; a vote with a reason never enters the ranking.
EXCLUSION_REASONS = ("identity_leak", "answer_seen", "moderation", "anomaly", "suspended_user", "backend_error")


def new_vote_id() -> str:
    return uuid.uuid4().hex


class Vote(Base):
    """One per battle, enforced by the schema. Model ids are copied for fast rating rebuilds."""

    __tablename__ = "votes"
    __table_args__ = (
        CheckConstraint("winner IN ('a', 'b', 'tie', 'bothbad')", name="winner"),
        CheckConstraint("model_a_id <> model_b_id", name="distinct_models"),
        CheckConstraint("(excluded = false) OR (excluded_reason IS NOT NULL)", name="excluded_has_reason"),
        Index("ix_votes_round_category", "round_id", "category"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_vote_id)
    battle_id: Mapped[str] = mapped_column(ForeignKey("battles.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"))
    category: Mapped[str] = mapped_column(String(40))
    model_a_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    model_b_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    winner: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    excluded_reason: Mapped[str | None] = mapped_column(String(40))
    excluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    battle: Mapped[Battle] = relationship()


class VoteOutbox(Base):
    """Written in the vote's transaction; published_at set once the worker applied the vote to the live board.

    Until then the relay republishes it (duplicates are harmless: applying is idempotent by vote id).
    """

    __tablename__ = "vote_outbox"
    __table_args__ = (
        Index("ix_vote_outbox_unpublished", "published_at"),
        # The oldest vote still waiting for the live board, read on every board, /readyz and scrape:
        # a partial index stays small however long a worker outage lets the backlog grow.
        Index("ix_vote_outbox_waiting", "created_at", postgresql_where=text("published_at IS NULL"),
              sqlite_where=text("published_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[str] = mapped_column(ForeignKey("votes.id"), unique=True)
    event: Mapped[str] = mapped_column(String(16), default="cast")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class Snapshot(Base):
    """A published, frozen leaderboard."""

    __tablename__ = "snapshots"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"))
    category: Mapped[str | None] = mapped_column(String(40))
    method: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    results: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    vote_count: Mapped[int] = mapped_column(Integer)
    vote_set_sha256: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notes: Mapped[str | None] = mapped_column(Text)
