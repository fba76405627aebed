"""A snapshot's release files: stored at publication, exactly the release's bytes, served as stored."""
from __future__ import annotations

import gzip
import hashlib
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.voting.snapshot_world import build_world, publish
from tests.voting.test_vote_log import as_superuser
from voting.models import Snapshot, SnapshotFile
from voting.snapshots import release_files

IMMUTABLE = "public, max-age=31536000, immutable"
ROUTES = {"votes.jsonl": "votes", "log.jsonl": "log"}


@pytest.fixture
def world(any_db_url, make_app):
    w = build_world(make_app(any_db_url, WORKER_IN_PROCESS=False))
    yield w
    w.db.close()


def stored(world, snapshot_id: str) -> dict[str, SnapshotFile]:
    world.db.expire_all()
    return {f.name: f for f in world.db.scalars(select(SnapshotFile).where(SnapshotFile.snapshot_id == snapshot_id))}


def test_the_stored_files_are_the_release_functions_bytes(world):
    snap = publish(world).get_json()
    files = stored(world, snap["id"])
    assert set(files) == {"votes.jsonl", "log.jsonl"}
    release = release_files(world.db, world.db.get(Snapshot, snap["id"]))
    for name, row in files.items():
        data = gzip.decompress(row.data)
        assert data == release[name] and row.size == len(data) and row.sha256 == hashlib.sha256(data).hexdigest()
    assert files["votes.jsonl"].sha256 == snap["vote_set_sha256"]


@pytest.mark.parametrize("name", ["votes.jsonl", "log.jsonl"])
def test_downloads_carry_a_strong_etag_are_cached_for_good_and_answer_304(world, name):
    snap = publish(world).get_json()
    row, url = stored(world, snap["id"])[name], f"/api/snapshots/{snap['id']}/{ROUTES[name]}"
    anonymous = world.app.test_client()
    plain = anonymous.get(url)
    assert plain.status_code == 200 and plain.data == gzip.decompress(row.data)
    assert plain.headers["ETag"] == f'"{row.sha256}"' and plain.headers["Cache-Control"] == IMMUTABLE
    assert plain.headers["Content-Length"] == str(row.size) and "Content-Encoding" not in plain.headers
    assert plain.headers["Vary"] == "Accept-Encoding" and plain.mimetype == "application/x-ndjson"
    assert plain.headers["Content-Disposition"] == f'attachment; filename="{snap["id"]}-{name}"'
    zipped = anonymous.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.data == row.data
    assert zipped.headers["ETag"] == f'"{row.sha256}-gzip"' and gzip.decompress(zipped.data) == plain.data
    refused = anonymous.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain.data
    again = anonymous.get(url, headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"" and again.headers["Cache-Control"] == IMMUTABLE
    again = anonymous.get(url, headers={"If-None-Match": zipped.headers["ETag"], "Accept-Encoding": "gzip"})
    assert again.status_code == 304
    assert anonymous.get(url, headers={"If-None-Match": '"' + "0" * 64 + '"'}).status_code == 200


def test_downloads_serve_what_was_published_not_the_log_as_it_is_now(world):
    """A rewritten log (only a database owner can) does not change the published release."""
    snap = publish(world).get_json()
    url = f"/api/snapshots/{snap['id']}/votes"
    published = world.app.test_client().get(url).data
    arena = SimpleNamespace(app=world.app, dialect=world.db.get_bind().dialect.name)
    as_superuser(arena, "UPDATE vote_log SET record = replace(record, '\"winner\":\"model_a\"', "
                        "'\"winner\":\"model_b\"') WHERE round_id = :r", r=world.round.id)
    assert world.app.test_client().get(url).data == published
    assert hashlib.sha256(published).hexdigest() == snap["vote_set_sha256"]


def test_a_snapshot_from_before_stored_files_is_rebuilt(world):
    """Snapshots published before migration 0005 have no stored files: their downloads are rebuilt."""
    first = world.db.get(Snapshot, publish(world).get_json()["id"])
    fields = {c.name: getattr(first, c.name) for c in Snapshot.__table__.columns}
    world.db.add(Snapshot(**{**fields, "id": "older-copy", "supersedes_id": first.id}))
    world.db.commit()
    client = world.app.test_client()
    for name, route in ROUTES.items():
        resp = client.get(f"/api/snapshots/older-copy/{route}")
        assert resp.status_code == 200 and resp.data == gzip.decompress(stored(world, first.id)[name].data)
        assert "ETag" not in resp.headers
