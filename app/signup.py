"""The consent screen between a verified first login and the account (개인정보 보호법 제15조, 제22조, 제22조의2).

The callback keeps the verified (provider, subject) in the server-side session, not yet logged in; this
page shows what is collected, why and for how long, asks the required and the optional consents
separately and whether the citizen is 14 or older. Only then is the account created. A citizen under
14 is told why they cannot join and nothing is stored.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from app.accounts import login_or_register
from app.consent import MIN_AGE, POLICY_DATE, POLICY_VERSION, Choices, ConsentError
from app.db import get_session, utcnow
from app.errors import BadRequest, Forbidden
from app.observability import audit
from app.security import csrf
from app.sessions import begin_login

bp = Blueprint("signup", __name__)

KEY = "signup"
HOLD_FOR = timedelta(minutes=10)  # as long as a logged-out session row lives (app/sessions.py)


def hold_signup(sess, provider: str, subject: str, next_path: str, now: datetime) -> None:
    """Remember a verified login waiting for consent (the session row is server-side: not forgeable)."""
    sess[KEY] = {"provider": provider, "subject": subject, "next": next_path, "at": now.isoformat()}
    sess.rotate = True  # a verified login is worth fixing a session for: the token changes here, and again at login


def held_signup(now: datetime) -> dict[str, Any]:
    """The login waiting for consent, or 400 signup_expired (none, or older than HOLD_FOR)."""
    held = session.get(KEY)
    if not isinstance(held, dict) or not {"provider", "subject", "next", "at"} <= set(held):
        raise BadRequest(code="signup_expired")
    try:
        fresh = now - datetime.fromisoformat(held["at"]) <= HOLD_FOR
    except (TypeError, ValueError):
        fresh = False
    if not fresh:
        session.pop(KEY, None)
        raise BadRequest(code="signup_expired")
    return held


def choices_from_form(form) -> Choices:
    """The consent form's answers; anything but the expected values counts as not given."""
    age = {"yes": True, "no": False}.get(form.get("age_14", ""))
    return Choices(privacy=form.get("privacy") == "yes", terms=form.get("terms") == "yes",
                   release=form.get("release") == "yes", age_14=age)


def _form(choices: Choices | None = None, error: str | None = None, status: int = 200):
    return render_template("app/consent.html", choices=choices, error=error, policy_version=POLICY_VERSION,
                           policy_date=POLICY_DATE, min_age=MIN_AGE), status


@bp.get("/auth/consent")
def consent_page():
    """The consent screen of a login under way."""
    held_signup(utcnow())
    return _form()


@bp.post("/auth/consent")
def consent_submit():
    """Agree and create the account, cancel, or be told why a citizen under 14 cannot join."""
    csrf.protect()  # not logged in yet, so the app-wide check (logged-in sessions only) does not cover it
    now = utcnow()
    held = held_signup(now)
    if request.form.get("action") == "cancel":
        session.pop(KEY, None)
        audit("consent_cancelled", provider=held["provider"])
        return redirect(url_for("contest.home"), code=303)
    choices = choices_from_form(request.form)
    db = get_session()
    try:
        user, created = login_or_register(db, held["provider"], held["subject"], now, secrets.SystemRandom(), choices)
    except ConsentError as exc:
        db.rollback()
        if exc.code == "under_14":
            session.pop(KEY, None)
            audit("consent_under_14", provider=held["provider"])
            return render_template("app/under_14.html", min_age=MIN_AGE), 403
        return _form(choices, exc.code, 422)
    if not user.is_active:
        db.rollback()
        raise Forbidden(code="account_suspended")
    begin_login(session, user.id)
    db.commit()
    audit("login_success", provider=held["provider"], user_id=user.id, created=created, consent=POLICY_VERSION)
    after = current_app.extensions.get("after_signup")  # anti_abuse: the conflict-of-interest question
    if created and after is not None:
        return redirect(after(held["next"]), code=303)
    return redirect(held["next"])  # 302, as a login that needed no consent
