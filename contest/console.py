"""The ministry's console pages (ministry only); they drive the admin API with fetch (static/js/console.js).

Each page renders from the database what it needs at load; every change goes through the admin API,
so the console can do nothing a program holding the ministry role could not.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from app.auth import guard_pages
from app.db import could_be_id, get_session
from app.errors import NotFound
from app.i18n import t
from contest import console_view
from contest.blueprint import bp
from contest.protocol import DEFAULT_PROTOCOL, KNOWN_EXCLUSIONS

console_bp = Blueprint("console", __name__, url_prefix="/admin")

guard_pages(console_bp, "ministry")

# The strings console.js shows, handed over as a JSON data block (no inline script).
JS_STRINGS = ("console.saved", "console.sending", "console.failed", "console.confirm", "console.published",
              "console.view_snapshot", "console.no_snapshots", "console.line_errors", "console.supersedes_none",
              "error.generic")


def _page(template: str, **context):
    return render_template(f"contest/{template}", js_strings={k: t(k) for k in JS_STRINGS}, **context)


@console_bp.get("")
def overview():
    """Rounds with their status and the console's sections."""
    return _page("console.html", **console_view.overview(get_session()))


@console_bp.get("/teams")
def teams():
    """Teams: list, create, rename."""
    return _page("console_teams.html", teams=console_view.teams(get_session()))


@console_bp.get("/models")
def models():
    """Models: list, create, edit (backend, version, active)."""
    session = get_session()
    return _page("console_models.html", models=console_view.models(session), teams=console_view.teams(session))


@console_bp.get("/rounds")
def rounds():
    """Rounds: list and the form for a new (draft) round."""
    session = get_session()
    return _page("console_rounds.html", rounds=console_view.rounds(session), models=console_view.models(session),
                 defaults=DEFAULT_PROTOCOL, exclusions=KNOWN_EXCLUSIONS)


@console_bp.get("/rounds/<round_id>")
def round_page(round_id: str):
    """One round: details, roster, protocol and its versions, lifecycle and publication buttons."""
    detail = console_view.round_detail(get_session(), round_id) if could_be_id(round_id) else None
    if detail is None:
        raise NotFound(code="unknown_round")
    return _page("console_round.html", **detail)


@console_bp.get("/uploads")
def uploads():
    """Prompt pool and response bank uploads (JSON Lines)."""
    return _page("console_uploads.html", **console_view.uploads(get_session()))


@console_bp.get("/roles")
def roles():
    """Who holds the moderator and ministry roles; grant and revoke."""
    return _page("console_roles.html", holders=console_view.role_holders(get_session()))


@console_bp.get("/audit")
def audit():
    """The audit log, newest first, paged."""
    before = request.args.get("before", type=int)
    return _page("console_audit.html", **console_view.audit_page(get_session(), before))


bp.register_blueprint(console_bp)
