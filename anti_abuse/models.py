"""Flags raised by citizens or detectors, and the moderation audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow

FLAG_STATUSES = ("open", "dismissed", "actioned")
ACTIONS = ("void_votes", "restore_votes", "suspend_user", "reinstate_user", "dismiss_flag")


class Flag(Base):
    __tablename__ = "flags"
    __table_args__ = (CheckConstraint("status IN ('open', 'dismissed', 'actioned')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    battle_id: Mapped[str | None] = mapped_column(ForeignKey("battles.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: a detector
    source: Mapped[str] = mapped_column(String(40), default="citizen")
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ModerationAction(Base):
    """Append-only audit log of moderation and administration."""

    __tablename__ = "moderation_actions"
    __table_args__ = (
        CheckConstraint(
            "action IN ('void_votes', 'restore_votes', 'suspend_user', 'reinstate_user', 'dismiss_flag')",
            name="action",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
