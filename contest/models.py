"""What is compared: teams, models (entrants), rounds, prompts, the response bank, battles."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from app.db import Base, UTCDateTime, utcnow

ROUND_STATUSES = ("draft", "open", "closed", "published")
BATTLE_STATUSES = ("answering", "ready", "voided", "voted")
# Round ids, category names and panel slugs: lowercase letters, digits, "-" and "_".
SLUG = r"^[a-z0-9][a-z0-9_-]*$"


def new_salt() -> str:
    """A fresh secret for a round's voter pseudonyms (256 bits)."""
    return secrets.token_hex(32)


def new_battle_id() -> str:
    """Unguessable battle id (128 bits)."""
    return secrets.token_urlsafe(16)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_ko: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    models: Mapped[list[Model]] = relationship(back_populates="team")


class Model(Base):
    """An entrant. `backend` is e.g. {"kind": "bank"} or {"kind": "openai", "base_url": ..., ...}."""

    __tablename__ = "models"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(120))
    version: Mapped[str] = mapped_column(String(60))
    backend: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    outage_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship(back_populates="models", lazy="joined")


class Round(Base):
    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'open', 'closed', 'published')", name="status"),
        CheckConstraint("closes_at > opens_at", name="window"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))  # shown in English; the Korean title when empty
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Whether citizens may write their own prompts (and follow-ups); frozen with the protocol.
    free_prompts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The rating protocol (contest.protocol); the version in force, 0 while still a draft.
    protocol: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    protocol_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Secret key of the round's pseudonymous voter ids in the public release; never shown.
    pseudonym_salt: Mapped[str] = mapped_column(String(64), default=new_salt)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    roster: Mapped[list[RoundModel]] = relationship(
        back_populates="round", cascade="all, delete-orphan", lazy="selectin"
    )

    def is_open(self, now: datetime) -> bool:
        """Open for battles and votes at `now`."""
        return self.status == "open" and self.opens_at <= now < self.closes_at


class RoundModel(Base):
    """The roster: which models compete in a round."""

    __tablename__ = "round_models"
    __table_args__ = (UniqueConstraint("round_id", "model_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)

    round: Mapped[Round] = relationship(back_populates="roster")
    model: Mapped[Model] = relationship(lazy="joined")


class RoundProtocol(Base):
    """One version of a round's frozen terms: protocol, categories, roster and free prompts.

    Version 1 is written when the round opens; each later version needs a reason and is public.
    Append-only: the database refuses UPDATE and DELETE (migration 0004).
    """

    __tablename__ = "round_protocols"
    __table_args__ = (UniqueConstraint("round_id", "version"), CheckConstraint("version >= 1", name="version"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"))
    version: Mapped[int] = mapped_column(Integer)
    protocol: Mapped[dict[str, Any]] = mapped_column(JSON)
    categories: Mapped[list[str]] = mapped_column(JSON)
    roster: Mapped[list[str]] = mapped_column(JSON)  # model slugs
    free_prompts: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Prompt(Base):
    """A curated prompt of the pool."""

    __tablename__ = "prompts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(40), index=True)
    text: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BankAnswer(Base):
    """One of several answers (samples) per prompt per model, imported from JSON Lines.

    Several samples per pair, drawn at random per battle, keep one reveal from naming a model's
    answer text for good.
    """

    __tablename__ = "bank_answers"
    __table_args__ = (
        UniqueConstraint("prompt_id", "model_id", "sample"),
        CheckConstraint("sample >= 1", name="sample_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prompt_id: Mapped[str] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"))
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    sample: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    text: Mapped[str] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Battle(Base):
    """A blind comparison. Sides live only here until the vote is stored."""

    __tablename__ = "battles"
    __table_args__ = (
        CheckConstraint("status IN ('answering', 'ready', 'voided', 'voted')", name="status"),
        CheckConstraint("model_a_id <> model_b_id", name="distinct_models"),
        Index("ix_battles_round_category", "round_id", "category"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, default=new_battle_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"))
    category: Mapped[str] = mapped_column(String(40))
    model_a_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    model_b_id: Mapped[int] = mapped_column(ForeignKey("models.id"))
    prompt_id: Mapped[str | None] = mapped_column(ForeignKey("prompts.id"))
    status: Mapped[str] = mapped_column(String(16), default="answering")
    void_reason: Mapped[str | None] = mapped_column(String(40))
    # Probability this ordered pair was drawn (for inverse-propensity weighting).
    pair_propensity: Mapped[float | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    model_a: Mapped[Model] = relationship(foreign_keys=[model_a_id])
    model_b: Mapped[Model] = relationship(foreign_keys=[model_b_id])
    turns: Mapped[list[BattleTurn]] = relationship(
        back_populates="battle", cascade="all, delete-orphan", order_by="BattleTurn.turn_no"
    )


class ExposureCount(Base):
    """How many battles a round showed per category and ordered pair (voided ones included: they were
    shown). Kept by a trigger on `battles` (migration 0009) in the inserting transaction, whoever inserts,
    so pair sampling reads a few rows instead of grouping the round's battles on every start."""

    __tablename__ = "round_exposure"
    __table_args__ = (CheckConstraint("battles >= 0", name="battles_not_negative"),)

    round_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    model_a_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    model_b_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    battles: Mapped[int] = mapped_column(Integer)


class BattleTurn(Base):
    """One prompt and both answers, with the timings the anomaly detectors need."""

    __tablename__ = "battle_turns"
    __table_args__ = (UniqueConstraint("battle_id", "turn_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    battle_id: Mapped[str] = mapped_column(ForeignKey("battles.id", ondelete="CASCADE"))
    turn_no: Mapped[int] = mapped_column(Integer)
    prompt_text: Mapped[str] = mapped_column(Text)
    answer_a: Mapped[str | None] = mapped_column(Text)
    answer_b: Mapped[str | None] = mapped_column(Text)
    error_a: Mapped[str | None] = mapped_column(String(40))  # code only; raw text never shown
    error_b: Mapped[str | None] = mapped_column(String(40))
    latency_a_ms: Mapped[int | None] = mapped_column(Integer)
    latency_b_ms: Mapped[int | None] = mapped_column(Integer)
    first_token_a_ms: Mapped[int | None] = mapped_column(Integer)
    first_token_b_ms: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    battle: Mapped[Battle] = relationship(back_populates="turns")


# The citizen panel's tables live in their own module; imported here so they are on the metadata.
from contest import panel_models  # noqa: E402,F401
