"""Who is asking: the current user from the session, login and role guards."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Blueprint, Flask, g, redirect, request, session, url_for
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_session
from app.errors import Forbidden, ServiceUnavailable, Unauthorized
from app.models import User


def current_user() -> User | None:
    """The logged-in, active user of this request, or None."""
    if "user" in g:
        return g.user
    if getattr(session, "unavailable", False):  # the session store (database) is down
        raise ServiceUnavailable()
    user = None
    uid = session.get("uid")
    if uid is not None:
        user = get_session().get(User, uid)
        if user is not None and not user.is_active:
            user = None
    g.user = user
    return user


def require_user() -> User:
    """The current user, or a 401."""
    user = current_user()
    if user is None:
        raise Unauthorized()
    return user


def login_required(view: Callable) -> Callable:
    """The view needs a logged-in, active user (401 otherwise)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        require_user()
        return view(*args, **kwargs)

    return wrapped


def guard_blueprint(bp: Blueprint, *roles: str) -> None:
    """Every route of `bp` needs one of `roles` (checked once per blueprint, not per route)."""

    @bp.before_request
    def _check_role():
        user = require_user()
        if not any(user.has_role(role) for role in roles):
            raise Forbidden()


def guard_pages(bp: Blueprint, *roles: str) -> None:
    """guard_blueprint for pages: someone not logged in is sent to log in and brought back (before the
    role guard would answer 401); other roles get the 403 page."""

    @bp.before_request
    def _send_anonymous_to_login():
        if current_user() is None:
            return redirect(url_for("auth.login_page", next=request.full_path.rstrip("?")))
        return None

    guard_blueprint(bp, *roles)


def init_app(app: Flask) -> None:
    """Templates may ask who is logged in (sessions, CSRF, providers and routes are wired by the factory)."""
    app.jinja_env.globals["current_user"] = _page_user


def _page_user() -> User | None:
    """current_user() for templates: an error page must render even when the database is down."""
    try:
        return current_user()
    except (SQLAlchemyError, ServiceUnavailable):
        return None
