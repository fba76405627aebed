"""The citizen panel's page for members: enter the invitation code, see progress, start the next
assigned battle (it opens on the ordinary battle page)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from app.auth import current_user
from app.db import get_session
from app.i18n import t
from contest.blueprint import bp
from contest.panels import memberships, next_for

panel_pages_bp = Blueprint("panel_pages", __name__)
JS_STRINGS = ("panel.offline", "panel.failed", "panel.retry_after", "panel.starting")


@panel_pages_bp.before_request
def _logged_in():
    if current_user() is None:
        return redirect(url_for("auth.login_page", next=request.full_path.rstrip("?")))
    return None


@panel_pages_bp.get("/panel")
def panel_page():
    """The member's panels with progress; the code form for everyone else."""
    session = get_session()
    user = current_user()
    panels = []
    for _member, panel in memberships(session, user.id):
        found = next_for(session, user.id, panel.id)
        panels.append({"id": panel.id, "round": panel.round_id, "stratum": found.member.stratum,
                       "done": found.progress.done, "quota": found.progress.quota,
                       "finished": found.assignment is None,
                       "battle": found.battle.id if found.battle is not None else None})
    session.commit()  # a member's sequence is drawn when first needed
    return render_template("contest/panel.html", panels=panels,
                           js_strings={k.removeprefix("panel."): t(k) for k in JS_STRINGS})


bp.register_blueprint(panel_pages_bp)
