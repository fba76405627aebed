"""What citizens said: votes, the publish outbox, published snapshots."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint, false, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from contest.models import Battle

WINNERS = ("a", "b", "tie", "bothbad")
# Exclusion reason codes; a vote with a reason never enters the ranking.
EXCLUSION_REASONS = ("identity_leak", "answer_seen", "moderation", "anomaly", "suspended_user", "backend_error",
                     "conflict_of_interest")


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
        # The excluded votes of a round, read for the public exclusion statistics: a small index.
        Index("ix_votes_round_excluded", "round_id", postgresql_where=text("excluded"),
              sqlite_where=text("excluded = 1")),
        # Whether a round holds demo votes (the board says so): a small index, empty outside the demo.
        Index("ix_votes_round_demo", "round_id", postgresql_where=text("is_demo"), sqlite_where=text("is_demo = 1")),
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
    # A keyed hash of the client address (never the address): which votes came from one address.
    client_hash: Mapped[str | None] = mapped_column(String(24), index=True)
    # The prompt's language (voting.prompt_language: "ko", "en" or "other"), decided when the vote is stored.
    prompt_lang: Mapped[str | None] = mapped_column(String(8))
    # A vote of the demo contest's made-up voters (`make run`), not a citizen's.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

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


class VoteLogEntry(Base):
    """One record of a round's hash-chained vote log: a cast vote, or a later change to whether it counts.

    `record` is the canonical JSON (voting.log.canonical); `hash` = SHA-256 over the previous
    record's hash and this record. Appended in the vote's (or the change's) transaction, one writer
    per round at a time; the database refuses UPDATE and DELETE (migration 0004).
    """

    __tablename__ = "vote_log"
    __table_args__ = (
        UniqueConstraint("round_id", "seq"),
        CheckConstraint("kind IN ('cast', 'exclude', 'restore')", name="kind"),
        CheckConstraint("seq >= 1", name="seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    vote_id: Mapped[str] = mapped_column(ForeignKey("votes.id"), index=True)
    record: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LogRoot(Base):
    """A round's chain head at the end of a UTC day, recorded once and shown publicly."""

    __tablename__ = "log_roots"
    __table_args__ = (UniqueConstraint("round_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"))
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD (UTC)
    last_seq: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Snapshot(Base):
    """A published, frozen leaderboard. Immutable: the database refuses UPDATE and DELETE."""

    __tablename__ = "snapshots"
    # A round's snapshots form one line: each correction names the latest, and no snapshot is corrected twice.
    __table_args__ = (Index("ix_snapshots_supersedes_id", "supersedes_id", unique=True),)

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
    # A correction names the snapshot it supersedes; the old one stays as it was.
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("snapshots.id"))
    protocol_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    protocol: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    code_version: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # The vote set is the round's log up to and including this record.
    log_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    log_head: Mapped[str] = mapped_column(String(64), default="", server_default="")
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # exposure, exclusions


RELEASE_FILES = ("votes.jsonl", "log.jsonl")


class SnapshotFile(Base):
    """A file of a snapshot's public release, stored at publication exactly as served (gzip-compressed in
    `data`; `sha256` and `size` are of the file itself). Append-only, like the snapshot (migration 0005)."""

    __tablename__ = "snapshot_files"
    __table_args__ = (CheckConstraint("name IN ('votes.jsonl', 'log.jsonl')", name="name"),)

    snapshot_id: Mapped[str] = mapped_column(ForeignKey("snapshots.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BoardRebuild(Base):
    """A request, written in a moderation action's transaction, that the rating worker rebuild the live
    board from SQL (voiding and restoring change votes the board already applied)."""

    __tablename__ = "board_rebuilds"
    __table_args__ = (Index("ix_board_rebuilds_waiting", "requested_at", postgresql_where=text("done_at IS NULL"),
                            sqlite_where=text("done_at IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BattleShare(Base):
    """A read-only public link to one voted battle, made by its owner on request (nothing is shared by
    default). At most one link per battle; revoking deletes it, and a new link gets a new token."""

    __tablename__ = "battle_shares"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)  # unguessable (secrets.token_urlsafe)
    battle_id: Mapped[str] = mapped_column(ForeignKey("battles.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VoteStyle(Base):
    """Each side's answer style in a voted battle (voting.style.conversation_style, summed over its turns):
    the style-controlled board's covariates, computed once from the stored answers instead of per board."""

    __tablename__ = "vote_styles"

    vote_id: Mapped[str] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True)
    tokens_a: Mapped[int] = mapped_column(Integer)
    headers_a: Mapped[int] = mapped_column(Integer)
    lists_a: Mapped[int] = mapped_column(Integer)
    bold_a: Mapped[int] = mapped_column(Integer)
    tokens_b: Mapped[int] = mapped_column(Integer)
    headers_b: Mapped[int] = mapped_column(Integer)
    lists_b: Mapped[int] = mapped_column(Integer)
    bold_b: Mapped[int] = mapped_column(Integer)
