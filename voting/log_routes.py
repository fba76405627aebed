"""Public routes of the hash-chained vote log: the daily roots."""
from __future__ import annotations

import logging

from flask import jsonify, request
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_session, rollback_request_session, utcnow
from app.errors import NotFound
from app.openapi import api_doc
from contest.queries import public_round
from voting import log_store
from voting.blueprint import bp
from voting.snapshots import roots_document

log = logging.getLogger("arena.voting.log")

ROOTS_PARAMS = [{"name": "round", "in": "query", "required": False, "schema": {"type": "string"},
                 "description": "Round id (default: every round)"}]
_HEX = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
ROOTS_SCHEMA = {"description": "Daily roots and current heads of each round's chain", "content": {
    "application/json": {"schema": {"type": "object", "required": ["roots", "heads"], "properties": {
        "roots": {"type": "array", "items": {"type": "object", "properties": {
            "round": {"type": "string"}, "day": {"type": "string", "format": "date"},
            "last_seq": {"type": "integer"}, "root": _HEX,
            "recorded_at": {"type": "string", "format": "date-time"}}}},
        "heads": {"type": "array", "items": {"type": "object", "properties": {
            "round": {"type": "string"}, "seq": {"type": "integer"}, "hash": _HEX}}}}}}}}


@bp.get("/api/log/roots")
@api_doc(params=ROOTS_PARAMS, responses={200: ROOTS_SCHEMA, 404: "Unknown round"}, tags=["publications"])
def log_roots():
    """The vote log's daily roots (each round's chain head at the end of a UTC day) and current heads."""
    session = get_session()
    round_id = request.args.get("round")
    if round_id is not None and public_round(session, round_id) is None:
        raise NotFound(code="unknown_round")
    try:  # days the worker or cron has not sealed yet
        if log_store.seal_roots(session, utcnow()):
            session.commit()
    except SQLAlchemyError as exc:  # e.g. a read-only standby: readers still get what is recorded
        log.warning("could not seal the vote log's roots on read: %s", exc)
        rollback_request_session()
    return jsonify(roots_document(session, round_id))
