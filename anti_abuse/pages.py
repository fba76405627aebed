"""The moderators' pages (moderator or ministry): the review queue with its evidence and action forms,
and the read-only action log.

The pages render from the moderation service what a moderator needs at load; every action goes through
`POST /api/moderation/actions` (static/js/moderation.js), so a page can do nothing the API would not.
"""
from __future__ import annotations

from dataclasses import asdict, is_dataclass
from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from anti_abuse import moderation
from anti_abuse.blueprint import bp
from anti_abuse.models import FLAG_SOURCES, FLAG_STATUSES
from app.auth import guard_pages
from app.db import get_session
from app.errors import NotFound
from app.i18n import current_lang, t
from app.models import STAFF_ROLES, User

QUEUE_PAGE = 25
AUDIT_PAGE = 50
MOD_JS = ("mod.confirm", "mod.done", "mod.sending", "mod.failed", "error.generic")  # handed to the page script

pages_bp = Blueprint("moderation_pages", __name__, url_prefix="/moderation")

guard_pages(pages_bp, *STAFF_ROLES)


def as_dict(value: Any) -> dict:
    """A service result as plain JSON-shaped data, whichever way the service hands it over."""
    if isinstance(value, dict):
        return value
    if hasattr(value, "as_json"):
        return value.as_json()
    if is_dataclass(value):
        return asdict(value)
    raise TypeError(f"cannot show {type(value).__name__}")


def _choice(name: str, allowed: tuple[str, ...], default: str | None) -> str | None:
    """A query parameter restricted to known values (anything else falls back to the default)."""
    value = request.args.get(name)
    return value if value in allowed else default


def _before() -> int | None:
    """The paging cursor: an id, or None for the first page (a malformed one is ignored)."""
    raw = request.args.get("before", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10):
        return None
    return int(raw) if 0 < int(raw) < 2**31 else None  # ids are 32-bit integers in the database


def _page(template: str, **context):
    return render_template(f"anti_abuse/{template}", js_strings={k: t(k) for k in MOD_JS}, **context)


@pages_bp.get("")
def queue():
    """The review queue: filter by status and kind, evidence and the action form per item."""
    status = _choice("status", FLAG_STATUSES, "open")
    source = _choice("source", FLAG_SOURCES, None)
    try:
        found = moderation.queue(get_session(), status=status, source=source, limit=QUEUE_PAGE, before=_before(),
                                 lang=current_lang())
    except moderation.ModerationError as exc:  # an unknown paging cursor
        raise NotFound(code=exc.code) from None
    items = [as_dict(item) for item in found]
    older = items[-1]["id"] if len(items) == QUEUE_PAGE else None
    done = request.args.get("done", "")
    return _page("queue.html", items=items, status=status, source=source, older=older,
                 statuses=FLAG_STATUSES, sources=FLAG_SOURCES,
                 done={"id": done, "n": request.args.get("n", "0")} if done.isdigit() else None)


@pages_bp.get("/audit")
def audit():
    """The moderation entries of the append-only audit log, newest first, paged."""
    session = get_session()
    entries = [as_dict(e) for e in moderation.audit(session, limit=AUDIT_PAGE, before=_before())]
    older = entries[-1]["id"] if len(entries) == AUDIT_PAGE else None
    return _page("audit.html", entries=entries, older=older, names=actor_names(session, entries))


def actor_names(session: Session, entries: list[dict]) -> dict[str, str]:
    """Display names of the accounts that acted ("user:<id>" in the log), so a moderator reads who, not a number."""
    ids = {int(e["actor"][5:]) for e in entries if e["actor"].startswith("user:") and e["actor"][5:].isdigit()}
    if not ids:
        return {}
    return {f"user:{uid}": name for uid, name in session.execute(select(User.id, User.display_name)
                                                                   .where(User.id.in_(ids)))}


bp.register_blueprint(pages_bp)
