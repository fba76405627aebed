"""Battles end to end through the API with OpenAI-compatible models served on loopback."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.metrics import BACKEND_ERRORS
from contest.models import Battle, Model
from tests.builders import make_round, make_test_app, make_user
from tests.contest.llm_server import LoopbackLLM
from tests.contest.test_battles import assert_alternating, sse_events


@pytest.fixture
def app(any_db_url):
    """Each test runs on SQLite and on the real PostgreSQL (turns lock the battle row there).

    The read timeout stays the default (30 s): each model's own `timeout` (see `live_round`) caps it, so only
    the silent model times out (an app-wide 0.5 s also timed out a steady model on a loaded machine)."""
    app = make_test_app(any_db_url, MAX_TURNS=2, SAMPLING_SEED="3")
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def llm():
    with LoopbackLLM() as server:
        yield server


def live_round(db, llm, kinds):
    """A round whose models answer from the loopback server, one behaviour per model."""
    round_ = make_round(db, "live", models=len(kinds), categories=("daily", "coding"), free_prompts=True)
    for rm, kind in zip(round_.roster, kinds):
        # A model's `timeout` is its total and its read timeout. "hang" goes silent for 3 s after its headers:
        # 1 s times it out well before. The answering kinds get room on a loaded machine (a full run once saw
        # "steady" pass 5 s in a follow-up); the failing ones answer at once.
        timeout = {"steady": 30, "slow": 30, "hang": 1}.get(kind, 5)
        rm.model.backend = {"kind": "openai", "base_url": llm.url, "model": kind, "timeout": timeout}
    db.commit()
    return round_


def start(client, **body):
    return client.post("/api/battles", json={"prompt": "서울의 봄 날씨는?", **body})


def test_free_prompt_battle_and_follow_up_with_history(client, db, login, llm):
    live_round(db, llm, ["steady", "slow"])
    login.as_user(make_user(db))
    first = start(client, category="coding")
    assert first.status_code == 201, first.get_data(as_text=True)
    body = first.get_json()
    assert body["answers"]["a"]["text"].startswith("[1] ") and body["answers"]["b"]["text"].startswith("[1] ")
    assert body["demo"] is False
    follow = client.post(f"/api/battles/{body['battle_id']}/turns", json={"prompt": "더 자세히"},
                         headers={"Accept": "text/event-stream"})
    events = sse_events(follow)
    assert [e for e, _ in events][0] == "start" and events[-1][0] == "done"
    assert events[-1][1]["turn"] == 2 and events[-1][1]["answers"]["a"]["text"].startswith("[2] ")
    assert_alternating([d["side"] for e, d in events if e == "delta"])
    sent = llm.requests[-1]["body"]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[2]["content"].startswith("[1] ") and sent[3]["content"] == "더 자세히"
    battle = db.get(Battle, body["battle_id"])
    db.refresh(battle)
    assert battle.status == "ready" and len(battle.turns) == 2 and battle.category == "coding"
    third = client.post(f"/api/battles/{body['battle_id']}/turns", json={"prompt": "하나 더"})
    assert third.status_code == 409 and third.get_json()["error"]["code"] == "turn_limit"


@pytest.mark.parametrize("kind, code", [("error500", "http_5xx"), ("cut", "cut_stream"), ("hang", "timeout")])
def test_a_failing_model_voids_the_battle_counts_and_goes_into_outage(client, db, login, llm, kind, code):
    live_round(db, llm, ["steady", kind])
    login.as_user(make_user(db))
    failing = db.scalars(select(Model).where(Model.slug == "live-m1")).one()
    before = BACKEND_ERRORS.labels(model="live-m1", kind=code)._value.get()
    resp = start(client)
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "backend_failed"
    assert "secret" not in resp.get_data(as_text=True) and "500" not in resp.get_json()["error"]["message"]
    battle = db.scalars(select(Battle)).one()
    assert battle.status == "voided" and battle.void_reason == "backend_error" and battle.ready_at is None
    turn = battle.turns[0]
    side = "a" if battle.model_a_id == failing.id else "b"
    assert getattr(turn, f"error_{side}") == code
    assert BACKEND_ERRORS.labels(model="live-m1", kind=code)._value.get() == before + 1
    db.refresh(failing)
    assert failing.outage_until is not None
    again = start(client)  # only one model left: no battle can be drawn
    assert again.status_code == 503 and again.get_json()["error"]["code"] == "no_models_available"


def test_streamed_failure_sends_an_error_event_and_offers_nothing_to_vote_on(client, db, login, llm):
    live_round(db, llm, ["steady", "error500"])
    login.as_user(make_user(db))
    events = sse_events(client.post("/api/battles", json={"prompt": "안녕"}, headers={"Accept": "text/event-stream"}))
    assert events[-1][0] == "error" and events[-1][1]["error"]["code"] == "backend_failed"
    assert not any(e == "done" for e, _ in events)
    assert db.scalars(select(Battle)).one().status == "voided"


def test_leaving_mid_stream_voids_the_battle(app, client, db, login, llm):
    live_round(db, llm, ["slow", "slow"])
    login.as_user(make_user(db))
    resp = client.post("/api/battles", json={"prompt": "안녕"}, headers={"Accept": "text/event-stream"},
                       buffered=False)
    stream = iter(resp.response)
    next(stream)  # the start event arrives, then the citizen closes the page
    resp.close()
    db.expire_all()
    battle = db.scalars(select(Battle)).one()
    assert battle.status == "voided" and battle.void_reason == "interrupted"


def test_leaving_before_any_answer_byte_voids_the_battle_too(app, client, db, login, llm):
    # WSGI servers read the first item before they can notice a gone client; here only the start
    # event is read, then the response closes: the battle must not stay 'answering' for ever.
    live_round(db, llm, ["steady", "steady"])
    login.as_user(make_user(db))
    resp = client.post("/api/battles", json={"prompt": "안녕"}, headers={"Accept": "text/event-stream"},
                       buffered=False)
    resp.close()
    db.expire_all()
    battle = db.scalars(select(Battle)).one()
    assert battle.status == "voided" and battle.void_reason == "interrupted"
    assert llm.requests == []  # no backend was called for a turn nobody reads


def test_free_prompt_limits(client, db, login, llm):
    live_round(db, llm, ["steady", "steady"])
    login.as_user(make_user(db))
    assert start(client, prompt="   ").get_json()["error"]["code"] == "empty_prompt"
    resp = start(client, prompt="가" * 2001)
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "prompt_too_long"
    assert db.scalars(select(Battle)).all() == []


def test_ministry_sees_exposure_and_backend_errors_others_get_403(client, db, login, llm):
    live_round(db, llm, ["steady", "error500", "steady"])
    citizen = make_user(db)
    login.as_user(citizen)
    for _ in range(4):
        start(client)
    assert client.get("/api/admin/contest/exposure").status_code == 403
    login.as_user(make_user(db, "부처", roles=("ministry",)))
    report = client.get("/api/admin/contest/exposure?round=live").get_json()
    rows = {m["slug"]: m for m in report["models"]}
    assert sum(m["battles"] for m in rows.values()) == 2 * 4
    assert all(m["battles"] == m["side_a"] + m["side_b"] for m in rows.values())
    assert rows["live-m1"]["backend_errors"] >= 1 and rows["live-m1"]["backend_error_codes"].get("http_5xx")
    assert rows["live-m0"]["backend_errors"] == 0
    assert len(report["pairs"]) == 3
    assert client.get("/api/admin/contest/exposure?round=nope").status_code == 404
    assert client.get("/api/admin/contest/exposure?round=live&category=x").status_code == 422


def test_nul_characters_are_refused_with_4xx_not_a_database_error(client, db, login, llm):
    # PostgreSQL text cannot hold U+0000: it must be refused at the edge, on both databases alike.
    live_round(db, llm, ["steady", "steady"])
    login.as_user(make_user(db))
    for body in ({"prompt": "안녕\x00"}, {"prompt_id": "p\x00"}, {"prompt": "안녕", "category": "daily\x00"}):
        resp = client.post("/api/battles", json=body)
        assert resp.status_code in (400, 422), (body, resp.get_data(as_text=True))
        assert resp.get_json()["error"]["code"] in ("invalid_field", "unknown_category")
    battle_id = start(client).get_json()["battle_id"]
    resp = client.post(f"/api/battles/{battle_id}/turns", json={"prompt": "더\x00"})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "invalid_field"
    resp = client.post("/api/battles/x%00y/turns", json={"prompt": "더"})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "battle_not_found"
    assert client.get("/arena/b/x%00y").status_code == 404
    login.as_user(make_user(db, "부처", roles=("ministry",)))
    resp = client.get("/api/admin/contest/exposure?round=x%00y")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "unknown_round"
    db.expire_all()
    assert len(db.scalars(select(Battle)).one().turns) == 1
