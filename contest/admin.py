"""Ministry-only contest administration: exposure counts, their gaps and bounds, and backend errors (guarded once)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from app.auth import guard_blueprint
from app.db import could_be_id, get_session, utcnow
from app.errors import NotFound, Unprocessable
from app.openapi import api_doc
from contest.blueprint import bp
from contest.models import Round
from contest.queries import current_round
from contest.reports import exposure_report

admin_bp = Blueprint("admin", __name__, url_prefix="/api/admin/contest")
guard_blueprint(admin_bp, "ministry")


@admin_bp.get("/exposure")
@api_doc(params=[{"name": "round", "in": "query", "required": False, "schema": {"type": "string"}},
                 {"name": "category", "in": "query", "required": False, "schema": {"type": "string"}}],
         tags=["admin"])
def exposure():
    """Exposure per model, pair and side with the round-level and per-category gaps and the bound each
    is held to, and backend errors per model (ministry only); `category` narrows to one category."""
    session = get_session()
    round_id = request.args.get("round")
    if round_id and not could_be_id(round_id):
        raise NotFound(code="unknown_round")
    round_ = session.get(Round, round_id) if round_id else current_round(session, utcnow())
    if round_ is None:
        raise NotFound(code="unknown_round")
    category = request.args.get("category")
    if category is not None and category not in round_.categories:
        raise Unprocessable(code="unknown_category")
    return jsonify(exposure_report(session, round_, category, utcnow()))


bp.register_blueprint(admin_bp)
