"""The ministry's round administration: drafts, the lifecycle and protocol versions (guarded once)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from flask import Blueprint, current_app, jsonify
from pydantic import AfterValidator, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from app.auth import guard_blueprint, require_user
from app.bodies import Body, Text, parse_body
from app.db import get_session, utcnow
from app.errors import error_response
from app.i18n import t
from app.openapi import api_doc
from contest.blueprint import bp
from contest.models import SLUG
from contest.round_json import ROUND_SCHEMA, ROUNDS_SCHEMA, VERSION_SCHEMA, json_doc, round_json, version_json
from contest.rounds import (RoundError, change_protocol, close_round, create_round, find_round, list_rounds,
                            open_round, update_round)

rounds_bp = Blueprint("admin_rounds", __name__, url_prefix="/api/admin")
guard_blueprint(rounds_bp, "ministry")

RoundId = Annotated[Text, StringConstraints(pattern=SLUG, max_length=40)]
Category = Annotated[Text, StringConstraints(pattern=SLUG, max_length=40)]
ModelSlug = Annotated[Text, StringConstraints(min_length=1, max_length=60)]


def _trimmed(min_length: int, max_length: int) -> Any:
    """Text with its surrounding whitespace removed, the length limits checked on what remains."""
    # Not StringConstraints(strip_whitespace=True, ...): after Text's validator pydantic checks those
    # lengths before stripping, so "   " became a stored "" and 199 characters padded to 202 were refused.
    return Annotated[Text, AfterValidator(str.strip), StringConstraints(min_length=min_length, max_length=max_length)]


Title = _trimmed(1, 200)
TitleEn = _trimmed(0, 200)  # "": none (the Korean one shows)


def _rfc3339(value: str) -> datetime:
    """An RFC 3339 time with its offset, as aware UTC."""
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None and "T" in value.upper():
            return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved past the calendar's end
        pass
    raise PydanticCustomError("rfc3339", "an RFC 3339 time with an offset, e.g. 2026-12-01T00:00:00Z")


Time = Annotated[Text, StringConstraints(max_length=40), AfterValidator(_rfc3339),
                 Field(json_schema_extra={"format": "date-time"})]
Categories = Annotated[list[Category], Field(max_length=50)]
Roster = Annotated[list[ModelSlug], Field(max_length=200)]
UNKNOWN = "Unknown round"


class RoundCreate(Body):
    """`POST /api/admin/rounds`: a new draft round."""

    id: RoundId
    title: Title
    title_en: TitleEn | SkipJsonSchema[None] = None  # the title in English
    opens_at: Time
    closes_at: Time
    categories: Categories
    roster: Roster = Field(default_factory=list)
    free_prompts: bool = False
    protocol: dict[str, Any] = Field(default_factory=dict)


class RoundPatch(Body):
    """`PATCH /api/admin/rounds/<id>`: the fields to change (terms only while a draft)."""

    title: Title | SkipJsonSchema[None] = None
    title_en: TitleEn | SkipJsonSchema[None] = None  # "" clears it
    opens_at: Time | SkipJsonSchema[None] = None
    closes_at: Time | SkipJsonSchema[None] = None
    categories: Categories | SkipJsonSchema[None] = None
    roster: Roster | SkipJsonSchema[None] = None
    free_prompts: bool | SkipJsonSchema[None] = None
    protocol: dict[str, Any] | SkipJsonSchema[None] = None


class ProtocolChange(Body):
    """`POST /api/admin/rounds/<id>/protocol`: a new version of an open round's terms, with its reason."""

    reason: Annotated[Text, StringConstraints(max_length=2000)]
    categories: Categories | SkipJsonSchema[None] = None
    roster: Roster | SkipJsonSchema[None] = None
    free_prompts: bool | SkipJsonSchema[None] = None
    protocol: dict[str, Any] | SkipJsonSchema[None] = None




@rounds_bp.errorhandler(RoundError)
def _round_error(exc: RoundError):
    return error_response(exc.status, exc.code, t(f"error.{exc.code}", **exc.params))


def _fields(body: Body, only_given: bool) -> dict[str, Any]:
    """The body's values by name (times already parsed); only those the client sent when `only_given`."""
    names = body.model_fields_set if only_given else type(body).model_fields
    return {name: getattr(body, name) for name in names}


def _answer(payload: dict, status: int = 200):
    get_session().commit()
    resp = jsonify(payload)
    resp.status_code = status
    return resp


@rounds_bp.get("/rounds")
@api_doc(responses=json_doc(200, ROUNDS_SCHEMA, "Every round, drafts included"), tags=["admin"])
def rounds_index():
    """Every round, newest first, drafts included (ministry only)."""
    return jsonify({"rounds": [round_json(r) for r in list_rounds(get_session(), include_drafts=True)]})


@rounds_bp.post("/rounds")
@api_doc(request=RoundCreate, responses={**json_doc(201, ROUND_SCHEMA, "The new draft round"),
                                         409: "A round with this id exists",
                                         422: "An invalid field, window, category list, roster or protocol"},
         tags=["admin"])
def rounds_create():
    """Create a draft round (ministry only)."""
    data = _fields(parse_body(RoundCreate), only_given=False)
    return _answer(round_json(create_round(get_session(), require_user(), data, utcnow())), 201)


@rounds_bp.get("/rounds/<round_id>")
@api_doc(responses={**json_doc(200, ROUND_SCHEMA, "The round"), 404: UNKNOWN}, tags=["admin"])
def rounds_show(round_id: str):
    """One round, whatever its status (ministry only)."""
    return jsonify(round_json(find_round(get_session(), round_id)))


@rounds_bp.patch("/rounds/<round_id>")
@api_doc(request=RoundPatch, responses={**json_doc(200, ROUND_SCHEMA, "The round as changed"), 404: UNKNOWN,
                                        409: "Terms of a round no longer a draft, or the window of a closed one",
                                        422: "An invalid field, window or term, or nothing to change"},
         tags=["admin"])
def rounds_update(round_id: str):
    """Edit a round: its terms only while a draft (ministry only)."""
    changes = _fields(parse_body(RoundPatch), only_given=True)
    return _answer(round_json(update_round(get_session(), require_user(), round_id, changes, utcnow())))


@rounds_bp.post("/rounds/<round_id>/open")
@api_doc(responses={**json_doc(200, ROUND_SCHEMA, "The round, open, with protocol version 1"), 404: UNKNOWN,
                    409: "Not a draft (invalid_transition)",
                    422: "Its window has passed, or its terms cannot run"}, tags=["admin"])
def rounds_open(round_id: str):
    """Open a draft round, freezing its terms as protocol version 1 (ministry only)."""
    return _answer(round_json(open_round(get_session(), require_user(), round_id, utcnow(), _protocol_checks())))


@rounds_bp.post("/rounds/<round_id>/close")
@api_doc(responses={**json_doc(200, ROUND_SCHEMA, "The round, closed"), 404: UNKNOWN,
                    409: "Not open (invalid_transition)"}, tags=["admin"])
def rounds_close(round_id: str):
    """Close an open round: no more battles or votes (ministry only)."""
    return _answer(round_json(close_round(get_session(), require_user(), round_id, utcnow())))


@rounds_bp.post("/rounds/<round_id>/protocol")
@api_doc(request=ProtocolChange, responses={**json_doc(201, VERSION_SCHEMA, "The new protocol version"), 404: UNKNOWN,
                                            409: "Not open, or another version was written first",
                                            422: "No reason, nothing to change, or terms that cannot run"},
         tags=["admin"])
def rounds_protocol(round_id: str):
    """Change an open round's terms through a new, public protocol version with a reason (ministry only)."""
    body = _fields(parse_body(ProtocolChange), only_given=True)
    reason = body.pop("reason")
    version = change_protocol(get_session(), require_user(), round_id, reason, body, utcnow(), _protocol_checks())
    return _answer(version_json(version), 201)


def _protocol_checks() -> tuple:
    """The checks other packages registered on a protocol about to be frozen (anti_abuse: the lexicon exists)."""
    return tuple(current_app.extensions.get("protocol_checks", ()))


bp.register_blueprint(rounds_bp)
