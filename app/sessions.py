"""Server-side, revocable sessions on the WebSession table.

The cookie carries only a random token; the row id is the token's sha256, so a database dump
does not hold usable cookies. Logging in rotates the token; revoking a user deletes their rows
(logged out everywhere at once).
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

import click
from flask import Flask, Request, Response, g
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, joinedload
from werkzeug.datastructures import CallbackDict

from app.config import is_true
from app.db import discard, get_session, utcnow
from app.models import User, WebSession

log = logging.getLogger("arena.sessions")

COOKIE_NAME = "arena_session"
REFRESH_AFTER = timedelta(hours=1)  # sliding expiry is written at most this often
# A logged-out row (login state, next path) lives minutes: an abandoned login costs a row for
# 10 minutes, not 14 days. begin_login() gives the row the full lifetime.
PRE_LOGIN_LIFETIME = timedelta(minutes=10)
MAX_TOKEN_CHARS = 128


def token_id(token: str) -> str:
    """The row id for a cookie token (its sha256, hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class ServerSession(CallbackDict, SessionMixin):
    """The request's session data; `token` is None until the row is first written."""

    def __init__(self, data: dict[str, Any] | None = None, token: str | None = None, stale: bool = False):
        def on_update(_self: ServerSession) -> None:
            _self.modified = True

        super().__init__(data, on_update)
        self.token = token
        self.stale = stale  # the row's expiry should slide forward
        self.rotate = False
        self.ended = False
        self.modified = False
        self.unavailable = False  # the database could not be asked: who is asking is unknown


def begin_login(sess: ServerSession, user_id: int) -> None:
    """Make `sess` a fresh session of `user_id`; the token is rotated when it is saved."""
    sess.clear()
    sess["uid"] = user_id
    sess.rotate = True


def end_session(sess: ServerSession) -> None:
    """Forget the session: its row is deleted and the cookie removed when it is saved."""
    sess.clear()
    sess.ended = True


def open_user_session(db: Session, user_id: int, now: datetime, lifetime: timedelta) -> str:
    """Create a logged-in session row for `user_id`; returns the cookie token."""
    token = new_token()
    db.add(WebSession(id=token_id(token), user_id=user_id, data="{}", created_at=now, updated_at=now,
                      expires_at=now + lifetime))
    db.flush()
    return token


def revoke_user_sessions(db: Session, user_id: int) -> int:
    """Log `user_id` out everywhere (e.g. on suspension); returns how many sessions ended."""
    result = db.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return result.rowcount or 0


def purge_expired(db: Session, now: datetime) -> int:
    """Delete sessions past their expiry."""
    result = db.execute(delete(WebSession).where(WebSession.expires_at <= now))
    return result.rowcount or 0


def _load(db: Session, token: str, now: datetime) -> ServerSession | None:
    """The session of `token`, read with its user and the user's roles in one query: the user lands in
    `db`'s identity map, where `current_user()` then finds it without another round trip. Nothing is
    cached across requests, so an ended session, a suspension or a revoked role counts at the next one."""
    stmt = (select(WebSession, User).outerjoin(User, User.id == WebSession.user_id)
            .where(WebSession.id == token_id(token)).options(joinedload(User.roles)))
    found = db.execute(stmt).unique().first()
    if found is None or found[0].expires_at <= now:
        return None
    row = found[0]
    db.info["session_user"] = found[1]  # the identity map holds objects weakly: keep it for current_user()
    try:
        data = json.loads(row.data)
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    data.pop("uid", None)
    if row.user_id is not None:
        data["uid"] = row.user_id  # the column is authoritative
    return ServerSession(data, token, stale=now - row.updated_at > REFRESH_AFTER)


class DatabaseSessionInterface(SessionInterface):
    """Flask session interface storing the data in `web_sessions`."""

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app), "")
        if not token or len(token) > MAX_TOKEN_CHARS:
            return ServerSession()
        try:
            # The request's own database session: one checkout and one transaction for the whole request.
            return _load(get_session(), token, utcnow()) or ServerSession()
        except SQLAlchemyError:
            broken = g.pop("db_session", None)
            if broken is not None:  # the next user of get_session() starts afresh
                discard(broken)
            # Raising here would break even /healthz and the error page; current_user() answers 503.
            log.warning("session store unreachable", exc_info=True)
            unknown = ServerSession()
            unknown.unavailable = True
            return unknown

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        if session.unavailable:  # never replace or delete a cookie we could not look up
            return
        if session.token is not None:
            response.vary.add("Cookie")
        if session.ended or (not session and session.token is not None and session.modified):
            self._delete(app, session, response)
            return
        if not session or not (session.modified or session.stale or session.rotate):
            return
        now = utcnow()
        lifetime = app.permanent_session_lifetime if "uid" in session else PRE_LOGIN_LIFETIME
        with app.extensions["db_sessionmaker"]() as db:
            if session.rotate and session.token is not None:
                db.execute(delete(WebSession).where(WebSession.id == token_id(session.token)))
                session.token = None
            if session.token is None:
                session.token = new_token()
                row = WebSession(id=token_id(session.token), created_at=now)
                db.add(row)
            else:
                row = db.get(WebSession, token_id(session.token))
                if row is None:  # revoked while this request ran: never bring it back
                    self._delete(app, session, response)
                    return
            data = dict(session)
            row.user_id = data.pop("uid", None)
            row.data = json.dumps(data, ensure_ascii=False, default=str)
            row.updated_at = now
            row.expires_at = now + lifetime
            db.commit()
        self._set_cookie(app, session.token, response, now + lifetime)

    def _delete(self, app: Flask, session: ServerSession, response: Response) -> None:
        if session.token is not None:
            with app.extensions["db_sessionmaker"]() as db:
                db.execute(delete(WebSession).where(WebSession.id == token_id(session.token)))
                db.commit()
        response.delete_cookie(self.get_cookie_name(app), path=self.get_cookie_path(app),
                               domain=self.get_cookie_domain(app), secure=self.get_cookie_secure(app),
                               httponly=True, samesite=self.get_cookie_samesite(app))

    def _set_cookie(self, app: Flask, token: str, response: Response, expires: datetime) -> None:
        response.set_cookie(self.get_cookie_name(app), token, expires=expires, httponly=True,
                            path=self.get_cookie_path(app), domain=self.get_cookie_domain(app),
                            secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app))


def init_app(app: Flask) -> None:
    """Install the server-side sessions with secure cookie flags (Secure outside development)."""
    secure = app.config.get("COOKIE_SECURE")
    if secure is None or secure == "":
        secure = app.config["ENV"] != "development"
    elif isinstance(secure, str):
        secure = is_true(secure)
    app.config.update(SESSION_COOKIE_NAME=COOKIE_NAME, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=bool(secure),
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=app.config["SESSION_LIFETIME_HOURS"]))
    app.session_interface = DatabaseSessionInterface()
    app.cli.add_command(sessions_cli)


@click.group("sessions")
def sessions_cli():
    """Server-side login sessions."""


@sessions_cli.command("purge")
def sessions_purge():
    """Delete expired sessions (run hourly from cron: abandoned logins expire after minutes)."""
    from app.db import new_session

    with new_session() as db:
        count = purge_expired(db, utcnow())
        db.commit()
    click.echo(f"{count} expired session(s) deleted")
