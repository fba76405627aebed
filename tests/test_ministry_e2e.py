"""The ministry's whole path through the public contract: a round made, opened, voted in through the
real cast path, closed and published; the release downloaded and verified from the files alone."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest

from app.db import utcnow
from contest.demo import seed_demo
from tests.builders import make_user
from tests.conftest import ContextCliRunner
from voting.log_store import append_change
from voting.models import Vote

ROUND = "e2e-2027h1"
ROSTER = ["exaone-demo", "ax-demo", "solar-demo"]


def rfc3339(t):
    return t.isoformat().replace("+00:00", "Z")


@pytest.fixture
def contest(make_app, any_db_url):
    app = make_app(any_db_url, LIMIT_BATTLE_ADDRESS="1000 per minute", LIMIT_VOTE_ADDRESS="1000 per minute")
    with app.app_context():
        from app.db import new_session
        db = new_session()
    seed_demo(db, utcnow())
    users = {"ministry": make_user(db, "부처", roles=("ministry",)),
             **{f"citizen{i}": make_user(db, f"시민{i}") for i in range(3)}}
    db.commit()
    clients = {}
    from app.sessions import open_user_session
    for name, user in users.items():
        client = app.test_client()
        token = open_user_session(db, user.id, utcnow(), app.permanent_session_lifetime)
        db.commit()
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], token)
        clients[name] = client
    yield app, db, clients
    db.close()


def download(client, snapshot_id, directory):
    snap = client.get(f"/api/snapshots/{snapshot_id}")
    assert snap.status_code == 200, snap.get_json()
    (directory / "snapshot.json").write_bytes(snap.data)
    for name, path in (("votes.jsonl", "votes"), ("log.jsonl", "log")):
        resp = client.get(f"/api/snapshots/{snapshot_id}/{path}")
        assert resp.status_code == 200
        (directory / name).write_bytes(resp.data)


def verify(directory):
    return subprocess.run([sys.executable, "-m", "voting.verify", str(directory)], capture_output=True, text=True,
                          timeout=120)


def test_round_made_opened_voted_closed_published_and_verified(contest, tmp_path):
    app, db, clients = contest
    ministry = clients["ministry"]
    now = utcnow()
    created = ministry.post("/api/admin/rounds", json={
        "id": ROUND, "title": "2027년 상반기 공개 경연", "opens_at": rfc3339(now - timedelta(minutes=5)),
        "closes_at": rfc3339(now + timedelta(days=30)), "categories": ["daily", "writing"], "roster": ROSTER,
        "free_prompts": False, "protocol": {"bootstrap_rounds": 200, "seed": 7, "min_battles": 2}})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["status"] == "draft"
    assert ministry.post(f"/api/admin/rounds/{ROUND}/close").status_code == 409  # draft cannot close
    assert ministry.post(f"/api/admin/rounds/{ROUND}/open").status_code == 200
    frozen = ministry.patch(f"/api/admin/rounds/{ROUND}", json={"protocol": {"seed": 8}})
    assert frozen.status_code == 409

    cast = 0
    for i in range(3):
        citizen = clients[f"citizen{i}"]
        for _ in range(4):
            battle = citizen.post("/api/battles", json={"round": ROUND, "category": ("daily", "writing")[cast % 2]})
            assert battle.status_code == 201, battle.get_json()
            vote = citizen.post(f"/api/battles/{battle.get_json()['battle_id']}/vote",
                                json={"winner": ("a", "b", "tie", "a")[cast % 4]})
            assert vote.status_code == 200, vote.get_json()
            cast += 1

    assert ministry.post(f"/api/admin/rounds/{ROUND}/close").status_code == 200
    published = ministry.post("/api/admin/snapshots", json={"round": ROUND})
    assert published.status_code == 201, published.get_json()
    snapshot = published.get_json()
    assert len(snapshot["vote_set_sha256"]) == 64 and snapshot["vote_count"] == cast
    assert ministry.get(f"/api/admin/rounds/{ROUND}").get_json()["status"] == "published"
    assert ministry.post(f"/api/admin/rounds/{ROUND}/open").status_code == 409

    release = tmp_path / "release"
    release.mkdir()
    download(clients["citizen0"], snapshot["id"], release)
    result = verify(release)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "match" in result.stdout.lower()

    (tmp_path / "original.jsonl").write_bytes((release / "votes.jsonl").read_bytes())
    lines = (release / "votes.jsonl").read_text(encoding="utf-8").splitlines()
    flipped = json.loads(lines[3])
    flipped["winner"] = "model_b" if flipped["winner"] != "model_b" else "model_a"
    lines[3] = json.dumps(flipped, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    (release / "votes.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    tampered = verify(release)
    assert tampered.returncode == 1
    assert flipped["vote_id"] in tampered.stdout + tampered.stderr

    # A later exclusion is appended to the chain; the published snapshot stays as it was and still
    # verifies, and a correction that supersedes it counts one vote fewer.
    vote_id = json.loads(lines[0])["vote_id"]
    vote = db.get(Vote, vote_id)
    vote.excluded, vote.excluded_reason, vote.excluded_at = True, "moderation", utcnow()
    append_change(db, ROUND, vote_id, "exclude", "moderation", utcnow(), action="test")
    db.commit()
    again = tmp_path / "again"
    again.mkdir()
    download(clients["citizen1"], snapshot["id"], again)
    assert (again / "votes.jsonl").read_bytes() == (tmp_path / "original.jsonl").read_bytes()
    correction = ministry.post("/api/admin/snapshots", json={"round": ROUND, "supersedes": snapshot["id"]})
    assert correction.status_code == 201, correction.get_json()
    fixed = correction.get_json()
    assert fixed["supersedes"] == snapshot["id"] and fixed["vote_set_sha256"] != snapshot["vote_set_sha256"]
    assert fixed["votes"]["counted"] == snapshot["votes"]["counted"] - 1
    assert ministry.get(f"/api/snapshots/{snapshot['id']}").get_json()["superseded_by"] == fixed["id"]
    corrected = tmp_path / "corrected"
    corrected.mkdir()
    download(clients["citizen2"], fixed["id"], corrected)
    assert verify(corrected).returncode == 0

    checked = ContextCliRunner(app).invoke(args=["log", "verify"])
    assert checked.exit_code == 0, checked.output
