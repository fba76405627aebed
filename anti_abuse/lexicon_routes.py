"""The ministry's identity lexicon: list, read and add versions (ministry only, guarded once)."""
from __future__ import annotations

from typing import Annotated

from flask import Blueprint, jsonify
from pydantic import Field

from anti_abuse.blueprint import bp
from anti_abuse.lexicon_versions import LexiconRejected, create_version, detail, lexicon_version, versions
from app.auth import guard_blueprint, require_user
from app.bodies import Body, Text, parse_body
from app.db import get_session, utcnow
from app.errors import ApiError, NotFound
from app.openapi import api_doc

lexicon_bp = Blueprint("lexicons", __name__, url_prefix="/api/admin/lexicons")
guard_blueprint(lexicon_bp, "ministry")


class LexiconBody(Body):
    """`POST /api/admin/lexicons`: a whole new version (every name and extra probing phrase)."""

    names: Annotated[list[Text], Field(min_length=1, max_length=2000)]
    probes: Annotated[list[Text], Field(max_length=2000)] = []
    note: Annotated[Text, Field(max_length=1000)] | None = None


@lexicon_bp.get("")
@api_doc(tags=["admin"])
def lexicon_list():
    """Every identity lexicon version, newest first (built-in and the ministry's); a round's protocol
    names the one its checks use (`identity_lexicon`)."""
    return jsonify({"versions": versions(get_session())})


@lexicon_bp.get("/<int:version>")
@api_doc(tags=["admin"], responses={404: "Unknown version"})
def lexicon_get(version: int):
    """One version's names and extra probing phrases."""
    session = get_session()
    known = {v["version"] for v in versions(session)}
    if version not in known:
        raise NotFound(code="unknown_lexicon")
    return jsonify(detail(lexicon_version(session, version)))


@lexicon_bp.post("")
@api_doc(request=LexiconBody, tags=["admin"], responses={201: "The new version's number", 422: "Invalid names"})
def lexicon_create():
    """Add a version (audited); rounds opened from now on can name it in their protocol."""
    body = parse_body(LexiconBody)
    session = get_session()
    try:
        created = create_version(session, require_user(), body.names, body.probes, body.note, utcnow())
    except LexiconRejected as exc:
        raise ApiError(exc.detail, code=exc.code, status=409 if exc.code == "lexicon_conflict" else 422) from None
    session.commit()
    return jsonify({"version": created.version, "names": len(created.names.names),
                    "probes": len(created.probes)}), 201


bp.register_blueprint(lexicon_bp)
