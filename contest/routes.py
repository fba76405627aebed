"""Contest API and pages: rounds, the prompt pool."""
from __future__ import annotations

from flask import jsonify, request

from app.db import get_session, utcnow
from app.errors import NotFound, Unprocessable
from app.openapi import api_doc
from contest import bp
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
    """The open round's curated prompt pool."""
    r = open_round_or_404()
    category = request.args.get("category")
    if category is not None and category not in r.categories:
        raise Unprocessable(code="unknown_category")
    prompts = prompts_for(get_session(), r.categories, category)
    return jsonify([{"id": p.id, "category": p.category, "text": p.text, "language": p.language}
                    for p in prompts])
