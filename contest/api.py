"""Helpers shared by the contest routes: settings from config, request bodies, answer responses."""
from __future__ import annotations

import json
import random
from typing import Annotated, Any, Iterator

from flask import Response, current_app, jsonify, request, stream_with_context
from pydantic import Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from app.bodies import Body, Text
from app.db import get_session, utcnow
from app.errors import ServiceUnavailable
from app.i18n import t
from contest.backends import BackendSettings
from contest.render import render_answer
from contest.service import ArenaSettings, PreparedTurn
from contest.streaming import Delta, KeepAlive
from contest.turns import TurnOutcome, run_turn, void_battle

Short = Annotated[Text, StringConstraints(max_length=40)]  # ids and categories (40-character columns)
ANSWERS_SCHEMA = {"type": "object", "properties": {
    "battle_id": {"type": "string"}, "turn": {"type": "integer"},
    "demo": {"type": "boolean", "description": "the round's entrants answer with demo text (the same for every "
                                               "battle of the round)"},
    "answers": {"type": "object", "properties": {side: {"type": "object", "properties": {
        "text": {"type": "string"}, "html": {"type": "string"}}} for side in ("a", "b")}}}}


def arena_settings() -> ArenaSettings:
    """The arena's settings from the app config (ARENA_* environment or overrides)."""
    c = current_app.config
    backends = BackendSettings(system_prompt=str(c["BACKEND_SYSTEM_PROMPT"]),
                               connect_timeout=float(c["BACKEND_CONNECT_TIMEOUT"]),
                               read_timeout=float(c["BACKEND_READ_TIMEOUT"]),
                               total_timeout=float(c["BACKEND_TOTAL_TIMEOUT"]),
                               max_tokens=int(c["BACKEND_MAX_TOKENS"]))
    return ArenaSettings(max_turns=int(c["MAX_TURNS"]), max_prompt_chars=int(c["MAX_PROMPT_CHARS"]),
                         outage_seconds=int(c["BACKEND_OUTAGE_SECONDS"]), backends=backends,
                         prompt_checks=tuple(current_app.extensions.get("prompt_checks", ())))


def sampling_rng() -> random.Random:
    """The pair-sampling random source (seedable with ARENA_SAMPLING_SEED for tests)."""
    return current_app.extensions["contest_rng"]


class BattleBody(Body):
    """`POST /api/battles`: free text, a curated prompt id, or neither (a random curated prompt); and the round."""

    prompt: Text | SkipJsonSchema[None] = Field(
        None, description="free text (not in rounds answered from the response bank)")
    prompt_id: Short | SkipJsonSchema[None] = None
    category: Short | SkipJsonSchema[None] = None
    round: Short | SkipJsonSchema[None] = Field(None, description="an open round's id (default: the current round)")


class TurnBody(Body):
    """`POST /api/battles/<id>/turns`: the follow-up prompt."""

    error_codes = {("prompt", "missing"): (400, "prompt_required")}
    prompt: Text


def answers_payload(outcome: TurnOutcome) -> dict[str, Any]:
    """The API's answer shape: A and B only, text plus sanitised HTML."""
    return {"battle_id": outcome.battle_id, "turn": outcome.turn_no, "demo": outcome.demo,
            "answers": {side: {"text": text, "html": render_answer(text)} for side, text in outcome.answers.items()}}


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _failure() -> dict[str, Any]:
    return {"error": {"code": "backend_failed", "message": t("error.backend_failed")}}


def _events(prepared: PreparedTurn) -> Iterator[str]:
    # The view's session was closed when the view returned; the stream gets its own.
    session = get_session()
    session.add(prepared.battle)
    items = run_turn(prepared, arena_settings(), utcnow)
    finished = False
    try:
        yield _sse("start", {"battle_id": prepared.battle.id, "turn": prepared.turn.turn_no})
        for item in items:
            if isinstance(item, Delta):
                yield _sse("delta", {"side": item.side, "text": item.text})
                continue
            if isinstance(item, KeepAlive):  # an SSE comment: clients ignore it, proxies see traffic
                yield ": keep-alive\n\n"
                continue
            finished = True
            session.commit()
            yield _sse("done", answers_payload(item)) if item.ok else _sse("error", _failure())
    finally:
        items.close()
        if not finished:  # the citizen left mid-answer: voided, never half-ready
            void_battle(prepared.battle, "interrupted")
        session.commit()


def answer_response(prepared: PreparedTurn) -> Response:
    """Stream the turn as server-sent events, or wait and answer 201 JSON (503 if a backend failed)."""
    if "text/event-stream" in request.headers.get("Accept", ""):
        resp = Response(stream_with_context(_events(prepared)), mimetype="text/event-stream")
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["X-Accel-Buffering"] = "no"
        return resp
    outcome = None
    for item in run_turn(prepared, arena_settings(), utcnow):
        outcome = item if isinstance(item, TurnOutcome) else outcome
    get_session().commit()
    if outcome is None or not outcome.ok:
        raise ServiceUnavailable(code="backend_failed")
    resp = jsonify(answers_payload(outcome))
    resp.status_code = 201
    resp.headers["Cache-Control"] = "no-store"
    return resp
