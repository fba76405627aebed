"""The consented conversations of a snapshot: prompts and answers only of voters who agreed, only counted
votes, only once the round has closed; a withdrawn consent leaves the next download."""
from __future__ import annotations

import json

import pytest

from app.consent import set_release
from app.db import utcnow
from contest.models import BattleTurn, Round
from tests.conftest import ContextCliRunner
from tests.voting.snapshot_world import build_world, export, publish
from voting.cli import snapshots_cli
from voting.verify import verify_dir


@pytest.fixture
def world(any_db_url, make_app):
    w = build_world(make_app(any_db_url, CODE_VERSION="test-conv"))
    agreed, withdrew = w.votes[0].user_id, w.votes[1].user_id  # the third voter never decided
    set_release(w.db, agreed, True, utcnow())
    set_release(w.db, withdrew, True, utcnow())
    set_release(w.db, withdrew, False, utcnow())
    w.db.commit()
    yield w
    w.db.close()


def close(world) -> None:
    world.db.get(Round, world.round.id).status = "closed"
    world.db.commit()


def lines_of(resp) -> list[dict]:
    return [json.loads(line) for line in resp.data.splitlines()]


def test_only_the_counted_votes_of_voters_who_agreed_are_released_with_their_turns(world):
    close(world)
    snap = publish(world).get_json()
    resp = world.app.test_client().get(f"/api/snapshots/{snap['id']}/conversations")
    assert resp.status_code == 200 and resp.mimetype == "application/x-ndjson"
    assert resp.headers["Cache-Control"] == "no-cache"
    released = lines_of(resp)
    agreed = world.votes[0].user_id
    expected = sorted(v.id for v in world.votes if v.user_id == agreed and not v.excluded)
    assert len(expected) == 9  # ten of hers, one excluded by moderation, one at cast (identity leak)
    assert [line["vote_id"] for line in released] == expected
    turn = world.db.query(BattleTurn).filter_by(battle_id=world.votes[0].battle_id).one()
    first = next(line for line in released if line["vote_id"] == world.votes[0].id)
    assert first == {"vote_id": world.votes[0].id,
                     "turns": [{"prompt": turn.prompt_text, "answer_a": turn.answer_a, "answer_b": turn.answer_b}]}
    votes = lines_of(world.app.test_client().get(f"/api/snapshots/{snap['id']}/votes"))
    assert {line["vote_id"] for line in released} <= {v["vote_id"] for v in votes if v["counted"]}
    assert all(set(line) == {"vote_id", "turns"} for line in released)  # no voter, no account


def test_a_withdrawn_consent_leaves_the_next_download(world):
    close(world)
    snap_id = publish(world).get_json()["id"]
    url = f"/api/snapshots/{snap_id}/conversations"
    assert len(lines_of(world.app.test_client().get(url))) == 9
    set_release(world.db, world.votes[0].user_id, False, utcnow())
    world.db.commit()
    resp = world.app.test_client().get(url)
    assert resp.status_code == 200 and resp.data == b""


def test_a_running_rounds_conversations_wait_for_the_close(world):
    snap_id = publish(world).get_json()["id"]
    resp = world.app.test_client().get(f"/api/snapshots/{snap_id}/conversations")
    assert resp.status_code == 409
    error = resp.get_json()["error"]
    assert error["code"] == "round_not_closed" and "경연 회차가 끝난 뒤" in error["message"]
    missing = world.app.test_client().get("/api/snapshots/nope-20260101-abcd/conversations")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "unknown_snapshot"


def test_the_export_adds_the_conversations_after_the_close_and_the_release_still_verifies(world, tmp_path):
    runner = ContextCliRunner(world.app)
    running = publish(world).get_json()["id"]
    result = runner.invoke(snapshots_cli, ["export", running, str(tmp_path / "running")])
    assert result.exit_code == 0 and not (tmp_path / "running" / "conversations.jsonl").exists()
    close(world)
    final = publish(world).get_json()["id"]
    result = runner.invoke(snapshots_cli, ["export", final, str(tmp_path / "final")])
    assert result.exit_code == 0, result.output
    served = world.app.test_client().get(f"/api/snapshots/{final}/conversations").data
    assert (tmp_path / "final" / "conversations.jsonl").read_bytes() == served and served.count(b"\n") == 9
    assert verify_dir(tmp_path / "final").startswith("match: snapshot " + final)
    export(world, final, tmp_path / "downloaded")
    assert verify_dir(tmp_path / "downloaded").startswith("match: snapshot " + final)


def test_the_snapshot_page_offers_the_conversations_once_the_round_has_closed(world):
    running = publish(world).get_json()["id"]
    page = world.app.test_client().get(f"/snapshots/{running}").get_data(as_text=True)
    assert "/conversations" not in page
    close(world)
    final = publish(world).get_json()["id"]
    page = world.app.test_client().get(f"/snapshots/{final}").get_data(as_text=True)
    assert f'href="/api/snapshots/{final}/conversations"' in page and "공개에 동의한 참여자" in page
