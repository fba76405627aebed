"""One error shape: JSON `{"error": {"code", "message"}}` for the API, friendly pages for people."""
from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request, session
from sqlalchemy.exc import DBAPIError, OperationalError, PendingRollbackError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app.db import rollback_request_session
from app.i18n import t

log = logging.getLogger("arena.errors")


class ApiError(Exception):
    """A domain or input error that maps to an HTTP status at the edge."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str | None = None, *, code: str | None = None, status: int | None = None,
                 retry_after: int | None = None):
        super().__init__(message or "")
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.retry_after = retry_after


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class Unauthorized(ApiError):
    status, code = 401, "login_required"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class Unprocessable(ApiError):
    status, code = 422, "invalid"


class RateLimited(ApiError):
    status, code = 429, "rate_limited"


class ServiceUnavailable(ApiError):
    status, code = 503, "unavailable"


# Werkzeug's standard errors mapped to our codes.
HTTP_CODES = {
    400: "bad_request", 401: "login_required", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid", 429: "rate_limited", 500: "internal_error", 503: "unavailable",
}


# Paths programs call that are not under /api/: /auth/* is in the OpenAPI document, /metrics is scraped.
JSON_FIRST_PREFIXES = ("/auth/", "/metrics")


def wants_json() -> bool:
    """JSON on /api/; on JSON-first paths unless the client prefers HTML (a browser); elsewhere if it prefers JSON."""
    if request.path.startswith("/api/"):
        return True
    if request.path.startswith(JSON_FIRST_PREFIXES):  # no Accept or */*: a program
        return request.accept_mimetypes.best_match(["application/json", "text/html"]) != "text/html"
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def error_response(status: int, code: str, message: str | None = None,
                   retry_after: int | None = None) -> Response:
    """Render the error as JSON or as a friendly page."""
    text = message or t(f"error.{code}", default=t("error.generic"))
    if wants_json():
        resp = jsonify({"error": {"code": code, "message": text}})
    else:
        resp = Response(render_template("errors/error.html", status=status, code=code, message=text),
                        mimetype="text/html")
    resp.status_code = status
    if retry_after is not None:
        resp.headers["Retry-After"] = str(retry_after)
    elif status == 503:
        resp.headers["Retry-After"] = "30"
    return resp


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.retry_after)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        if status == 500 and database_unavailable(getattr(exc, "original_exception", None)):
            # Raised after the view (the session's sliding expiry written back, an after_request hook).
            log.error("database unavailable after %s %s", request.method, request.path)
            session.unavailable = True  # the error response must not try writing the session back again
            return error_response(503, "unavailable")
        code = HTTP_CODES.get(status, "error")
        retry = None
        if status == 429:
            retry = _retry_after_from(exc)
        resp = error_response(status, code, None, retry)
        valid_methods = getattr(exc, "valid_methods", None)
        if status == 405 and valid_methods:
            resp.headers["Allow"] = ", ".join(valid_methods)
        return resp

    @app.errorhandler(DBAPIError)  # OperationalError (down, connection lost, lock timeout) is one
    @app.errorhandler(PoolTimeout)
    @app.errorhandler(PendingRollbackError)  # a connection lost earlier in this request
    def _database_unavailable(exc: Exception):
        if not database_unavailable(exc):
            return _unexpected(exc)
        # Down, out of connections, or a failover left us on a standby: the client did nothing wrong; retry.
        log.exception("database unavailable on %s %s", request.method, request.path)
        rollback_request_session()
        return error_response(503, "unavailable")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error")


READ_ONLY_SQLSTATE = "25006"  # PostgreSQL's read_only_sql_transaction


def refuses_writes(exc: DBAPIError) -> bool:
    """Whether the database said it takes no writes (a standby, or `default_transaction_read_only`)."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == READ_ONLY_SQLSTATE:
        return True
    text = str(orig)
    return "read-only transaction" in text or "readonly database" in text


def database_unavailable(exc: BaseException | None) -> bool:
    """Down, out of connections or refusing writes: the client may retry (503), it caused nothing (not 500)."""
    return (isinstance(exc, (OperationalError, PoolTimeout, PendingRollbackError))
            or (isinstance(exc, DBAPIError) and refuses_writes(exc)))


def _retry_after_from(exc: HTTPException) -> int:
    """Seconds until a Flask-Limiter limit resets (falls back to 60)."""
    try:
        headers = dict(exc.get_response().headers)
        return int(headers.get("Retry-After", 60))
    except (TypeError, ValueError):
        return 60
