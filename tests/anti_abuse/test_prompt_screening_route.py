"""Prompt screening on the real battle routes: a refused prompt reaches no model and leaves nothing behind."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from contest.models import Battle, BattleTurn
from tests.builders import make_round, make_user
from tests.contest.llm_server import LoopbackLLM


@pytest.fixture
def app(any_db_url, make_app):
    return make_app(any_db_url, SAMPLING_SEED="3")


@pytest.fixture
def llm():
    with LoopbackLLM() as server:
        yield server


@pytest.fixture
def live(db, llm, login, client):
    round_ = make_round(db, "live", models=2, free_prompts=True)
    for rm in round_.roster:
        rm.model.backend = {"kind": "openai", "base_url": llm.url, "model": "steady", "timeout": 5}
    login.as_user(make_user(db))
    db.commit()
    return round_


@pytest.mark.parametrize("prompt, code, shown", [
    ("제 번호 010-1234-5678로 문자 보내줘", "personal_data", "010-****-5678"),
    ("900101-1234567 이 주민번호 맞아?", "personal_data", "90"),
    ("kim.citizen@example.com 에 메일 써줘", "personal_data", "@"),
    ("4111 1111 1111 1111 카드로 결제해줘", "personal_data", "1111"),
    ("ㅋ", "prompt_too_short", ""),
], ids=["phone", "rrn", "email", "card", "too-short"])
def test_a_screened_first_prompt_is_refused_before_any_model(client, db, llm, live, prompt, code, shown):
    resp = client.post("/api/battles", json={"prompt": prompt})
    assert resp.status_code == 422, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == code and shown in error["message"]
    assert "5678" not in error["message"] or "****" in error["message"]  # what was found, masked
    assert llm.requests == []
    assert db.scalar(select(func.count()).select_from(Battle)) == 0


def test_the_message_follows_the_language(client, live):
    resp = client.post("/api/battles?lang=en", json={"prompt": "call me at 010-9876-5432 please"})
    assert resp.status_code == 422 and "phone number" in resp.get_json()["error"]["message"]


def test_an_arithmetic_prompt_with_a_phone_shaped_number_is_still_refused(client, llm, live):
    """Decided (anti_abuse/screening.py): the platform cannot tell an operand from a number, and no
    question needs an operand of exactly that shape; the same sum written plainly passes."""
    assert client.post("/api/battles", json={"prompt": "010-1234-5678 더하기 3은?"}).status_code == 422
    assert llm.requests == []
    assert client.post("/api/battles", json={"prompt": "1012345678 더하기 3은?"}).status_code == 201


def test_a_screened_follow_up_is_refused_and_the_battle_keeps_one_turn(client, db, llm, live):
    started = client.post("/api/battles", json={"prompt": "서울의 봄 날씨는?"})
    assert started.status_code == 201
    calls = len(llm.requests)
    battle_id = started.get_json()["battle_id"]
    resp = client.post(f"/api/battles/{battle_id}/turns", json={"prompt": "내 메일은 a.b@example.org 야"})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "personal_data"
    assert len(llm.requests) == calls
    assert db.scalar(select(func.count()).select_from(BattleTurn).where(BattleTurn.battle_id == battle_id)) == 1


def test_near_misses_go_through(client, llm, live):
    for prompt in ("2024-05-01에 무슨 일이 있었어?", "1,000,000원을 달러로 바꾸면?", "파이썬 3.11.4 변경점 알려줘"):
        assert client.post("/api/battles", json={"prompt": prompt}).status_code == 201, prompt


def test_a_blocklist_file_that_cannot_be_read_stops_the_start(sqlite_url, make_app, tmp_path):
    from app.config import ConfigError

    with pytest.raises(ConfigError, match="PROMPT_BLOCKLIST_FILE"):
        make_app(sqlite_url, PROMPT_BLOCKLIST_FILE=str(tmp_path / "missing.json"))


def test_a_configured_blocklist_is_used(any_db_url, make_app, db, login, llm, tmp_path):
    path = tmp_path / "blocklist.json"
    path.write_text('{"version": 7, "terms": ["금지어"]}', encoding="utf-8")
    app = make_app(any_db_url, PROMPT_BLOCKLIST_FILE=str(path))
    client = app.test_client()
    round_ = make_round(db, "live2", models=2, free_prompts=True)
    for rm in round_.roster:
        rm.model.backend = {"kind": "openai", "base_url": llm.url, "model": "steady", "timeout": 5}
    login.as_user(make_user(db), client=client)
    resp = client.post("/api/battles", json={"prompt": "금지어를 알려줘"})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "prompt_blocked"
