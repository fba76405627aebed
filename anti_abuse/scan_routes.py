"""`POST /api/moderation/scan`: a moderator runs the anomaly detectors now (cron runs them too:
`flask moderation scan`); what they find lands in the queue."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from anti_abuse.blueprint import bp
from anti_abuse.scan import scan_rounds
from app.models import STAFF_ROLES
from app.auth import guard_blueprint
from app.db import could_be_id, get_session, utcnow
from app.errors import NotFound
from app.openapi import api_doc
from contest.models import Round

scan_bp = Blueprint("moderation_scan", __name__, url_prefix="/api/moderation")
guard_blueprint(scan_bp, *STAFF_ROLES)


@scan_bp.post("/scan")
@api_doc(params=[{"name": "round", "in": "query", "required": False, "schema": {"type": "string"}}],
         tags=["moderation"], responses={404: "Unknown round"})
def scan_now():
    """Run the detectors over counted votes of one round (`?round=`) or every open round; returns what
    each scan found and how many items are new in the queue."""
    session = get_session()
    round_id = request.args.get("round")
    if round_id is not None and (not could_be_id(round_id) or session.get(Round, round_id) is None):
        raise NotFound(code="unknown_round")
    reports = scan_rounds(session, utcnow(), round_id)
    session.commit()
    return jsonify({"scans": [{"round": r.round_id, "votes": r.votes, "findings": r.findings, "filed": r.filed,
                               "updated": r.updated, "bank_leaks": r.bank_leaks} for r in reports]})


bp.register_blueprint(scan_bp)
