"""Contest API: rounds, the prompt pool, battles and their follow-up turns."""
from __future__ import annotations

from flask import jsonify, request

from anti_abuse.limits import battle_limits
from app.auth import current_user, login_required, require_user
from app.db import get_session, utcnow
from app.bodies import parse_body
from app.errors import NotFound, Unprocessable, error_response
from app.openapi import api_doc
from contest import bp
from contest.api import ANSWERS_SCHEMA, BattleBody, TurnBody, answer_response, arena_settings, sampling_rng
from contest.service import ArenaError, BattleRequest, add_turn, start_battle
from contest.queries import current_round, prompts_for

ROUND_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "string"}, "title": {"type": "string"}, "opens_at": {"type": "string", "format": "date-time"},
    "closes_at": {"type": "string", "format": "date-time"}, "categories": {"type": "array", "items": {"type": "string"}}}}


def iso(dt) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def open_round_or_404():
    round_ = current_round(get_session(), utcnow())
    if round_ is None:
        raise NotFound(code="no_open_round")
    return round_


@bp.get("/api/rounds/current")
@api_doc(responses={200: {"description": "The open round",
                          "content": {"application/json": {"schema": ROUND_SCHEMA}}}})
def round_current():
    """The round open now."""
    r = open_round_or_404()
    return jsonify({"id": r.id, "title": r.title, "opens_at": iso(r.opens_at), "closes_at": iso(r.closes_at),
                    "categories": r.categories})


@bp.get("/api/prompts")
@api_doc(params=[{"name": "category", "in": "query", "required": False, "schema": {"type": "string"}}])
def prompt_pool():
    """The open round's curated prompt pool; for a logged-in citizen, only prompts not yet revealed to them."""
    r = open_round_or_404()
    category = request.args.get("category")
    if category is not None and category not in r.categories:
        raise Unprocessable(code="unknown_category")
    user = current_user()
    prompts = prompts_for(get_session(), r.categories, category, unseen_by=user.id if user else None)
    return jsonify([{"id": p.id, "category": p.category, "text": p.text, "language": p.language}
                    for p in prompts])


@bp.errorhandler(ArenaError)
def _arena_error(exc: ArenaError):
    return error_response(exc.status, exc.code)


@bp.post("/api/battles")
@login_required
@battle_limits
@api_doc(request=BattleBody, responses={201: {"description": "Both answers, as A and B",
                                              "content": {"application/json": {"schema": ANSWERS_SCHEMA},
                                                          "text/event-stream": {}}}})
def battle_start():
    """Start a blind battle: two anonymous models answer a free or curated prompt."""
    body = parse_body(BattleBody)
    request_ = BattleRequest(prompt=body.prompt, prompt_id=body.prompt_id, category=body.category)
    session = get_session()
    prepared = start_battle(session, require_user().id, open_round_or_404(), request_, arena_settings(),
                            sampling_rng(), utcnow())
    session.commit()
    return answer_response(prepared)


@bp.post("/api/battles/<battle_id>/turns")
@login_required
@battle_limits
@api_doc(request=TurnBody, responses={201: {"description": "Both answers to the follow-up",
                                            "content": {"application/json": {"schema": ANSWERS_SCHEMA},
                                                        "text/event-stream": {}}}})
def battle_turn(battle_id: str):
    """Ask a follow-up in the same battle (same two models, with the conversation so far)."""
    prompt = parse_body(TurnBody).prompt
    session = get_session()
    prepared = add_turn(session, require_user().id, battle_id, prompt, arena_settings(), utcnow())
    session.commit()
    return answer_response(prepared)
