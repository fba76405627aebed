"""Rounds as everyone meets them: the public list and protocol versions, battles naming their round,
free prompts by the round's terms, and the live board computed under the round's own protocol."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from contest.demo import DEMO_ROUND_ID
from contest.models import Battle, Round
from contest.rounds import close_round, create_round, open_round
from contest.service import free_prompts_allowed
from tests.builders import make_battle, make_round, make_user
from tests.voting.test_leaderboard import board_when

PILOT = {"id": "pilot", "title": "시범 회차", "categories": ["daily"], "roster": ["exaone-demo", "solar-demo"]}


@pytest.fixture
def app(any_db_url, make_app):
    return make_app(any_db_url, RATING_BOOTSTRAP_ROUNDS=123)


def add_round(db, status: str = "open", **changes):
    """A round beside the demo one, made and opened through the services."""
    data = {**PILOT, "opens_at": utcnow().replace(year=2026, month=1, day=1), "closes_at": utcnow().replace(year=2030),
            **changes}
    create_round(db, "cli:test", data, utcnow())
    if status in ("open", "closed"):
        open_round(db, "cli:test", data["id"], utcnow())
    if status == "closed":
        close_round(db, "cli:test", data["id"], utcnow())
    db.commit()
    return db.get(Round, data["id"])


def citizen(db, login):
    user = make_user(db, "시민")
    login.as_user(user)
    return user


def battles(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Battle))


def test_the_public_sees_rounds_but_not_drafts(client, demo):
    add_round(demo, "draft", id="secret-draft")
    add_round(demo, "closed", id="pilot-closed")
    listed = client.get("/api/rounds").get_json()["rounds"]
    assert {r["id"] for r in listed} == {DEMO_ROUND_ID, "pilot-closed"}
    closed = next(r for r in listed if r["id"] == "pilot-closed")
    assert set(closed) == {"id", "title", "title_en", "status", "opens_at", "closes_at", "categories", "free_prompts",
                           "protocol_version"}
    assert closed["status"] == "closed" and closed["protocol_version"] == 1
    for hidden in ("secret-draft", "nope", "x" * 300):
        resp = client.get(f"/api/rounds/{hidden}/protocols")
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (404, "unknown_round")
    versions = client.get("/api/rounds/pilot-closed/protocols").get_json()["versions"]
    assert [v["version"] for v in versions] == [1] and versions[0]["roster"] == PILOT["roster"]
    current = client.get("/api/rounds/current").get_json()
    assert current["id"] == DEMO_ROUND_ID and current["free_prompts"] is False and current["protocol_version"] == 1
    salt = demo.get(Round, "pilot-closed").pseudonym_salt
    assert salt not in client.get("/api/rounds").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/api/leaderboard?round={}", "/api/leaderboard/matrix?round={}",
                                 "/api/leaderboard.csv?round={}", "/api/snapshots?round={}",
                                 "/api/log/roots?round={}", "/leaderboard?round={}"])
def test_a_draft_is_as_unknown_as_a_missing_round_on_every_public_route(client, demo, url):
    """A draft's title and roster are the ministry's until it opens: no public board, matrix, export,
    archive or log route tells it apart from a round that does not exist."""
    add_round(demo, "draft", id="secret-draft", title="SECRET DRAFT")
    draft, missing = client.get(url.format("secret-draft")), client.get(url.format("no-such-round"))
    assert draft.status_code == missing.status_code == 404
    assert "SECRET" not in draft.get_data(as_text=True)
    if draft.is_json:
        assert draft.get_json()["error"]["code"] == missing.get_json()["error"]["code"] == "unknown_round"


def test_a_battle_names_its_round(client, demo, login):
    add_round(demo)
    add_round(demo, "draft", id="later")
    add_round(demo, "closed", id="over")
    citizen(demo, login)
    resp = client.post("/api/battles", json={"round": "pilot", "category": "daily"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    battle = demo.get(Battle, resp.get_json()["battle_id"])
    assert battle.round_id == "pilot" and {battle.model_a.slug, battle.model_b.slug} == set(PILOT["roster"])
    resp = client.post("/api/battles", json={"category": "daily"})  # no round: the most recently opened
    assert demo.get(Battle, resp.get_json()["battle_id"]).round_id == DEMO_ROUND_ID
    count = battles(demo)
    for name, status, code in (("nope", 404, "unknown_round"), ("later", 404, "unknown_round"),
                               ("over", 409, "round_closed"), ("x" * 41, 422, "invalid_field")):
        resp = client.post("/api/battles", json={"round": name, "category": "daily"})
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (status, code), name
    pool = client.get("/api/prompts?round=pilot").get_json()
    assert pool and {p["category"] for p in pool} == {"daily"}  # the named round's categories only
    assert client.get("/api/prompts?round=later").status_code == 404
    assert client.get("/api/prompts?round=over").status_code == 409
    resp = client.post("/api/battles", json={"round": "pilot", "category": "coding"})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (422, "unknown_category")
    assert battles(demo) == count


def test_closing_a_round_stops_its_battles_and_votes(client, demo, login):
    round_ = add_round(demo)
    user = citizen(demo, login)
    battle = make_battle(demo, user, round_)
    demo.commit()
    close_round(demo, "cli:test", "pilot", utcnow())
    demo.commit()
    resp = client.post(f"/api/battles/{battle.id}/vote", json={"winner": "a"})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (409, "round_closed")
    assert resp.get_json()["error"]["message"] == "경연 기간이 끝나 투표할 수 없습니다."  # voting's words
    resp = client.post("/api/battles", json={"round": "pilot"})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (409, "round_closed")
    # contest's own words: one global table once let voting's text ("cannot vote") answer a battle start
    assert resp.get_json()["error"]["message"] == "경연 기간이 끝났습니다."
    resp = client.post("/api/battles?lang=en", json={"round": "pilot"})
    assert resp.get_json()["error"]["message"] == "The round is closed."


def live_models(db, round_: Round) -> None:
    for rm in round_.roster:
        rm.model.backend = {"kind": "openai", "base_url": "http://127.0.0.1:9/v1", "model": rm.model.slug}
    db.commit()


def test_free_prompts_follow_the_round_terms(client, db, login):
    round_ = make_round(db, "closed-pool", models=2)
    live_models(db, round_)  # live models, but the round's terms say curated prompts only
    user = citizen(db, login)
    resp = client.post("/api/battles", json={"prompt": "안녕?"})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (422, "free_prompt_unavailable")
    battle = make_battle(db, user, round_)
    db.commit()
    resp = client.post(f"/api/battles/{battle.id}/turns", json={"prompt": "더 자세히"})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (422, "followup_unavailable")
    assert len(db.get(Battle, battle.id).turns) == 1
    round_.free_prompts = True
    assert free_prompts_allowed(round_)
    round_.roster[0].model.backend = {"kind": "bank"}  # a backend changed after the round opened
    assert not free_prompts_allowed(round_), "a bank-backed model never receives a free prompt"
    db.commit()
    resp = client.post("/api/battles", json={"prompt": "안녕?"})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (422, "free_prompt_unavailable")


def test_the_live_board_uses_the_rounds_own_protocol(client, demo, login):
    protocol = {"bootstrap_rounds": 50, "seed": 7, "min_battles": 1, "scale": 300, "confidence": 0.9}
    pilot = add_round(demo, protocol=protocol)
    user = citizen(demo, login)
    for round_ in (pilot, demo.get(Round, DEMO_ROUND_ID)):
        battle = make_battle(demo, user, round_)
        demo.commit()
        assert client.post(f"/api/battles/{battle.id}/vote", json={"winner": "a"}).status_code == 200
    board = board_when(client, "/api/leaderboard?round=pilot", 1)
    assert {k: board["params"][k] for k in ("bootstrap_rounds", "seed", "provisional_below", "scale", "confidence")} \
        == {"bootstrap_rounds": 50, "seed": 7, "provisional_below": 1, "scale": 300.0, "confidence": 0.9}
    assert [m["provisional"] for m in board["models"]] == [False, False]  # one battle each: enough here
    demo_board = board_when(client, f"/api/leaderboard?round={DEMO_ROUND_ID}", 1)
    assert demo_board["params"]["bootstrap_rounds"] == 1000, "the demo round's protocol, not ARENA_RATING_*"
    assert all(m["provisional"] for m in demo_board["models"])  # below its 30 battles
    page = client.get("/leaderboard?round=pilot")
    assert page.status_code == 200


def test_a_round_without_a_protocol_takes_the_config(client, db):
    make_round(db, "legacy", models=2)  # made before protocols existed: protocol {}
    db.commit()
    params = client.get("/api/leaderboard?round=legacy").get_json()["params"]
    assert params["bootstrap_rounds"] == 123 and params["provisional_below"] == 30


def test_a_new_protocol_version_moves_the_board(client, demo, login):
    add_round(demo, protocol={"bootstrap_rounds": 50})
    ministry = make_user(demo, "부처", roles=("ministry",))
    login.as_user(ministry)
    assert client.get("/api/leaderboard?round=pilot").get_json()["params"]["bootstrap_rounds"] == 50
    resp = client.post("/api/admin/rounds/pilot/protocol", json={"reason": "신뢰구간 안정화", "protocol": {
        "bootstrap_rounds": 400}})
    assert resp.status_code == 201
    assert client.get("/api/leaderboard?round=pilot").get_json()["params"]["bootstrap_rounds"] == 400
