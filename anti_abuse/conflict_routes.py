"""A citizen's conflict-of-interest declaration: read it, make or change it."""
from __future__ import annotations

from typing import Annotated

from flask import jsonify
from pydantic import Field, StringConstraints

from anti_abuse.blueprint import bp
from anti_abuse.conflicts import ConflictError, current, declaration_json, declare
from app.auth import login_required, require_user
from app.bodies import Body, Text, parse_body
from app.db import get_session, utcnow
from app.errors import ApiError
from app.openapi import api_doc

TeamSlug = Annotated[Text, StringConstraints(min_length=1, max_length=40)]


class ConflictBody(Body):
    """`PUT /api/me/conflicts`: the participating teams you work for or are closely tied to (empty: none)."""

    teams: Annotated[list[TeamSlug], Field(max_length=50)]


@bp.get("/api/me/conflicts")
@api_doc(tags=["moderation"])
@login_required
def my_conflicts():
    """Your declaration of ties to participating teams (`declared`: false until you make one)."""
    return jsonify(declaration_json(current(get_session(), require_user().id)))


@bp.put("/api/me/conflicts")
@api_doc(request=ConflictBody, tags=["moderation"])
@login_required
def declare_conflicts():
    """Declare your ties; your votes on those teams' battles, earlier ones included, do not count."""
    body = parse_body(ConflictBody)
    session = get_session()
    try:
        row, voided = declare(session, require_user(), list(body.teams), utcnow())
    except ConflictError as exc:
        raise ApiError(code=exc.code, status=exc.status) from None
    session.commit()
    return jsonify({**declaration_json(row), "excluded_votes": voided})
