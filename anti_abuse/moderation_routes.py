"""The moderators' JSON API: the queue, actions and the audit trail (moderator or ministry; guarded once)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Blueprint, current_app, jsonify, request
from pydantic import StrictInt

from anti_abuse import moderation
from anti_abuse.blueprint import bp
from anti_abuse.models import ACTIONS, FLAG_SOURCES, FLAG_STATUSES
from anti_abuse.moderation import ModerationError
from anti_abuse.routes import refused
from app.models import STAFF_ROLES
from app.auth import guard_blueprint, require_user
from app.bodies import Body, Text, parse_body
from app.db import get_session, utcnow
from app.errors import ApiError
from app.i18n import current_lang
from app.openapi import api_doc
from voting.runtime import ensure_embedded_worker

moderation_bp = Blueprint("moderation", __name__, url_prefix="/api/moderation")
guard_blueprint(moderation_bp, *STAFF_ROLES)

MAX_PAGE = 200
TargetValue = Annotated[StrictInt | Text, "an id, or an RFC 3339 time"]


class ActionBody(Body):
    """`POST /api/moderation/actions`: what to do, to what, and why (the reason is required)."""

    error_codes = {("action", "missing"): (422, "invalid_action"), ("action", "invalid"): (422, "invalid_action"),
                   ("target", "missing"): (422, "invalid_target"), ("target", "invalid"): (422, "invalid_target"),
                   ("reason", "missing"): (422, "reason_required"), ("reason", "invalid"): (422, "reason_required")}
    action: Literal[ACTIONS]  # type: ignore[valid-type]
    target: dict[str, TargetValue]  # {"vote_id"} | {"user_id"} | {"user_id", "from", "to"} | {"flag_id"}
    reason: Text


def _int_arg(name: str, code: str, low: int, high: int, default: int | None) -> int | None:
    """A query argument that must be an integer in [low, high], or its 422."""
    value = request.args.get(name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit() and len(value) <= 10 and low <= int(value) <= high):
        raise ApiError(code=code, status=422)
    return int(value)


PAGE_PARAMS = [{"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1,
                                                                              "maximum": MAX_PAGE}},
               {"name": "before", "in": "query", "required": False, "schema": {"type": "integer"},
                "description": "the `next_before` of the previous page"}]
QUEUE_PARAMS = [{"name": "status", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": [*FLAG_STATUSES, "all"], "default": "open"}},
                {"name": "source", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": list(FLAG_SOURCES)}}, *PAGE_PARAMS]


def _page(items: list, limit: int, last_id: Any) -> Any:
    return last_id if len(items) == limit else None


@moderation_bp.get("/queue")
@api_doc(params=QUEUE_PARAMS, responses={200: {"description": "Queue items, highest score then newest first, "
                                                              "each with its evidence and the votes it concerns"}},
         tags=["moderation"])
def queue():
    """Citizens' flags, detector findings and appeals, with the evidence to decide on."""
    status = request.args.get("status", "open")
    if status not in (*FLAG_STATUSES, "all"):
        raise ApiError(code="invalid_status", status=422)
    source = request.args.get("source")
    limit = _int_arg("limit", "invalid_limit", 1, MAX_PAGE, 50)
    before = _int_arg("before", "invalid_cursor", 1, 2**31 - 1, None)
    try:
        items = moderation.queue(get_session(), None if status == "all" else status, source, limit, before,
                                 current_lang())
    except ModerationError as exc:
        refused(exc)
    body = [item.as_json() for item in items]
    return jsonify({"items": body, "next_before": _page(body, limit, body[-1]["id"] if body else None)})


@moderation_bp.post("/actions")
@api_doc(request=ActionBody,
         responses={200: {"description": "Done and recorded", "content": {"application/json": {"schema": {
             "type": "object", "properties": {"action_id": {"type": "integer"}, "affected_votes": {"type": "integer"},
                                              "resolved_flags": {"type": "array", "items": {"type": "integer"}},
                                              "user_status": {"type": "string"}}}}}},
                    403: "Not a moderator; or the account is staff or your own",
                    404: "Unknown vote, user or flag", 409: "The flag was already resolved",
                    422: "Invalid action, target or range, or no reason"},
         tags=["moderation"])
def actions():
    """Void or restore votes, suspend or reinstate an account, dismiss a flag; each lands in the audit log."""
    body = parse_body(ActionBody)
    session = get_session()
    try:
        result = moderation.act(session, require_user(), body.action, dict(body.target), body.reason, utcnow())
    except ModerationError as exc:
        refused(exc)
    session.commit()
    if result.affected_votes:
        ensure_embedded_worker(current_app._get_current_object())  # the rebuild request is served within seconds
    return jsonify(result.as_json())


@moderation_bp.get("/audit")
@api_doc(params=PAGE_PARAMS, responses={200: {"description": "Moderation's audit entries, newest first"}},
         tags=["moderation"])
def audit():
    """The append-only record of moderation: who, what, why, when, before and after."""
    limit = _int_arg("limit", "invalid_limit", 1, MAX_PAGE, 50)
    before = _int_arg("before", "invalid_cursor", 1, 2**31 - 1, None)
    entries = moderation.audit(get_session(), limit, before)
    return jsonify({"entries": entries, "next_before": _page(entries, limit, entries[-1]["id"] if entries else None)})


bp.register_blueprint(moderation_bp)
