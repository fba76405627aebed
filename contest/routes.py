"""Contest API: rounds, the prompt pool, battles and their follow-up turns."""
from __future__ import annotations

from flask import jsonify, request

from app.auth import current_user, login_required, require_user
from app.db import get_session, utcnow
from app.bodies import parse_body
from app.errors import Conflict, NotFound, Unprocessable, error_response
from app.openapi import api_doc
from contest.blueprint import bp
from contest.api import ANSWERS_SCHEMA, BattleBody, TurnBody, answer_response, arena_settings, sampling_rng
from contest.models import Round
from contest.round_json import ROUND_SCHEMA, ROUNDS_SCHEMA, VERSION_SCHEMA, json_doc, public_round_json, version_json
from contest.rounds import list_rounds, protocol_versions
from contest.service import ArenaError, BattleRequest, add_turn, start_battle
from contest.queries import current_round, prompts_for, public_round

VERSIONS_SCHEMA = {"type": "object", "properties": {"round": {"type": "string"},
                                                    "versions": {"type": "array", "items": VERSION_SCHEMA}}}


def open_round_or_404():
    round_ = current_round(get_session(), utcnow())
    if round_ is None:
        raise NotFound(code="no_open_round")
    return round_


def public_round_or_404(round_id: str) -> Round:
    """A round anyone may see: known and no longer a draft."""
    round_ = public_round(get_session(), round_id)
    if round_ is None:
        raise NotFound(code="unknown_round")
    return round_


def battle_round(round_id: str | None) -> Round:
    """The round a new battle is for: the one named (open now), or the current one."""
    if round_id is None:
        return open_round_or_404()
    round_ = public_round_or_404(round_id)
    if not round_.is_open(utcnow()):
        raise Conflict(code="round_closed")
    return round_


@bp.get("/api/rounds")
@api_doc(responses=json_doc(200, ROUNDS_SCHEMA, "Every round that is no longer a draft, newest first"))
def rounds_public():
    """Every round that is open, closed or published, newest first."""
    return jsonify({"rounds": [public_round_json(r) for r in list_rounds(get_session(), include_drafts=False)]})


@bp.get("/api/rounds/<round_id>/protocols")
@api_doc(responses=json_doc(200, VERSIONS_SCHEMA, "Every protocol version of the round, oldest first"))
def round_protocols(round_id: str):
    """A round's protocol versions: the terms frozen when it opened and every later change, with its reason."""
    round_ = public_round_or_404(round_id)
    return jsonify({"round": round_.id,
                    "versions": [version_json(v) for v in protocol_versions(get_session(), round_.id)]})


@bp.get("/api/rounds/current")
@api_doc(responses=json_doc(200, ROUND_SCHEMA, "The open round"))
def round_current():
    """The round open now (the most recently opened when several are)."""
    return jsonify(public_round_json(open_round_or_404()))


@bp.get("/api/prompts")
@api_doc(params=[{"name": "category", "in": "query", "required": False, "schema": {"type": "string"}},
                 {"name": "round", "in": "query", "required": False, "schema": {"type": "string"}}])
def prompt_pool():
    """An open round's curated prompt pool (`?round=`, default the current one); for a logged-in citizen,
    only prompts not yet revealed to them."""
    r = battle_round(request.args.get("round"))
    category = request.args.get("category")
    if category is not None and category not in r.categories:
        raise Unprocessable(code="unknown_category")
    user = current_user()
    prompts = prompts_for(get_session(), r.categories, category, unseen_by=user.id if user else None)
    return jsonify([{"id": p.id, "category": p.category, "text": p.text, "language": p.language}
                    for p in prompts])


@bp.errorhandler(ArenaError)
def _arena_error(exc: ArenaError):
    return error_response(exc.status, exc.code, exc.message)


@bp.post("/api/battles")
@login_required
@api_doc(request=BattleBody, responses={201: {"description": "Both answers, as A and B",
                                              "content": {"application/json": {"schema": ANSWERS_SCHEMA},
                                                          "text/event-stream": {}}}})
def battle_start():
    """Start a blind battle: two anonymous models answer a free or curated prompt."""
    body = parse_body(BattleBody)
    request_ = BattleRequest(prompt=body.prompt, prompt_id=body.prompt_id, category=body.category)
    session = get_session()
    prepared = start_battle(session, require_user().id, battle_round(body.round), request_, arena_settings(),
                            sampling_rng(), utcnow())
    session.commit()
    return answer_response(prepared)


@bp.post("/api/battles/<battle_id>/turns")
@login_required
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
