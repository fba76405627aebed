"""Issue 8, item 1: a voter cannot fingerprint bank answers by revealing a prompt and asking again.

The attack: vote on a battle of prompt P (the reveal maps answer texts to models), then ask for P
again, by id or by random draw, and name both models before voting. Run on both databases.
"""
from __future__ import annotations

import pytest

from contest.models import Battle, BankAnswer
from tests.builders import make_user

DAILY = [f"p00{i}" for i in range(1, 9)]  # the demo pool's daily prompts
NO_LIMITS = {f"LIMIT_{k}": "10000 per minute" for k in ("BATTLE_ACCOUNT", "BATTLE_ADDRESS", "VOTE_ACCOUNT",
                                                        "VOTE_ADDRESS")}


@pytest.fixture
def app(any_db_url, make_app):
    # No embedded rating worker: the live board is not under test here.
    return make_app(any_db_url, SAMPLING_SEED="8", WORKER_IN_PROCESS=False, **NO_LIMITS)


def start(client, **body) -> tuple[int, dict]:
    resp = client.post("/api/battles", json=body)
    return resp.status_code, resp.get_json()


def vote(client, battle_id: str) -> dict:
    resp = client.post(f"/api/battles/{battle_id}/vote", json={"winner": "a"})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def texts(body: dict) -> set[str]:
    return {body["answers"][side]["text"] for side in ("a", "b")}


def test_the_bank_holds_several_samples_and_a_battle_draws_among_them(client, demo, login):
    login.as_user(make_user(demo))
    seen = set()
    for _ in range(12):
        status, body = start(client, prompt_id="p001")
        assert status == 201, body
        seen |= texts(body)
    # 4 models x 3 samples on p001; a fixed answer per model would show at most 4 texts.
    assert len(seen) > 4
    assert seen <= {a.text for a in demo.query(BankAnswer).filter_by(prompt_id="p001")}


def test_a_revealed_prompt_is_never_served_again(client, demo, login):
    login.as_user(make_user(demo))
    status, body = start(client, prompt_id="p001")
    assert status == 201
    vote(client, body["battle_id"])  # the reveal

    again = client.post("/api/battles?lang=en", json={"prompt_id": "p001"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "prompt_seen"
    assert "already" in again.get_json()["error"]["message"]
    korean = client.post("/api/battles?lang=ko", json={"prompt_id": "p001"}).get_json()["error"]["message"]
    assert "이미" in korean
    listed = {p["id"] for p in client.get("/api/prompts?category=daily").get_json()}
    assert listed == set(DAILY) - {"p001"}

    for prompt_id in DAILY[1:-1]:  # reveal all but the last daily prompt
        status, body = start(client, prompt_id=prompt_id)
        assert status == 201, body
        vote(client, body["battle_id"])
    drawn = set()
    for _ in range(8):
        status, body = start(client, category="daily")
        assert status == 201, body
        drawn.add(demo.get(Battle, body["battle_id"]).prompt_id)
    assert drawn == {DAILY[-1]}

    vote(client, body["battle_id"])
    none_left = client.post("/api/battles", json={"category": "daily"})
    assert none_left.status_code == 404 and none_left.get_json()["error"]["code"] == "no_unseen_prompts"
    assert client.get("/api/prompts?category=daily").get_json() == []
    client.post("/auth/logout")
    anonymous = client.get("/api/prompts?category=daily").get_json()
    assert {p["id"] for p in anonymous} == set(DAILY)  # anonymous callers see the pool


def test_a_vote_showing_an_answer_already_revealed_to_the_voter_is_not_counted(client, demo, login):
    """Battles started before the reveal can still show a revealed text: those votes are excluded."""
    login.as_user(make_user(demo))
    battles = []
    for _ in range(8):
        status, body = start(client, prompt_id="p002")
        assert status == 201, body
        battles.append(body)
    revealed: set[str] = set()
    outcomes = []
    for body in battles:
        result = vote(client, body["battle_id"])
        expect_seen = bool(texts(body) & revealed)
        assert result["counted"] is not expect_seen, (result, expect_seen)
        if expect_seen:
            assert result["excluded_reason"] == "answer_seen"
        outcomes.append(expect_seen)
        revealed |= texts(body)
    assert outcomes[0] is False and any(outcomes), outcomes  # the seed gives both kinds
