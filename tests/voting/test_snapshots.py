"""Publishing snapshots: the release, its hash, the board, provenance, corrections and immutability."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.db import new_session, utcnow
from app.models import AuditEntry
from contest.models import Model, Round, RoundProtocol
from tests.builders import make_battle, make_round, make_user
from tests.conftest import ContextCliRunner
from tests.voting.log_builder import append_record, make_logged_vote
from tests.voting.snapshot_world import build_world, client_as, export, publish
from voting.cli import snapshots_cli
from voting.models import Snapshot, SnapshotFile, Vote, VoteStyle
from voting.snapshots import detect_code_version
from voting.verify import verify_dir


@pytest.fixture
def world(any_db_url, make_app):
    w = build_world(make_app(any_db_url, CODE_VERSION="test-1234"))
    yield w
    w.db.close()


def test_publish_download_and_verify_from_the_release_alone(world, tmp_path):
    resp = publish(world, notes="첫 게시")
    assert resp.status_code == 201, resp.get_json()
    snap = resp.get_json()
    assert snap["id"].startswith(f"{world.round.id}-{utcnow():%Y%m%d}-") and len(snap["id"]) <= 40
    votes = world.app.test_client().get(snap["downloads"]["votes"])
    assert votes.mimetype == "application/x-ndjson"
    assert hashlib.sha256(votes.data).hexdigest() == snap["vote_set_sha256"]
    lines = [json.loads(line) for line in votes.data.splitlines()]
    assert snap["vote_count"] == len(lines) == 31 and snap["log_seq"] == 34
    assert snap["votes"] == {"total": 31, "counted": 29, "excluded": 2}
    assert snap["exclusions"] == {"identity_leak": 1, "moderation": 1}
    assert [line["vote_id"] for line in lines] == [v.id for v in world.votes]
    assert lines[5]["counted"] is True and lines[3]["excluded_reason"] == "moderation"
    assert {line["winner"] for line in lines} == {"model_a", "model_b", "tie", "tie (bothbad)"}
    assert all(set(line) == {"vote_id", "model_a", "model_b", "model_a_slug", "model_b_slug", "team_a", "team_b",
                             "winner", "voter", "category", "counted", "excluded_reason", "tstamp", "chain_hash"}
               for line in lines)  # an open round: no style counts, no style board (blindness)
    assert "style_control" not in snap
    assert snap["code_version"] == "test-1234" and snap["protocol"]["bootstrap_rounds"] == 1000
    assert [m["name"] for m in snap["models"]][0] == "Model 0 1" and snap["models"][0]["team"] == "팀0"
    assert snap["matrix"]["models"] == ["Model 0 1", "Model 1 1", "Model 2 1"]
    assert {m["slug"] for m in snap["exposure"]["models"]} == {"r-snap-m0", "r-snap-m1", "r-snap-m2"}
    export(world, snap["id"], tmp_path / "release")
    assert verify_dir(tmp_path / "release").startswith("match: snapshot " + snap["id"])


def test_a_closed_rounds_snapshot_carries_the_style_counts_and_board(world, tmp_path):
    world.db.get(Round, world.round.id).status = "closed"
    world.db.commit()
    snap = publish(world).get_json()
    lines = [json.loads(line) for line in world.app.test_client().get(snap["downloads"]["votes"]).data.splitlines()]
    stored = world.db.get(VoteStyle, lines[0]["vote_id"])  # derived counts only, as stored: never the answers
    assert lines[0]["style_a"] == [stored.tokens_a, stored.headers_a, stored.lists_a, stored.bold_a]
    assert lines[0]["style_b"] == [stored.tokens_b, stored.headers_b, stored.lists_b, stored.bold_b]
    assert all(line["style_a"] is not None for line in lines)
    style = snap["style_control"]
    assert style["method"] == "bradley-terry-style-control-1" and style["votes"] == 29
    assert {m["slug"] for m in style["models"]} == {m["slug"] for m in snap["models"]}
    assert set(style["coefficients"]) == {"length", "headers", "lists", "bold"}
    export(world, snap["id"], tmp_path / "release")
    assert "style counts all 29 counted votes carry" in verify_dir(tmp_path / "release")


def test_export_command_and_flask_verify_command_match(world, tmp_path):
    snap_id = publish(world).get_json()["id"]
    runner = ContextCliRunner(world.app)
    result = runner.invoke(snapshots_cli, ["export", snap_id, str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    served = world.app.test_client().get(f"/api/snapshots/{snap_id}/votes").data
    assert (tmp_path / "out" / "votes.jsonl").read_bytes() == served
    roots = world.app.test_client().get(f"/api/log/roots?round={world.round.id}").get_json()
    assert json.loads((tmp_path / "out" / "roots.json").read_text(encoding="utf-8")) == roots
    result = runner.invoke(snapshots_cli, ["verify", str(tmp_path / "out")])
    assert result.exit_code == 0 and result.output.startswith("match"), result.output
    assert "0 daily root(s) of roots.json checked" in result.output  # the votes were cast today
    (tmp_path / "out" / "votes.jsonl").write_bytes(served.replace(b'"winner":"model_a"', b'"winner":"model_b"', 1))
    result = runner.invoke(snapshots_cli, ["verify", str(tmp_path / "out")])
    assert result.exit_code == 1 and "MISMATCH at votes.jsonl line 1" in result.output


def test_publish_command_and_its_refusals(world):
    runner = ContextCliRunner(world.app)
    result = runner.invoke(snapshots_cli, ["publish", world.round.id, "--notes", "CLI"])
    assert result.exit_code == 0, result.output
    snap_id = result.output.split()[0]
    with world.app.app_context():
        session = new_session()
        snap = session.get(Snapshot, snap_id)
        entry = session.scalars(select(AuditEntry).where(AuditEntry.target_id == snap_id)).one()
        session.close()
    assert snap.notes == "CLI" and entry.action == "snapshot.publish" and entry.actor.startswith("cli:")
    assert runner.invoke(snapshots_cli, ["publish", "no-such-round"]).exit_code == 1
    result = runner.invoke(snapshots_cli, ["publish", world.round.id, "--supersedes", "nope"])
    assert result.exit_code == 1 and "unknown_snapshot" in result.output
    assert set(snapshots_cli.commands) == {"publish", "export", "verify"}  # none changes a snapshot


def test_publishing_a_closed_round_marks_it_published_and_an_open_one_stays_open(world):
    first = publish(world).get_json()
    world.db.expire_all()
    assert world.db.get(Round, world.round.id).status == "open"
    world.db.get(Round, world.round.id).status = "closed"
    world.db.commit()
    second = publish(world, supersedes=first["id"])
    assert second.status_code == 201
    world.db.expire_all()
    round_ = world.db.get(Round, world.round.id)
    assert round_.status == "published" and round_.published_at is not None
    entries = world.db.scalars(select(AuditEntry).where(AuditEntry.action == "snapshot.publish")
                               .order_by(AuditEntry.id)).all()
    assert [e.target_id for e in entries] == [first["id"], second.get_json()["id"]]
    assert entries[1].before == {"round_status": "closed"} and entries[1].after["round_status"] == "published"


def test_a_correction_names_the_snapshot_it_supersedes_which_stays_as_it_was(world):
    old = publish(world).get_json()
    new = publish(world, supersedes=old["id"], notes="정정").get_json()
    anonymous = world.app.test_client()
    again = anonymous.get(f"/api/snapshots/{old['id']}").get_json()
    assert again["superseded_by"] == new["id"] and new["supersedes"] == old["id"]
    assert {k: v for k, v in again.items() if k != "superseded_by"} == {k: v for k, v in old.items()
                                                                         if k != "superseded_by"}
    listing = anonymous.get("/api/snapshots", query_string={"round": world.round.id}).get_json()["snapshots"]
    assert [s["id"] for s in listing] == [new["id"], old["id"]]
    resp = publish(world, supersedes=old["id"])
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "already_superseded"


def test_a_later_snapshot_naming_none_supersedes_the_latest_as_documented(world):
    first = publish(world).get_json()
    second = publish(world)  # no supersedes: taken as the round's latest, not refused
    assert second.status_code == 201 and second.get_json()["supersedes"] == first["id"]
    doc = world.app.test_client().get("/api/openapi.json").get_json()
    conflict = doc["paths"]["/api/admin/snapshots"]["post"]["responses"]["409"]["description"]
    assert "must name" not in conflict and "left out, it is the round's latest" in conflict


def test_refusals(world):
    other = make_round(world.db, "r-other", models=2)
    other_snap = None
    world.db.commit()
    ministry = client_as(world, world.ministry)
    other_snap = ministry.post("/api/admin/snapshots", json={"round": "r-other"}).get_json()["id"]
    draft = make_round(world.db, "r-draft", models=2)
    draft.status = "draft"
    world.db.commit()
    cases = [({"round": "r-draft"}, 409, "round_not_started"), ({"round": "nope"}, 404, "unknown_round"),
             ({"round": world.round.id, "supersedes": "nope"}, 422, "unknown_snapshot"),
             ({"round": world.round.id, "supersedes": other_snap}, 422, "supersedes_other_round"),
             ({"round": world.round.id, "extra": 1}, 422, "unknown_field"), ({}, 422, "missing_field")]
    generic = ministry.get("/api/snapshots/nope/votes?lang=ko").get_json()["error"]["message"]
    assert generic == "없는 스냅샷입니다."
    for body, status, code in cases:
        resp = ministry.post("/api/admin/snapshots?lang=en", json=body)
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (status, code), body
        korean = ministry.post("/api/admin/snapshots?lang=ko", json=body).get_json()["error"]["message"]
        assert korean != f"error.{code}" and resp.get_json()["error"]["message"] not in (korean, f"error.{code}")
    assert world.db.scalars(select(Snapshot.id)).all() == [other_snap]  # nothing else was written
    assert client_as(world, world.citizen).post("/api/admin/snapshots", json={"round": "r-other"}).status_code == 403


def test_a_broken_chain_is_not_published(world):
    def forged(seq):
        return {"kind": "restore", "round": world.round.id, "seq": seq, "vote_id": world.votes[0].id}

    entry = append_record(world.db, world.round.id, "restore", world.votes[0].id, forged)
    world.db.execute(text("INSERT INTO vote_log (round_id, seq, kind, vote_id, record, prev_hash, hash, created_at) "
                          "VALUES (:r, :s, 'restore', :v, :rec, :p, :h, :t)"),
                     {"r": world.round.id, "s": entry.seq + 1, "v": world.votes[0].id, "rec": entry.record,
                      "p": "f" * 64, "h": "e" * 64, "t": utcnow()})
    world.db.commit()
    resp = publish(world)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "vote_log_broken"


def test_a_vote_missing_from_the_log_is_not_published(world):
    battle = make_battle(world.db, world.citizen, world.round)
    world.db.add(Vote(battle_id=battle.id, user_id=world.citizen.id, round_id=world.round.id, category="daily",
                      model_a_id=battle.model_a_id, model_b_id=battle.model_b_id, winner="a"))
    world.db.commit()
    resp = publish(world)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "vote_log_incomplete"
    assert world.db.scalars(select(Snapshot)).all() == []


@pytest.mark.parametrize("statement", ["UPDATE snapshots SET vote_set_sha256 = 'x'", "DELETE FROM snapshots",
                                       "UPDATE snapshot_files SET sha256 = 'x'", "DELETE FROM snapshot_files"])
def test_the_database_refuses_to_change_a_snapshot_or_its_stored_files(world, statement):
    publish(world)
    with pytest.raises(DBAPIError, match="append-only"):
        world.db.execute(text(statement))
    world.db.rollback()
    assert world.db.scalars(select(Snapshot)).one().vote_set_sha256 != "x"
    assert sorted(world.db.scalars(select(SnapshotFile.name).where(SnapshotFile.sha256 != "x"))) == ["log.jsonl",
                                                                                                     "votes.jsonl"]


def test_no_route_changes_a_snapshot(world):
    snap_id = publish(world).get_json()["id"]
    for user in (None, world.citizen, world.ministry):
        client = client_as(world, user) if user else world.app.test_client()
        for method in ("PUT", "PATCH", "DELETE"):
            for path in (f"/api/snapshots/{snap_id}", f"/api/admin/snapshots/{snap_id}", "/api/admin/snapshots"):
                assert client.open(path, method=method, json={"notes": "x"}).status_code in (404, 405)
    assert world.app.test_client().get(f"/api/snapshots/{snap_id}").get_json()["notes"] is None


def test_board_csv_of_a_snapshot_and_of_the_live_board(world):
    snap = publish(world).get_json()
    anonymous = world.app.test_client()
    for url in (snap["downloads"]["csv"], f"/api/leaderboard.csv?round={world.round.id}"):
        resp = anonymous.get(url)
        assert resp.mimetype == "text/csv" and resp.data.startswith("\ufeff".encode("utf-8"))
        rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig"))))
        assert list(rows[0]) == ["rank", "name", "team", "team_en", "rating", "ci_low", "ci_high", "battles",
                                 "win_rate", "provisional"]
        assert rows[0]["name"] == "Model 0 1" and rows[0]["team"] == "팀0" and rows[0]["team_en"] == "Team 0"
    assert anonymous.get("/api/leaderboard.csv?round=r-snap&category=nope").status_code == 422
    assert anonymous.get("/api/snapshots/nope/board.csv").status_code == 404


def test_the_live_csv_follows_the_rounds_own_protocol_as_the_board_and_the_json_do(world):
    """A round whose protocol differs from the config's (min battles, starting rating, bootstrap, rating method):
    the CSV gives the numbers of the round's board, as the JSON and the page do."""
    round_ = world.db.get(Round, world.round.id)
    round_.protocol = {"min_battles": 5, "initial": 1500.0, "scale": 173.7, "bootstrap_rounds": 40, "seed": 7,
                       "confidence": 0.9, "rating_method": "bootstrap-centred-1"}
    world.db.commit()
    anonymous = world.app.test_client()
    board = anonymous.get(f"/api/leaderboard?round={world.round.id}").get_json()
    assert all(m["rank"] is not None for m in board["models"])  # 5 battles suffice here; the config asks 30
    resp = anonymous.get(f"/api/leaderboard.csv?round={world.round.id}")
    rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert [(r["rank"], r["name"], r["rating"], r["ci_low"], r["ci_high"], r["battles"], r["win_rate"], r["provisional"])
            for r in rows] == [
        (str(m["rank"]), m["name"], f"{m['rating']:.2f}", f"{m['ci'][0]:.2f}", f"{m['ci'][1]:.2f}", str(m["battles"]),
         f"{m['win_rate']:.4f}", "true" if m["provisional"] else "false") for m in board["models"]]
    page = anonymous.get(f"/leaderboard?round={world.round.id}").get_data(as_text=True)
    for m in board["models"]:
        assert f"{m['rating']:.0f}" in page


def test_the_votes_file_is_read_by_the_ratings_cli(world, tmp_path):
    from voting.cli import ratings_cli

    snap = publish(world).get_json()
    path = tmp_path / "votes.jsonl"
    path.write_bytes(world.app.test_client().get(snap["downloads"]["votes"]).data)
    result = ContextCliRunner(world.app).invoke(ratings_cli, ["compute", str(path), "--strict"])
    assert result.exit_code == 0, result.output
    board = json.loads(result.stdout)  # (stderr may carry log lines of other threads)
    assert board["votes"] == snap["votes"]["counted"] and board["skipped_lines"] == 0
    assert {m["name"]: m["rating"] for m in board["models"]} == {m["name"]: pytest.approx(m["rating"], abs=1e-4)
                                                                 for m in snap["models"]}


def test_code_version_from_the_environment_git_or_unknown(tmp_path):
    assert detect_code_version({"ARENA_CODE_VERSION": "v1.2.3"}) == "v1.2.3"
    assert detect_code_version({}, root=tmp_path) == "unknown"
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.kr", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "rating.py").write_text("SCALE = 400\n")
    subprocess.run([*git, "add", "rating.py"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "one"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert detect_code_version({}, root=tmp_path) == head and len(head) == 40
    (tmp_path / "notes.txt").write_text("untracked files do not run\n")
    assert detect_code_version({}, root=tmp_path) == head
    (tmp_path / "rating.py").write_text("SCALE = 401\n")  # what runs is not that commit
    assert detect_code_version({}, root=tmp_path) == head + "-dirty"


def test_code_version_is_read_once_at_start_from_the_environment(sqlite_url, make_app, monkeypatch):
    monkeypatch.setenv("ARENA_CODE_VERSION", "release-2026.11")
    assert make_app(sqlite_url).config["CODE_VERSION"] == "release-2026.11"


def test_the_snapshot_shapes_match_the_openapi_document(world):
    snap = publish(world).get_json()
    anonymous = world.app.test_client()
    paths = anonymous.get("/api/openapi.json").get_json()["paths"]
    for path, body in (("/api/snapshots/{snapshot_id}", anonymous.get(f"/api/snapshots/{snap['id']}").get_json()),
                       ("/api/snapshots", anonymous.get("/api/snapshots").get_json())):
        schema = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert set(body) >= set(schema["required"])
        items = schema["properties"]["snapshots"]["items"] if path == "/api/snapshots" else schema
        for entry in body.get("snapshots", [body]):
            assert set(entry) >= set(items["required"])
            assert all(isinstance(entry[k], (str, int, dict, list)) for k in items["properties"]
                       if entry.get(k) is not None)  # optional ones (style_control) may be absent
    assert set(snap) >= {"id", "vote_set_sha256", "exposure", "downloads", "superseded_by", "round_title"}


def test_the_board_follows_the_rounds_protocol_and_still_verifies(world, tmp_path):
    round_ = world.db.get(Round, world.round.id)
    round_.protocol, round_.protocol_version = {"bootstrap_rounds": 200, "seed": 7, "min_battles": 20}, 2
    world.db.commit()
    snap = publish(world).get_json()
    assert snap["protocol"]["seed"] == 7 and snap["protocol_version"] == 2 and snap["params"]["bootstrap_rounds"] == 200
    assert [m["provisional"] for m in snap["models"]] == [m["battles"] < 20 for m in snap["models"]]
    assert {m["provisional"] for m in snap["models"]} == {True, False}
    export(world, snap["id"], tmp_path / "release")
    assert verify_dir(tmp_path / "release").startswith("match:")


def test_the_round_title_is_the_one_at_publication(world):
    snap = publish(world).get_json()
    round_ = world.db.get(Round, world.round.id)
    published_title, round_.title = round_.title, "나중에 바꾼 제목"
    world.db.commit()
    anonymous = world.app.test_client()
    assert anonymous.get(f"/api/snapshots/{snap['id']}").get_json()["round_title"] == published_title
    listing = anonymous.get("/api/snapshots", query_string={"round": world.round.id}).get_json()["snapshots"]
    assert [s["round_title"] for s in listing] == [published_title]


def test_the_archive_of_an_unknown_round_is_404(world):
    anonymous = world.app.test_client()
    for round_id in ("no-such-round", "bad id\x00"):
        resp = anonymous.get("/api/snapshots", query_string={"round": round_id})
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "unknown_round"
    assert anonymous.get("/api/snapshots", query_string={"round": world.round.id}).get_json() == {"snapshots": []}


def test_a_reason_the_protocol_does_not_list_still_counts(world, tmp_path):
    round_ = world.db.get(Round, world.round.id)
    round_.protocol = {"exclusions": ["identity_leak"]}  # moderation is not a reason to exclude in this round
    world.db.commit()
    snap = publish(world).get_json()
    assert snap["votes"] == {"total": 31, "counted": 30, "excluded": 1}
    assert snap["exclusions"] == {"identity_leak": 1}
    votes = [json.loads(line) for line in world.app.test_client().get(snap["downloads"]["votes"]).data.splitlines()]
    assert (votes[3]["counted"], votes[3]["excluded_reason"]) == (True, "moderation")
    assert sum(m["battles"] for m in snap["models"]) == 2 * 30
    export(world, snap["id"], tmp_path / "release")
    assert verify_dir(tmp_path / "release").startswith("match:")


def test_the_board_is_keyed_by_slug_with_the_frozen_rosters_teams(world, tmp_path):
    """A version bump mid-round keeps one row (named as its latest vote); a model dropped from the latest
    protocol version keeps its team; a roster model without votes is listed as unrated."""
    model_1 = world.db.scalars(select(Model).where(Model.slug == "r-snap-m1")).one()
    model_1.version = "2"
    spare = Model(slug="r-snap-m3", team=model_1.team, display_name="Spare", version="1", backend={"kind": "bank"})
    world.db.add(spare)
    world.db.add(RoundProtocol(round_id=world.round.id, version=1, protocol={}, categories=["daily"],
                               roster=["r-snap-m0", "r-snap-m1", "r-snap-m3"], free_prompts=False, reason="opened",
                               created_by="test", created_at=utcnow()))
    world.db.flush()
    make_logged_vote(world.db, world.round, world.citizen, 1, 2, "a")
    world.db.scalars(select(Model).where(Model.slug == "r-snap-m2")).one().display_name = "Model 0"  # as m0 is named
    world.db.flush()
    make_logged_vote(world.db, world.round, world.citizen, 0, 2, "b")
    world.db.commit()
    snap = publish(world).get_json()
    rows = {m["slug"]: m for m in snap["models"]}
    assert set(rows) == {"r-snap-m0", "r-snap-m1", "r-snap-m2"} and rows["r-snap-m1"]["name"] == "Model 1 2"
    assert [(rows[f"r-snap-m{i}"]["name"], rows[f"r-snap-m{i}"]["team"]) for i in (0, 2)] == [
        ("Model 0 1", "팀0"), ("Model 0 1", "팀2")]  # same name, two models, each with its own team
    assert rows["r-snap-m2"]["team_slug"] == "r-snap-t2"  # off the latest roster, still credited to its team
    assert rows["r-snap-m1"]["battles"] == 19 and snap["unrated"] == ["Spare 1"]
    assert snap["matrix"]["models"] == ["Model 0 1", "Model 1 2", "Model 0 1", "Spare 1"]
    assert snap["matrix"]["battles"][0][2] == 4 * 3 - 1 + 1  # the pattern's, one excluded, the new one
    export(world, snap["id"], tmp_path / "release")
    assert verify_dir(tmp_path / "release").startswith("match:")
