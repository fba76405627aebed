"""The moderators' queue (flags, findings, appeals) and the ministry's identity lexicons."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow

FLAG_STATUSES = ("open", "dismissed", "actioned")
FLAG_SOURCES = ("citizen", "detector", "appeal")
ACTIONS = ("void_votes", "restore_votes", "suspend_user", "reinstate_user", "dismiss_flag")


class Flag(Base):
    """One item of the moderators' queue: a citizen's flag on a battle, a detector's finding about a
    voter (or a ring of voters), or a citizen's appeal of one of their votes."""

    __tablename__ = "flags"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'dismissed', 'actioned')", name="status"),
        CheckConstraint("source IN ('citizen', 'detector', 'appeal')", name="source"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 1)", name="score_range"),
        CheckConstraint("source <> 'appeal' OR vote_id IS NOT NULL", name="appeal_names_vote"),
        Index("ix_flags_one_appeal_per_vote", "vote_id", unique=True,
              postgresql_where=text("source = 'appeal'"), sqlite_where=text("source = 'appeal'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    battle_id: Mapped[str | None] = mapped_column(ForeignKey("battles.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: a detector
    source: Mapped[str] = mapped_column(String(40), default="citizen")
    reason: Mapped[str] = mapped_column(String(40))  # a flag's reason, a finding's kind, or "appeal"
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    round_id: Mapped[str | None] = mapped_column(ForeignKey("rounds.id"))
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # the voter concerned
    vote_id: Mapped[str | None] = mapped_column(ForeignKey("votes.id"))  # an appeal's vote
    score: Mapped[float | None] = mapped_column(Float)  # 0..1, how strongly the evidence points to abuse
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    vote_ids: Mapped[list[str] | None] = mapped_column(JSON)  # the votes a finding concerns
    fingerprint: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)  # a finding filed once
    action_id: Mapped[int | None] = mapped_column(ForeignKey("audit_log.id"))  # the action that resolved it


class IdentityLexicon(Base):
    """A version of the identity word list the ministry edited (append-only; the built-in versions
    live in identity_lexicon.json). A round's protocol names the version its checks use."""

    __tablename__ = "identity_lexicons"
    __table_args__ = (CheckConstraint("version > 0", name="positive"),)

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    names: Mapped[list[str]] = mapped_column(JSON)
    probes: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConflictDeclaration(Base):
    """A citizen's declaration of ties to participating teams (empty: none), append-only: the latest one
    holds, and the earlier ones show what was declared when."""

    __tablename__ = "conflict_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    teams: Mapped[list[str]] = mapped_column(JSON)  # team slugs
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
