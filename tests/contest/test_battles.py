"""Battles end to end through the API with the response bank (the demo contest)."""
from __future__ import annotations

import json

from sqlalchemy import select

from contest.models import Battle, BattleTurn
from tests.builders import make_user


def sse_events(resp) -> list[tuple[str, dict]]:
    """Parse a text/event-stream body into (event, data) pairs."""
    events = []
    for block in resp.get_data(as_text=True).split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            events.append((lines["event"], json.loads(lines["data"])))
    return events


def assert_alternating(sides: list[str]) -> None:
    """While both sides still have text to come, deltas strictly alternate A, B, A, B."""
    both_until = min(len(sides) - 1 - sides[::-1].index(s) for s in "ab")
    for i in range(both_until):
        assert sides[i] != sides[i + 1], sides


def logged_in(db, login, name="시민"):
    user = make_user(db, name)
    login.as_user(user)
    return user


def test_curated_battle_json_then_ready_with_timings(client, demo, login):
    logged_in(demo, login)
    resp = client.post("/api/battles", json={"prompt_id": "p001"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["turn"] == 1 and set(body["answers"]) == {"a", "b"}
    assert body["answers"]["a"]["text"] and body["answers"]["b"]["text"]
    assert body["demo"] is True
    battle = demo.get(Battle, body["battle_id"])
    demo.refresh(battle)
    assert battle.status == "ready" and battle.ready_at is not None and battle.prompt_id == "p001"
    assert 0 < battle.pair_propensity <= 1
    turn = battle.turns[0]
    assert turn.answer_a == body["answers"]["a"]["text"] and turn.completed_at is not None
    assert turn.latency_a_ms is not None and turn.first_token_b_ms is not None
    assert len(body["battle_id"]) >= 22  # 128 random bits


def test_streamed_battle_interleaves_sides_and_ends_with_html(client, demo, login):
    logged_in(demo, login)
    resp = client.post("/api/battles", json={"category": "coding"}, headers={"Accept": "text/event-stream"})
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    events = sse_events(resp)
    assert events[0][0] == "start" and events[-1][0] == "done"
    deltas = [d["side"] for e, d in events if e == "delta"]
    assert deltas[:2] == ["a", "b"], "both sides start together, A then B"
    assert_alternating(deltas)
    done = events[-1][1]
    streamed = {s: "".join(d["text"] for e, d in events if e == "delta" and d["side"] == s) for s in "ab"}
    assert streamed == {s: done["answers"][s]["text"] for s in "ab"}
    assert done["answers"]["a"]["html"].strip()
    battle = demo.get(Battle, done["battle_id"])
    assert battle.category == "coding"


def test_free_prompt_and_follow_up_refused_for_bank_rounds(client, demo, login):
    logged_in(demo, login)
    resp = client.post("/api/battles", json={"prompt": "안녕?"})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "free_prompt_unavailable"
    battle_id = client.post("/api/battles", json={}).get_json()["battle_id"]
    resp = client.post(f"/api/battles/{battle_id}/turns", json={"prompt": "더 자세히"})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "followup_unavailable"
    assert len(demo.scalars(select(BattleTurn).where(BattleTurn.battle_id == battle_id)).all()) == 1


def test_bad_input_gets_4xx_in_the_error_shape_and_saves_nothing(client, demo, login):
    assert client.post("/api/battles", json={}).status_code == 401
    logged_in(demo, login)
    cases = [
        (dict(data="nope", content_type="application/json"), 400, "invalid_json"),
        (dict(json=["a"]), 400, "invalid_json"),
        (dict(json={"prompt_id": 5}), 422, "invalid_field"),
        (dict(json={"prompt_id": "nope"}), 404, "prompt_not_found"),
        (dict(json={"category": "sports"}), 422, "unknown_category"),
        (dict(json={"prompt_id": "p001", "category": "coding"}), 422, "category_mismatch"),
    ]
    for kwargs, status, code in cases:
        resp = client.post("/api/battles", **kwargs)
        assert resp.status_code == status, (kwargs, resp.get_data(as_text=True))
        assert resp.get_json()["error"]["code"] == code and resp.get_json()["error"]["message"]
    assert demo.scalars(select(Battle)).all() == []


def test_turns_only_for_the_owner_and_only_when_ready(client, demo, login, app):
    owner = logged_in(demo, login)
    battle_id = client.post("/api/battles", json={}).get_json()["battle_id"]
    other = make_user(demo, "남")
    login.as_user(other)
    resp = client.post(f"/api/battles/{battle_id}/turns", json={"prompt": "x"})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "battle_not_found"
    login.as_user(owner)
    assert client.post("/api/battles/unknown/turns", json={"prompt": "x"}).status_code == 404
    assert client.post(f"/api/battles/{battle_id}/turns", json={}).status_code == 400
    battle = demo.get(Battle, battle_id)
    battle.status = "voided"
    demo.commit()
    resp = client.post(f"/api/battles/{battle_id}/turns", json={"prompt": "x"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "battle_closed"


def test_models_in_outage_are_not_drawn(client, demo, login):
    from datetime import timedelta

    from app.db import utcnow
    from contest.models import Model

    logged_in(demo, login)
    models = demo.scalars(select(Model)).all()
    for m in models[:3]:
        m.outage_until = utcnow() + timedelta(minutes=5)
    demo.commit()
    resp = client.post("/api/battles", json={})
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "no_models_available"
    assert resp.headers["Retry-After"]
    models[0].outage_until = None
    demo.commit()
    battle_id = client.post("/api/battles", json={}).get_json()["battle_id"]
    battle = demo.get(Battle, battle_id)
    assert {battle.model_a_id, battle.model_b_id} == {models[0].id, models[3].id}
