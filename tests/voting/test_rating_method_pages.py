"""The pages show a too-few-votes model as such ("표본 부족" / "too few votes"), with no rank, and the
protocol of a current board in words of the anchored method."""
from __future__ import annotations

import pytest

from tests.voting.snapshot_world import build_world, client_as, publish
from tests.voting.test_leaderboard import board_when, vote_all

HTML = {"Accept": "text/html"}


def test_the_live_board_shows_too_few_votes_instead_of_a_rank(client, login, arena):
    vote_all(client, login, arena)
    body = board_when(client, "/api/leaderboard?round=r-vote", 6)
    assert {m["status"] for m in body["models"]} == {"too_few_votes"}
    html = client.get("/leaderboard?round=r-vote", headers=HTML).get_data(as_text=True)
    plain = html.split('id="style-board"')[0]  # the style-controlled board below repeats the badges
    assert plain.count('<span class="badge">표본 부족</span>') == 3 and "순위가 매겨진 모델을 상대로" in html
    assert "None" not in html
    english = client.get("/leaderboard?round=r-vote&lang=en", headers=HTML).get_data(as_text=True)
    assert english.split('id="style-board"')[0].count('<span class="badge">too few votes</span>') == 3


@pytest.fixture
def world(tmp_path):
    from app.cli import upgrade_db
    from tests.builders import make_test_app

    upgrade_db(f"sqlite:///{tmp_path / 'arena.db'}")
    app = make_test_app(f"sqlite:///{tmp_path / 'arena.db'}")
    built = build_world(app)
    yield built
    built.db.close()
    app.extensions["db_engine"].dispose()


def test_a_published_snapshot_page_shows_too_few_votes_and_the_method_version(world):
    world.round.protocol, world.round.protocol_version = {"min_battles": 20}, 2
    world.db.commit()
    snap_id = publish(world).get_json()["id"]
    client = client_as(world, world.citizen)
    snapshot = client.get(f"/api/snapshots/{snap_id}").get_json()
    statuses = {m["slug"]: (m["status"], m["rank"]) for m in snapshot["models"]}
    assert snapshot["protocol"]["rating_method"] == "anchored-sandwich-1"
    html = client.get(f"/snapshots/{snap_id}", headers=HTML).get_data(as_text=True)
    assert "anchored-sandwich-1" in html and "강건(샌드위치) 표준오차" in html and "부트스트랩" not in html
    too_few = sum(1 for status, _ in statuses.values() if status == "too_few_votes")
    assert 0 < too_few < len(statuses), statuses  # both kinds on one page
    assert html.count('<span class="badge">표본 부족</span>') == too_few
    assert all((rank is None) == (status == "too_few_votes") for status, rank in statuses.values())
    csv = client.get(f"/api/snapshots/{snap_id}/board.csv").get_data(as_text=True)
    assert csv.count("\r\n") == 1 + len(statuses)
