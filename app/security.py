"""Security headers (CSP with a per-request nonce, frame denial, nosniff, referrer policy) and CSRF.

CSRF: Flask-WTF's CSRFProtect checks every state-changing request made with a logged-in
session, from forms (field `csrf_token`) and JSON alike (header `X-CSRF-Token`; the token comes
from `GET /api/me` or `{{ csrf_token() }}` in a page).

Requests without a logged-in, active user skip the check, on purpose: a forged request can only
act with the victim's authority, and without a login there is none. This is safe because no
state-changing route does anything for an anonymous caller: every POST/PUT/PATCH/DELETE answers
401, except `POST /auth/logout`, which only ends the caller's own anonymous session (at worst a
login still in progress; the SameSite=Lax cookie is not even sent on a cross-site POST). Login
itself is a GET pair protected by Authlib's state (bound to this session), nonce and PKCE, so a
forged callback cannot log a victim into someone else's account. A suspended account counts as
anonymous and gets 401. tests/test_role_matrix.py enforces the 401s for every registered route.
"""
from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from app.auth import current_user
from app.errors import BadRequest, error_response

csrf = CSRFProtect()
CSRF_HEADER = "X-CSRF-Token"


def csp_nonce() -> str:
    """This request's CSP nonce: `<script nonce="{{ csp_nonce() }}">` in templates."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce: str | None) -> str:
    """The CSP: own origin only; inline scripts and styles only with this request's nonce."""
    with_nonce = f" 'nonce-{nonce}'" if nonce else ""
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self'{with_nonce}",
        f"style-src 'self'{with_nonce}",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ])


def _security_headers(resp: Response) -> Response:
    headers = resp.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(g.get("csp_nonce")))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return resp


def _check_csrf() -> None:
    if request.method in current_app.config["WTF_CSRF_METHODS"] and current_user() is not None:
        if None in request.form:  # a multipart part without a name: Flask-WTF would fail on it (a 500)
            raise BadRequest(code="bad_request")
        csrf.protect()


def _csrf_failed(_exc: CSRFError) -> Response:
    return error_response(400, "csrf_failed")


def init_app(app: Flask) -> None:
    """CSRF for logged-in state-changing requests, security headers on every response."""
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked by _check_csrf for logged-in requests
    app.config["WTF_CSRF_HEADERS"] = [CSRF_HEADER]
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # bound to the server-side session instead
    csrf.init_app(app)
    app.before_request(_check_csrf)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
