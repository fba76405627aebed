"""How rounds and their protocol versions are shown: the ministry's view and the public one.

The round's pseudonym salt is never part of either.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from contest.models import Round, RoundProtocol

_TIME = {"type": "string", "format": "date-time"}
_STRINGS = {"type": "array", "items": {"type": "string"}}
# OpenAPI schemas of the shapes below (fields shown to the ministry only are simply absent publicly).
ROUND_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "string"}, "title": {"type": "string"}, "title_en": {"type": "string", "nullable": True},
    "status": {"type": "string"}, "opens_at": _TIME,
    "closes_at": _TIME, "categories": _STRINGS, "free_prompts": {"type": "boolean"},
    "protocol_version": {"type": "integer"}, "roster": _STRINGS, "protocol": {"type": "object"}}}
ROUNDS_SCHEMA = {"type": "object", "properties": {"rounds": {"type": "array", "items": ROUND_SCHEMA}}}
VERSION_SCHEMA = {"type": "object", "properties": {
    "version": {"type": "integer"}, "protocol": {"type": "object"}, "categories": _STRINGS, "roster": _STRINGS,
    "free_prompts": {"type": "boolean"}, "reason": {"type": "string"}, "created_at": _TIME}}


def json_doc(status: int, schema: dict, what: str) -> dict:
    """An `api_doc` response entry: `status` answers JSON of `schema`."""
    return {status: {"description": what, "content": {"application/json": {"schema": schema}}}}


def rfc3339(moment: datetime | None) -> str | None:
    """An aware UTC time as RFC 3339 with "Z" (None stays None)."""
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def terms_of(round_: Round) -> dict[str, Any]:
    """The round's terms as they stand: protocol, categories, roster (model slugs, sorted), free prompts."""
    return {"protocol": dict(round_.protocol or {}), "categories": list(round_.categories or []),
            "roster": sorted(rm.model.slug for rm in round_.roster), "free_prompts": bool(round_.free_prompts)}


def round_json(round_: Round) -> dict[str, Any]:
    """The ministry's view of a round (also the audit log's before/after)."""
    return {"id": round_.id, "title": round_.title, "title_en": round_.title_en, "status": round_.status,
            "opens_at": rfc3339(round_.opens_at), "closes_at": rfc3339(round_.closes_at), **terms_of(round_),
            "protocol_version": round_.protocol_version, "opened_at": rfc3339(round_.opened_at),
            "closed_at": rfc3339(round_.closed_at), "published_at": rfc3339(round_.published_at)}


def public_round_json(round_: Round) -> dict[str, Any]:
    """What anyone may see of a round that is no longer a draft."""
    return {"id": round_.id, "title": round_.title, "title_en": round_.title_en, "status": round_.status,
            "opens_at": rfc3339(round_.opens_at), "closes_at": rfc3339(round_.closes_at),
            "categories": list(round_.categories or []), "free_prompts": bool(round_.free_prompts),
            "protocol_version": round_.protocol_version}


def version_json(version: RoundProtocol) -> dict[str, Any]:
    """One protocol version as published: its terms, reason and time."""
    return {"version": version.version, "protocol": version.protocol, "categories": version.categories,
            "roster": version.roster, "free_prompts": version.free_prompts, "reason": version.reason,
            "created_at": rfc3339(version.created_at)}
