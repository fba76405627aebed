"""The citizen panel: a stratified panel per round, its invitations, members and pre-drawn assignments.

A panel is recruited by a survey firm to quotas (targets per level of each dimension, e.g. 100 per age
band) and weighted afterwards to the population's margins (voting.panel_maths). A member joins by
redeeming a single-use invitation code; the stratum is the invitation's, never self-declared. Only a
hash of each code is stored, so the table cannot be read back into working codes.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class Panel(Base):
    """One round's panel: its strata, the population margins it is weighted to, targets and terms."""

    __tablename__ = "panels"
    __table_args__ = (
        CheckConstraint("quota > 0", name="quota_positive"),
        CheckConstraint("trim_low > 0 AND trim_low <= 1 AND trim_high >= 1", name="trim_bounds"),
        CheckConstraint("max_points > 0", name="points_positive"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"), index=True)
    strata: Mapped[dict[str, Any]] = mapped_column(JSON)  # dimension -> [levels], in order
    margins: Mapped[dict[str, Any]] = mapped_column(JSON)  # dimension -> {level: population share}
    targets: Mapped[dict[str, Any]] = mapped_column(JSON)  # dimension -> {level: members to recruit}
    quota: Mapped[int] = mapped_column(Integer)  # assigned battles per member
    trim_low: Mapped[float] = mapped_column(Float)  # weights trimmed to [low, high] x the mean
    trim_high: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)  # the user evaluation's share of the stage's points
    seed: Mapped[int] = mapped_column(Integer)  # the report's bootstrap (the assignments use secret randomness)
    deck: Mapped[list[Any] | None] = mapped_column(JSON)  # the rest of the current block of cells to deal
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PanelInvitation(Base):
    """A single-use code (stored as its SHA-256) for one stratum; redeemed once, or revoked."""

    __tablename__ = "panel_invitations"
    __table_args__ = (
        CheckConstraint("redeemed_at IS NULL OR revoked_at IS NULL", name="redeemed_or_revoked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[str] = mapped_column(ForeignKey("panels.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    stratum: Mapped[dict[str, Any]] = mapped_column(JSON)  # dimension -> level
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PanelMember(Base):
    """A citizen on a panel, with the stratum of the invitation redeemed; `seq` orders members (the
    assignments tile the pairs and categories in that order)."""

    __tablename__ = "panel_members"
    __table_args__ = (
        UniqueConstraint("panel_id", "user_id"),
        UniqueConstraint("panel_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[str] = mapped_column(ForeignKey("panels.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("panel_invitations.id"), unique=True)
    seq: Mapped[int] = mapped_column(Integer)
    stratum: Mapped[dict[str, Any]] = mapped_column(JSON)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PanelAssignment(Base):
    """One pre-drawn battle of a member's sequence: the prompt and the ordered pair; the battle once started."""

    __tablename__ = "panel_assignments"
    __table_args__ = (
        UniqueConstraint("member_id", "position"),
        CheckConstraint("model_a_id <> model_b_id", name="distinct_models"),
        Index("ix_panel_assignments_battle", "battle_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("panel_members.id"))
    position: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(40))
    prompt_id: Mapped[str] = mapped_column(ForeignKey("prompts.id"))
    model_a_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    model_b_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    battle_id: Mapped[str | None] = mapped_column(ForeignKey("battles.id"))
