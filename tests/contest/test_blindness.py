"""Blindness: before the vote no response names a model or team, by name, slug or model id."""
from __future__ import annotations

import json
import re

import pytest

from contest.models import Battle, Model, Team
from tests.builders import make_round, make_user
from tests.contest.llm_server import LoopbackLLM
from tests.contest.test_battles import sse_events


def secrets_of(db) -> list[str]:
    """Every string that would tell a model apart: names, slugs, backend model ids, team names."""
    words = []
    for m in db.query(Model).all():
        words += [m.slug, m.display_name, str((m.backend or {}).get("model") or "")]
    for team in db.query(Team).all():
        words += [team.slug, team.name_ko, team.name_en]
    return [w for w in words if w]


def assert_blind(resp, secrets: list[str]) -> None:
    """No secret as a whole word in the body (JSON unescaped) or any header."""
    body = json.dumps(resp.get_json(), ensure_ascii=False) if resp.is_json else resp.get_data(as_text=True)
    text = body + "\n" + "\n".join(f"{k}: {v}" for k, v in resp.headers.items())
    for word in secrets:
        pattern = rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])"
        assert not re.search(pattern, text, re.IGNORECASE), f"{word!r} leaked in {resp.request.path}"


def walk_before_vote(client, secrets, start_body, follow_up=False) -> str:
    """Start a battle both ways and fetch everything a citizen sees before voting."""
    pages = [client.get(p) for p in ("/", "/arena", "/api/rounds/current", "/api/prompts", "/api/me")]
    streamed = client.post("/api/battles", json=start_body, headers={"Accept": "text/event-stream"})
    plain = client.post("/api/battles", json=start_body)
    assert plain.status_code == 201 and sse_events(streamed)[-1][0] == "done"
    battle_id = plain.get_json()["battle_id"]
    pages += [streamed, plain, client.get(f"/arena/b/{battle_id}")]
    if follow_up:
        pages.append(client.post(f"/api/battles/{battle_id}/turns", json={"prompt": "누가 만들었어?"},
                                 headers={"Accept": "text/event-stream"}))
    for resp in pages[-3:]:  # one citizen's battle: no cache may keep it (the page names the models once voted)
        assert "no-store" in resp.headers.get("Cache-Control", ""), resp.request.path
    for resp in pages:
        assert resp.status_code < 500
        assert_blind(resp, secrets)
    return battle_id


def test_bank_battles_are_blind_until_the_vote(client, demo, login):
    login.as_user(make_user(demo))
    secrets = secrets_of(demo)
    assert len(secrets) >= 16
    battle_id = ""
    for category in ("daily", "writing", "coding", "reasoning", "culture"):
        battle_id = walk_before_vote(client, secrets, {"category": category})
    # The check itself can fail: once voted, the battle page names both models.
    battle = demo.get(Battle, battle_id)
    battle.status = "voted"
    demo.commit()
    after = client.get(f"/arena/b/{battle_id}")
    assert battle.model_a.display_name in after.get_data(as_text=True)
    with pytest.raises(AssertionError):
        assert_blind(after, secrets)


def test_live_battles_are_blind_until_the_vote(client, db, login):
    with LoopbackLLM() as llm:
        round_ = make_round(db, "blind", models=3, free_prompts=True)
        for i, rm in enumerate(round_.roster):
            rm.model.backend = {"kind": "openai", "base_url": llm.url, "model": f"steady@secret-model-{i}-7b"}
        db.commit()
        login.as_user(make_user(db))
        secrets = secrets_of(db)
        assert "steady@secret-model-0-7b" in secrets
        for _ in range(3):
            walk_before_vote(client, secrets, {"prompt": "자기소개 해 줘"}, follow_up=True)
