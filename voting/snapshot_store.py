"""Publishing's storage side: the round's locks, its line of snapshots, the release files stored once
at publication and served as stored. No Flask.

The files never change (the database refuses UPDATE and DELETE, migration 0005): a download is the
stored gzip bytes as they are (for a client that accepts gzip) or decompressed chunk by chunk, never
the release rebuilt from the log.
"""
from __future__ import annotations

import gzip
import hashlib
import zlib
from datetime import datetime
from typing import Iterator, NamedTuple

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from contest.models import Round
from contest.queries import lock_round_writes
from contest.rounds import find_round
from voting.models import RELEASE_FILES, Snapshot, SnapshotFile

CHUNK = 1 << 16


class FileInfo(NamedTuple):
    """A stored file's SHA-256 and size (of the file itself, not of its compressed bytes)."""

    sha256: str
    size: int


def store_release_files(session: Session, snap: Snapshot, files: dict[str, bytes], now: datetime) -> list[SnapshotFile]:
    """Store the votes and log files of `files` (voting.snapshots.release_files) for a new snapshot."""
    stored = [SnapshotFile(snapshot_id=snap.id, name=name, sha256=hashlib.sha256(files[name]).hexdigest(),
                           size=len(files[name]), data=gzip.compress(files[name], compresslevel=6, mtime=0),
                           created_at=now)
              for name in RELEASE_FILES]
    session.add_all(stored)
    session.flush()
    return stored


def file_info(session: Session, snapshot_id: str, name: str) -> FileInfo | None:
    """The stored file's hash and size, without reading its bytes (None for a snapshot published before 0005)."""
    row = session.execute(select(SnapshotFile.sha256, SnapshotFile.size)
                          .where(SnapshotFile.snapshot_id == snapshot_id, SnapshotFile.name == name)).first()
    return FileInfo(*row) if row else None


def file_gzip(session: Session, snapshot_id: str, name: str) -> bytes:
    """The stored file, gzip-compressed."""
    return session.scalar(select(SnapshotFile.data)
                          .where(SnapshotFile.snapshot_id == snapshot_id, SnapshotFile.name == name))


def gunzip_chunks(data: bytes, size: int = CHUNK) -> Iterator[bytes]:
    """Decompress gzip bytes a piece at a time (memory bounded by `size`, not by the file)."""
    inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    for start in range(0, len(data), size):
        piece = inflate.decompress(data[start:start + size], size)
        yield piece
        while inflate.unconsumed_tail:
            yield inflate.decompress(inflate.unconsumed_tail, size)
    yield inflate.flush()


def latest_snapshot(session: Session, round_id: str) -> str | None:
    """The id of the round's snapshot that no other supersedes (the newest, should there be several)."""
    newer = aliased(Snapshot)
    stmt = (select(Snapshot.id).where(Snapshot.round_id == round_id, ~exists().where(newer.supersedes_id == Snapshot.id))
            .order_by(Snapshot.published_at.desc(), Snapshot.id.desc()).limit(1))
    return session.scalars(stmt).first()


def lock_for_publication(session: Session, round_: Round) -> None:
    """Row-lock the round and read it afresh. A round no longer open (a final snapshot) also takes its
    write lock, as close did, and so does SQLite (no row locks: its one writer serialises publications).
    An open round's votes go on meanwhile: its snapshot is of the head it reads, and holding their lock
    through a publication (seconds at 100k votes) would stall every vote of the round."""
    find_round(session, round_.id, lock=True)
    session.refresh(round_)
    if round_.status != "open" or session.get_bind().dialect.name != "postgresql":
        lock_round_writes(session, round_.id)
        session.refresh(round_)
