"""The citizen panel's page for members: enter the invitation code, see progress, start the next
assigned battle (it opens on the ordinary battle page)."""
from __future__ import annotations

import random

from flask import Blueprint, redirect, render_template, request, url_for

from app.auth import current_user
from app.db import get_session
from app.i18n import t
from contest.blueprint import bp
from contest.panels import PanelError, memberships, standing

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
    for member, panel in memberships(session, user.id):
        entry = {"id": panel.id, "round": panel.round_id, "stratum": member.stratum}
        try:
            found = standing(session, panel, member, random.SystemRandom())
        except PanelError as exc:  # e.g. no prompt left to assign: said on the page, not a server error
            entry.update(state="problem", problem=t(f"error.{exc.code}", **exc.params), done=0, quota=panel.quota,
                         title=panel.round_id, battle=None)
            panels.append(entry)
            continue
        entry.update(state=found.state, title=found.round.title, done=found.progress.done,
                     quota=found.progress.quota, battle=found.battle.id if found.battle is not None else None)
        panels.append(entry)
    session.commit()  # a member's sequence may have been dealt
    return render_template("contest/panel.html", panels=panels,
                           js_strings={k.removeprefix("panel."): t(k) for k in JS_STRINGS})


bp.register_blueprint(panel_pages_bp)
