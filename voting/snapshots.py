"""Publishing frozen snapshots of a round: the release, its hash, the board, provenance. No Flask.

A snapshot is inserted once, complete, and never changed (the database refuses UPDATE and DELETE);
a correction is a new snapshot naming the one it supersedes ("superseded_by" is found on read).
"""
from __future__ import annotations

import gzip
import json
import os
import secrets
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Mapping

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import record_change
from app.models import User
from contest.models import Round
from contest.protocol import normalise_protocol
from contest.reports import exposure_report
from voting import log_store
from voting.log import tstamp
from voting.models import Snapshot, Vote, VoteLogEntry
from voting.release import LogLine, ReleaseMismatch, check_chain, jsonl, replay, sha256_hex, vote_stats
from voting.release_board import settings_from_protocol
from voting.snapshot_board import published_board
from voting.snapshot_store import file_gzip, file_info, latest_snapshot, lock_for_publication, store_release_files
from voting.style_release import with_styles
from voting.style_store import fill_missing, round_styles
from voting.snapshot_views import snapshot_json

ROOT = Path(__file__).resolve().parents[1]


class SnapshotRefused(Exception):
    """A publication that cannot be made; `code` is the API error code."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def detect_code_version(environ: Mapping[str, str] = os.environ, root: Path = ROOT) -> str:
    """ARENA_CODE_VERSION, else the checkout's `git rev-parse HEAD` ("-dirty" after it when tracked files
    differ from that commit: it is not the code that runs), else "unknown" (read once at start)."""
    if environ.get("ARENA_CODE_VERSION"):
        return environ["ARENA_CODE_VERSION"][:64]
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        head = out.stdout.strip()
        if out.returncode != 0 or not head:
            return "unknown"
        clean = subprocess.run(["git", "diff", "--quiet", "HEAD", "--"], cwd=root, capture_output=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head if clean.returncode == 0 else head + "-dirty"


def round_log(session: Session, round_id: str, upto: int | None = None) -> list[LogLine]:
    """The round's chain in seq order (up to and including `upto`)."""
    stmt = select(VoteLogEntry).where(VoteLogEntry.round_id == round_id).order_by(VoteLogEntry.seq)
    if upto is not None:
        stmt = stmt.where(VoteLogEntry.seq <= upto)
    return [LogLine(e.seq, json.loads(e.record), e.prev_hash, e.hash) for e in session.scalars(stmt)]


def release_votes(lines: list[LogLine], protocol: dict[str, Any]) -> bytes:
    """The votes file (canonical JSON Lines) replayed from a chain under the snapshot's protocol."""
    return jsonl(replay(lines, protocol["exclusions"]))


def rebuilt_votes(session: Session, snap: Snapshot, lines: list[LogLine]) -> bytes:
    """The votes file of a snapshot without stored files, rebuilt: the replay, with each vote's stored style
    counts when the snapshot has a style board (they never change once stored)."""
    votes = replay(lines, snap.protocol["exclusions"])
    if "style_control" in (snap.results or {}):
        votes = with_styles(votes, round_styles(session, snap.round_id))
    return jsonl(votes)


def new_snapshot_id(round_id: str, now: datetime, token: Callable[[], str]) -> str:
    """"<round>-<yyyymmdd>-<4 hex>", within the 40 characters of an id."""
    return f"{round_id[:26]}-{now:%Y%m%d}-{token()}"


def _stats(session: Session, round_: Round, votes: list[dict[str, Any]]) -> dict[str, Any]:
    return {**vote_stats(votes), "exposure": exposure_report(session, round_)}


def _check_supersedes(session: Session, round_: Round, supersedes: str | None) -> str | None:
    """What the new snapshot supersedes: the round's latest (named or, when omitted, taken as meant),
    so a round's snapshots form one line; naming an older one or another round's is refused."""
    latest = latest_snapshot(session, round_.id)
    if supersedes is None:
        return latest
    old = session.get(Snapshot, supersedes)
    if old is None:
        raise SnapshotRefused("unknown_snapshot")
    if old.round_id != round_.id:
        raise SnapshotRefused("supersedes_other_round")
    if old.id != latest:
        raise SnapshotRefused("already_superseded")
    return supersedes


@dataclass(frozen=True)
class Frozen:
    """A round's chain as of its head and everything computed from it."""

    log_seq: int
    head: str
    votes: list[dict[str, Any]]
    protocol: dict[str, Any]
    board: dict[str, Any]
    lines: list[LogLine]

    def files(self) -> dict[str, bytes]:
        """The votes and log files of the release (release_files' bytes, from the lines already read)."""
        return {"votes.jsonl": jsonl(self.votes), "log.jsonl": log_export(self.lines)}


def unlogged_votes(session: Session, round_id: str) -> int:
    """Stored votes of the round without a cast record (a vote and its record commit together, so one
    statement sees both or neither)."""
    logged = select(VoteLogEntry.id).where(VoteLogEntry.vote_id == Vote.id, VoteLogEntry.kind == "cast")
    return session.scalar(select(func.count()).select_from(Vote).where(Vote.round_id == round_id, ~logged.exists()))


STYLED_STATUSES = ("closed", "published")


def freeze_round(session: Session, round_: Round) -> Frozen:
    """Read the round's chain up to its head, check it, replay the votes and compute the board; for a round
    that is over (closed or published), also each vote's style counts and the style-controlled board.

    A snapshot of an open round carries neither: model names with every vote's A/B style counts, while citizens
    still vote, would be a labelled style profile of each model, a way to guess the models of a blind battle."""
    lines = round_log(session, round_.id)
    protocol = normalise_protocol(round_.protocol or None)
    try:
        head = check_chain(lines, round_.id)
        votes = replay(lines, protocol["exclusions"])
    except ReleaseMismatch as exc:
        raise SnapshotRefused("vote_log_broken") from exc
    if unlogged_votes(session, round_.id):
        raise SnapshotRefused("vote_log_incomplete")
    styled = round_.status in STYLED_STATUSES
    if styled:
        fill_missing(session, round_.id)  # each vote's style counts, for the style board and the release
        votes = with_styles(votes, round_styles(session, round_.id))
    board = published_board(session, round_, votes, protocol, styled)
    return Frozen(len(lines), head, votes, protocol, board, lines)


def publish_snapshot(session: Session, round_: Round, actor: User | str, now: datetime, code_version: str,
                     supersedes: str | None = None, notes: str | None = None,
                     token: Callable[[], str] = lambda: secrets.token_hex(2)) -> Snapshot:
    """Freeze the round's board as of its chain head into a new Snapshot with its stored release files
    (flushed, not committed). Holds the round's row lock until the transaction ends: no close or other
    publication of the round meanwhile, and the supersedes rule reads the round's latest snapshot."""
    lock_for_publication(session, round_)
    if round_.status == "draft":
        raise SnapshotRefused("round_not_started")
    supersedes = _check_supersedes(session, round_, supersedes)
    if supersedes is not None:  # `now` was read before the lock: a line of corrections never runs back in time
        now = max(now, session.get(Snapshot, supersedes).published_at + timedelta(microseconds=1))
    frozen = freeze_round(session, round_)
    files = frozen.files()
    snapshot_id = new_snapshot_id(round_.id, now, token)
    while session.get(Snapshot, snapshot_id) is not None:
        snapshot_id = new_snapshot_id(round_.id, now, token)
    snap = Snapshot(id=snapshot_id, round_id=round_.id, category=None, method=frozen.protocol["method"],
                    params=settings_from_protocol(frozen.protocol).describe(), results=frozen.board,
                    vote_count=len(frozen.votes), vote_set_sha256=sha256_hex(files["votes.jsonl"]),
                    published_by=actor.id if isinstance(actor, User) else None, published_at=now, notes=notes,
                    supersedes_id=supersedes, protocol_version=round_.protocol_version, protocol=frozen.protocol,
                    code_version=code_version[:64], log_seq=frozen.log_seq, log_head=frozen.head,
                    stats=_stats(session, round_, frozen.votes))
    try:
        with session.begin_nested():
            session.add(snap)
    except IntegrityError:  # the unique index on supersedes: only if the locks above were bypassed
        raise SnapshotRefused("already_superseded") from None
    store_release_files(session, snap, files, now)
    before = {"round_status": round_.status}
    if round_.status == "closed":
        round_.status, round_.published_at = "published", now
    session.flush()
    record_change(session, actor, "snapshot.publish", "snapshot", snap.id, now, before=before,
                  after={"round": round_.id, "round_status": round_.status, "vote_set_sha256": snap.vote_set_sha256,
                         "log_seq": snap.log_seq, "supersedes": supersedes})
    return snap


def superseded_by(session: Session, snapshot_id: str) -> str | None:
    """The first snapshot that names this one as superseded, if any."""
    stmt = select(Snapshot.id).where(Snapshot.supersedes_id == snapshot_id).order_by(Snapshot.published_at, Snapshot.id)
    return session.scalars(stmt.limit(1)).first()


def list_snapshots(session: Session, round_id: str | None = None) -> list[Snapshot]:
    """Published snapshots, newest first (of one round when given)."""
    stmt = select(Snapshot).order_by(Snapshot.published_at.desc(), Snapshot.id.desc())
    if round_id is not None:
        stmt = stmt.where(Snapshot.round_id == round_id)
    return list(session.scalars(stmt))


def snapshot_document(session: Session, snap: Snapshot) -> dict[str, Any]:
    """The public JSON of a snapshot (`GET /api/snapshots/<id>`, the release's snapshot.json)."""
    return snapshot_json(snap, superseded_by(session, snap.id))


def log_export(lines: list[LogLine]) -> bytes:
    """The log file of a release: one canonical line per record."""
    return jsonl(line.as_json() for line in lines)


def release_files(session: Session, snap: Snapshot) -> dict[str, bytes]:
    """The three files of a snapshot's public release, byte for byte as served: the votes file as stored at
    publication (with its style counts), rebuilt from the log for a snapshot from before files were stored."""
    lines = round_log(session, snap.round_id, snap.log_seq)
    document = json.dumps(snapshot_document(session, snap), ensure_ascii=False, indent=1) + "\n"
    return {"snapshot.json": document.encode("utf-8"), "votes.jsonl": release_votes_file(session, snap, lines),
            "log.jsonl": log_export(lines)}


def release_votes_file(session: Session, snap: Snapshot, lines: list[LogLine] | None = None) -> bytes:
    """The snapshot's votes file as stored at publication, else (published before files were stored,
    migration 0005) rebuilt from the round's log up to its head (`lines`, read when not given)."""
    if file_info(session, snap.id, "votes.jsonl"):
        return gzip.decompress(file_gzip(session, snap.id, "votes.jsonl"))
    return rebuilt_votes(session, snap, round_log(session, snap.round_id, snap.log_seq) if lines is None else lines)


def roots_document(session: Session, round_id: str | None = None) -> dict[str, Any]:
    """The recorded daily roots and current heads (`GET /api/log/roots`, a release's roots.json)."""
    return {"roots": [{"round": r.round_id, "day": r.day, "last_seq": r.last_seq, "root": r.root,
                       "recorded_at": tstamp(r.recorded_at)} for r in log_store.roots(session, round_id)],
            "heads": [{"round": rid, "seq": h.seq, "hash": h.hash} for rid, h in log_store.heads(session, round_id)]}
