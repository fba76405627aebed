"""Identity routes: login through a provider, logout, `GET/PATCH /api/me` and the account page."""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_wtf.csrf import generate_csrf

from app.accounts import AccountError, change_display_name, find_identity, login_or_register
from app.auth import current_user, require_user
from app.db import get_session, korean_time, utcnow
from app.bodies import Body, Text, parse_body
from app.consent import consents_json, needs_consent
from app.errors import ApiError, Forbidden, Unprocessable, wants_json
from app.login import finish_login, get_provider, start_login
from app.observability import audit
from app.openapi import api_doc
from app.sessions import begin_login, end_session, revoke_user_sessions
from app.signup import hold_signup

bp = Blueprint("auth", __name__)

ME_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "string"}, "display_name": {"type": "string"},
    "roles": {"type": "array", "items": {"type": "string"}}, "csrf_token": {"type": "string"},
    "votes_today": {"type": "integer"}, "vote_limit": {"type": "integer"}}}
ME_DOC = {200: {"description": "The logged-in citizen", "content": {"application/json": {"schema": ME_SCHEMA}}}}


class MeUpdateBody(Body):
    """`PATCH /api/me`: the new pseudonym (2 to 20 letters, digits, spaces and . - _ ·)."""

    display_name: Text


def safe_next(raw: str | None) -> str:
    """A same-site path to return to after login; anything else becomes '/'."""
    if not raw or len(raw) > 500 or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or not raw.isprintable():
        return "/"
    return raw


def me_payload(user) -> dict:
    """The `GET /api/me` document for `user` (also issues this session's CSRF token)."""
    return {"id": str(user.id), "display_name": user.display_name, "roles": user.role_names,
            "csrf_token": generate_csrf(), **vote_counts(user)}


def vote_counts(user) -> dict:
    """Votes counted against the daily cap in the open round, and the cap (anti_abuse registers the reader)."""
    quota = current_app.extensions.get("vote_quota")
    used, limit = quota(get_session(), user.id, utcnow()) if quota else (0, 0)
    return {"votes_today": used, "vote_limit": limit}


@bp.get("/login")
def login_page():
    """Choose a login provider."""
    providers = current_app.extensions["login_providers"].values()
    return render_template("app/login.html", providers=providers, next=safe_next(request.args.get("next")))


@bp.get("/auth/login/<provider>")
@api_doc(tags=["identity"], responses={302: "Redirect to the provider"})
def login(provider: str):
    """Start logging in with a provider (authorization code, PKCE S256, state, nonce)."""
    p = get_provider(provider)
    session["login_next"] = safe_next(request.args.get("next"))
    try:
        return start_login(p, url_for("auth.callback", provider=p.name, _external=True))
    except ApiError as exc:
        audit("login_failure", provider=p.name, code=exc.code, stage="start")
        raise


@bp.get("/auth/callback/<provider>")
@api_doc(tags=["identity"], responses={302: "Logged in; redirect to `next`"})
def callback(provider: str):
    """Finish logging in. A first login (or an account that has not agreed to the policy in force) goes to
    the consent screen first: the account is created only once the citizen agreed there."""
    p = get_provider(provider)
    try:
        subject = finish_login(p)
        db = get_session()
        identity = find_identity(db, p.name, subject)
        if identity is not None and not identity.user.is_active:
            raise Forbidden(code="account_suspended")
        if identity is None or needs_consent(db, identity.user_id):
            return ask_consent(p.name, subject)
        user, created = login_or_register(db, p.name, subject, utcnow(), secrets.SystemRandom())
    except ApiError as exc:
        get_session().rollback()  # nothing of a failed login is kept
        audit("login_failure", provider=p.name, code=exc.code, stage="callback")
        raise
    next_path = session.get("login_next") or "/"
    begin_login(session, user.id)
    db.commit()
    audit("login_success", provider=p.name, user_id=user.id, created=created)
    return redirect(next_path)


def ask_consent(provider: str, subject: str):
    """Keep the verified login in this (not yet logged-in) session and show the consent screen."""
    hold_signup(session, provider, subject, session.get("login_next") or "/", utcnow())
    audit("consent_asked", provider=provider)
    return redirect(url_for("signup.consent_page"), code=303)


@bp.post("/auth/logout")
@api_doc(tags=["identity"], responses={204: "Logged out (JSON clients)", 303: "Logged out; to the home page"})
def logout():
    """End this session; with `everywhere=1` (form field or query) every session of the account."""
    user = current_user()
    everywhere = (request.values.get("everywhere") or "") in ("1", "true")
    if user is not None and everywhere:
        revoke_user_sessions(get_session(), user.id)
        get_session().commit()
    end_session(session)
    if user is not None:
        audit("logout", user_id=user.id, everywhere=everywhere)
    if wants_json():
        return "", 204
    return redirect(request.script_root + "/", code=303)


@bp.get("/api/me")
@api_doc(tags=["identity"], responses=ME_DOC)
def me():
    """The logged-in citizen, roles, CSRF token and today's votes."""
    return jsonify(me_payload(require_user()))


@bp.patch("/api/me")
@api_doc(tags=["identity"], responses=ME_DOC, request=MeUpdateBody)
def me_update():
    """Change the pseudonymous display name."""
    user = require_user()
    display_name = parse_body(MeUpdateBody).display_name
    try:
        change_display_name(get_session(), user, display_name, current_app.extensions.get("display_name_rule"))
    except AccountError as exc:
        raise Unprocessable(code=exc.code) from exc
    get_session().commit()
    return jsonify(me_payload(user))


@bp.route("/account", methods=["GET", "POST"])
def account():
    """The citizen's account page: pseudonym, consents, my votes, my data, logout, deleting the account."""
    user = require_user()
    error, typed = None, None
    if request.method == "POST":
        typed = request.form.get("display_name", "")
        try:
            change_display_name(get_session(), user, typed, current_app.extensions.get("display_name_rule"))
            get_session().commit()
            return redirect(url_for("auth.account", saved=1), code=303)
        except AccountError as exc:
            get_session().rollback()
            error = exc.code
    status = 422 if error else 200
    flags = {name: request.args.get(name) == "1" for name in ("saved", "consent_saved", "delete_unconfirmed")}
    consents = {item: {**c, "shown": korean_time(c["at"])}
                for item, c in consents_json(get_session(), user.id)["consents"].items()}
    return render_template("app/account.html", user=user, error=error, typed_name=typed, consents=consents,
                           **flags, **vote_counts(user)), status
