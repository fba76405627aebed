"""Every JSON body passes one validation layer (app.bodies): a bad value gets one documented 4xx, never a 500.

Runs on SQLite and on the real PostgreSQL; free prompts and follow-ups go to models served on loopback,
so a value that slipped through would reach the database (a lone surrogate used to answer 500 there).
The behaviour tests speak HTTP only; the schema tests import the models where they use them.
"""
from __future__ import annotations

import json
from typing import Annotated, Optional

import pytest
from pydantic import BaseModel, StringConstraints
from sqlalchemy import func, select

from app.models import User
from contest.models import Battle, BattleTurn
from tests.builders import make_battle, make_user
from tests.contest.llm_server import LoopbackLLM
from tests.contest.test_live_battles import live_round
from voting.models import Vote

BAD_VALUES = {"lone high surrogate": "\ud800", "lone low surrogate inside text": "봄 날씨\udfff는?",
              "reversed pair": "\udc00\ud800", "NUL": "a\x00b", "null": None, "number": 5, "true": True,
              "list": ["봄"], "object": {"a": "b"}}
# (method, url template, field) for every string field of every JSON route.
FIELDS = [("POST", "/api/battles", "prompt"), ("POST", "/api/battles", "prompt_id"),
          ("POST", "/api/battles", "category"), ("POST", "/api/battles/{turn}/turns", "prompt"),
          ("POST", "/api/battles/{vote}/vote", "winner"), ("PATCH", "/api/me", "display_name")]
ROUTES = sorted({(method, url) for method, url, _ in FIELDS})


@pytest.fixture
def app(any_db_url, make_app):
    return make_app(any_db_url)


@pytest.fixture
def arena(client, db, login):
    """A logged-in citizen in a live round, with a ready battle to follow up and one to vote on."""
    with LoopbackLLM() as llm:
        round_ = live_round(db, llm, ["steady", "steady"])
        user = make_user(db, "원래이름")
        vote_battle = make_battle(db, user, round_)
        db.commit()
        login.as_user(user)
        started = client.post("/api/battles", json={"prompt": "서울의 봄 날씨는? 🌸"})
        assert started.status_code == 201, started.get_data(as_text=True)
        yield {"turn": started.get_json()["battle_id"], "vote": vote_battle.id, "user_id": user.id}


def stored(db) -> tuple:
    """What a refused request must leave untouched."""
    db.expire_all()
    counts = tuple(db.scalar(select(func.count()).select_from(model)) for model in (Battle, BattleTurn, Vote))
    return counts, db.scalars(select(User.display_name)).all()


def send(client, arena, method: str, url: str, **kwargs):
    if "json" in kwargs:  # escaped as a client would: "\ud800" on the wire, never raw surrogate bytes
        kwargs = {"data": json.dumps(kwargs.pop("json"), ensure_ascii=True), "content_type": "application/json"}
    return client.open(url.format(**arena), method=method, **kwargs)


def assert_error(resp, status: int, code: str, names: str | None = None) -> None:
    body = resp.get_json()
    assert resp.status_code == status and body["error"]["code"] == code, (status, code, resp.get_data(as_text=True))
    assert set(body) == {"error"} and isinstance(body["error"]["message"], str) and body["error"]["message"]
    if names is not None:
        assert f"'{names}'" in body["error"]["message"], body


@pytest.mark.parametrize("method, url, field", FIELDS)
def test_a_bad_value_in_any_string_field_is_a_4xx_and_stores_nothing(client, db, arena, method, url, field):
    before = stored(db)
    for label, value in BAD_VALUES.items():
        resp = send(client, arena, method, url, json={field: value})
        if field == "winner":  # the vote keeps its domain code, which clients already handle
            assert_error(resp, 422, "invalid_winner")
        else:
            assert_error(resp, 422, "invalid_field", names=field)
        assert stored(db) == before, label


@pytest.mark.parametrize("method, url", ROUTES)
def test_a_body_that_is_not_a_json_object_is_400_invalid_json(client, db, arena, method, url):
    before = stored(db)
    for kwargs in (dict(data="{not json", content_type="application/json"), dict(json=["prompt"]),
                   dict(json="prompt"), dict(json=None), dict(data=b"\xff\xfe{", content_type="application/json"),
                   dict(data={"prompt": "x"}), dict(), dict(data="[" * 50_000, content_type="application/json")):
        assert_error(send(client, arena, method, url, **kwargs), 400, "invalid_json")
    assert stored(db) == before


def test_missing_and_unknown_fields_have_their_own_codes(client, db, arena):
    before = stored(db)
    assert_error(send(client, arena, "PATCH", "/api/me", json={}), 422, "missing_field", names="display_name")
    assert_error(send(client, arena, "POST", "/api/battles/{turn}/turns", json={}), 400, "prompt_required")
    assert_error(send(client, arena, "POST", "/api/battles/{vote}/vote", json={}), 422, "invalid_winner")
    for method, url, field in FIELDS:
        resp = send(client, arena, method, url, json={"model": "m1", field: "a"})  # no route takes "model"
        assert_error(resp, 422, "unknown_field", names="model")
    resp = send(client, arena, "POST", "/api/battles", json={"\ud800키": "x"})
    assert_error(resp, 422, "unknown_field", names="\\ud800키")  # echoed escaped, still valid UTF-8
    too_long = send(client, arena, "POST", "/api/battles", json={"prompt_id": "p" * 41})
    assert_error(too_long, 422, "invalid_field", names="prompt_id")
    assert stored(db) == before


def test_good_bodies_still_work_and_paired_surrogates_are_text(client, db, arena):
    emoji = json.dumps({"prompt": "이모지 \ud83c\udf38 포함"}, ensure_ascii=True)  # a proper pair: U+1F338
    resp = client.post("/api/battles", data=emoji, content_type="application/json; charset=utf-8")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert db.scalars(select(BattleTurn.prompt_text).order_by(BattleTurn.id.desc())).first() == "이모지 🌸 포함"
    assert send(client, arena, "POST", "/api/battles/{turn}/turns", json={"prompt": "더 자세히"}).status_code == 201
    assert send(client, arena, "POST", "/api/battles/{vote}/vote", json={"winner": "tie"}).status_code == 200
    assert send(client, arena, "PATCH", "/api/me", json={"display_name": "새 별명"}).get_json()["display_name"] == "새 별명"


def test_the_served_document_shows_exactly_the_models_that_validate(client):
    from app.auth_routes import MeUpdateBody
    from app.openapi import request_schema
    from contest.api import BattleBody, TurnBody
    from voting.schemas import VoteBody

    doc = client.get("/api/openapi.json").get_json()
    models = {("post", "/api/battles"): BattleBody, ("post", "/api/battles/{battle_id}/turns"): TurnBody,
              ("post", "/api/battles/{battle_id}/vote"): VoteBody, ("patch", "/api/me"): MeUpdateBody}
    for (method, path), model in models.items():
        schema = doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
        assert schema == request_schema(model)
        assert schema["additionalProperties"] is False and "$defs" not in json.dumps(schema)
    assert doc["paths"]["/api/battles/{battle_id}/vote"]["post"]["requestBody"]["content"]["application/json"][
        "schema"]["properties"]["winner"]["enum"] == ["a", "b", "tie", "bothbad"]


def test_request_schema_is_openapi_3_0_without_defs():
    from app.bodies import Body, Text
    from app.openapi import request_schema

    class Inner(BaseModel):
        title: str

    class Outer(Body):
        inner: Inner
        note: Optional[Text] = None  # noqa: UP007 (the union pydantic writes as anyOf with null)
        kind: str = "x"
        shares: dict[Annotated[str, StringConstraints(max_length=5)], int] = {}  # keys 3.0 cannot constrain

    schema = request_schema(Outer)
    assert "$defs" not in json.dumps(schema) and "$ref" not in json.dumps(schema)
    assert schema["properties"]["inner"]["properties"] == {"title": {"type": "string"}}  # a field named title stays
    assert schema["properties"]["note"] == {"type": "string", "nullable": True}
    assert "title" not in schema and schema["required"] == ["inner"]
    assert schema["properties"]["shares"] == {"type": "object", "additionalProperties": {"type": "integer"},
                                              "default": {}}
