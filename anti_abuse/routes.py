"""Citizens' side of moderation: flag a battle, see whether each vote counts, appeal once."""
from __future__ import annotations

from typing import Annotated, NoReturn

from flask import jsonify
from pydantic import StringConstraints
from pydantic.json_schema import SkipJsonSchema

from anti_abuse import moderation
from anti_abuse.blueprint import bp
from anti_abuse.moderation import FLAG_REASONS, NOTE_MAX, ModerationError
from app.auth import login_required, require_user
from app.bodies import Body, Text, parse_body
from app.db import get_session, utcnow
from app.errors import ApiError
from app.i18n import current_lang
from app.openapi import api_doc

Note = Annotated[Text, StringConstraints(max_length=NOTE_MAX)]


class FlagBody(Body):
    """`POST /api/flags`: which of your battles, why, and optionally a note."""

    error_codes = {("reason", "missing"): (422, "invalid_reason"), ("reason", "invalid"): (422, "invalid_reason"),
                   ("note", "invalid"): (422, "invalid_note")}
    battle_id: Text
    reason: Text  # one of moderation.FLAG_REASONS (checked by the service, which owns the list)
    note: Note | SkipJsonSchema[None] = None


class AppealBody(Body):
    """`POST /api/me/appeals`: which of your votes, and optionally why it should count."""

    error_codes = {("note", "invalid"): (422, "invalid_note")}
    vote_id: Text
    note: Note | SkipJsonSchema[None] = None


def refused(exc: ModerationError) -> NoReturn:
    """The service's refusal in the API's error shape."""
    raise ApiError(code=exc.code, status=exc.status) from None


CREATED = {"type": "object", "properties": {"flag_id": {"type": "integer"}}}
MY_VOTES = {"description": "Your votes, newest first", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"votes": {"type": "array", "items": {"type": "object", "properties": {
        "vote_id": {"type": "string"}, "battle_id": {"type": "string"}, "round": {"type": "string"},
        "category": {"type": "string"}, "winner": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
        "counted": {"type": "boolean"}, "excluded_reason": {"type": "string", "nullable": True},
        "excluded_message": {"type": "string", "nullable": True}, "models": {"type": "object"},
        "appeal": {"type": "object", "nullable": True}, "can_appeal": {"type": "boolean"}}}}}}}}}


@bp.post("/api/flags")
@api_doc(request=FlagBody,
         responses={201: {"description": "Flag filed", "content": {"application/json": {"schema": CREATED}}},
                    404: "Unknown battle (or not yours)", 409: "You already flagged this battle",
                    422: f"Invalid reason (one of {', '.join(FLAG_REASONS)}) or note", 429: "Rate limited"},
         tags=["moderation"])
@login_required
def flag():
    """Report an answer or prompt of your battle to the moderators."""
    body = parse_body(FlagBody)
    session = get_session()
    try:
        flag_ = moderation.flag_battle(session, require_user(), body.battle_id, body.reason, body.note, utcnow())
    except ModerationError as exc:
        refused(exc)
    session.commit()
    return jsonify({"flag_id": flag_.id}), 201


@bp.get("/api/me/votes")
@api_doc(responses={200: MY_VOTES}, tags=["moderation"])
@login_required
def my_votes():
    """Your votes: whether each counts, why not, the models and your appeal."""
    return jsonify({"votes": moderation.my_votes(get_session(), require_user(), current_lang())})


@bp.post("/api/me/appeals")
@api_doc(request=AppealBody,
         responses={201: {"description": "Appeal filed", "content": {"application/json": {"schema": {
             "type": "object", "properties": {"appeal_id": {"type": "integer"}}}}}},
                    404: "Unknown vote (or not yours)", 409: "The vote counts, or was appealed already",
                    422: "Invalid note"},
         tags=["moderation"])
@login_required
def appeal():
    """Ask the moderators once to review one of your votes that does not count."""
    body = parse_body(AppealBody)
    session = get_session()
    try:
        flag_ = moderation.appeal(session, require_user(), body.vote_id, body.note, utcnow())
    except ModerationError as exc:
        refused(exc)
    session.commit()
    return jsonify({"appeal_id": flag_.id}), 201
