"""Accounts: users, their roles, OAuth identities, consents, server-side web sessions; the ministry's notices."""
from __future__ import annotations

from datetime import datetime

from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow

ROLES = ("citizen", "moderator", "ministry")
STAFF_ROLES = ("moderator", "ministry")
# What a citizen is asked at first login (app/consent.py): two required consents, one optional, one confirmation.
CONSENT_ITEMS = ("privacy", "terms", "release", "age_14")


class User(Base):
    __tablename__ = "users"
    # 'deleted': the citizen deleted the account; the row stays, emptied, so their votes stay anonymous records.
    __table_args__ = (CheckConstraint("status IN ('active', 'suspended', 'deleted')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The display name's confusable skeleton (anti_abuse.names), unique: look-alike names are one name.
    display_key: Mapped[str | None] = mapped_column(String(80), index=True, unique=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    identities: Mapped[list[OAuthIdentity]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def role_names(self) -> list[str]:
        """Every user is a citizen; moderator and ministry are granted."""
        return sorted({"citizen", *(r.role for r in self.roles)})

    def has_role(self, role: str) -> bool:
        return role in self.role_names

    @property
    def is_staff(self) -> bool:
        """A moderator or the ministry: sees answers beside their models, never rules on itself."""
        return any(self.has_role(role) for role in STAFF_ROLES)

    @property
    def is_active(self) -> bool:
        return self.status == "active"


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint("role IN ('moderator', 'ministry')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by: Mapped[str | None] = mapped_column(String(80))

    user: Mapped[User] = relationship(back_populates="roles")


class OAuthIdentity(Base):
    """One external account; (provider, subject) is the key, never the e-mail."""

    __tablename__ = "oauth_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="identities")


class UserConsent(Base):
    """One decision of a citizen on one consent item, with its time and the policy version it answered.

    Append-only history: a change is a new row; the newest row per item is in force.
    """

    __tablename__ = "user_consents"
    __table_args__ = (
        CheckConstraint("item IN ('privacy', 'terms', 'release', 'age_14')", name="item"),
        Index("ix_user_consents_user_item", "user_id", "item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool] = mapped_column(Boolean)
    policy_version: Mapped[str] = mapped_column(String(20))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notice(Base):
    """A notice (공지사항) the ministry posts from its console; public while `published`."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_published_at", "published", "posted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_ko: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    body_ko: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class WebSession(Base):
    """Server-side session; the cookie carries only the random id. Deleting rows logs out."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_expires_at", "expires_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie value
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """The append-only audit log of administration and moderation: who, what, when, before/after.

    The database refuses UPDATE and DELETE on this table (triggers, migration 0004).
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor: Mapped[str] = mapped_column(String(80))  # "user:<id>" or "cli:<login>"
    action: Mapped[str] = mapped_column(String(60))  # e.g. "team.create", "round.open"
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
