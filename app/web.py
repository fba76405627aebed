"""Shell routes: operations endpoints (health, readiness, metrics) and the OpenAPI document."""
from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_engine
from app.errors import error_response
from app.metrics import render
from app.openapi import api_doc, build_spec
from app.redis_client import get_redis

bp = Blueprint("web", __name__)
log = logging.getLogger("arena.web")


@bp.get("/healthz")
def healthz():
    """The process is alive."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """The database takes writes and (where configured) Redis answers: else 503 naming the failing part.

    Parts that degrade the service without making this node useless (a stale rating worker, a lost
    live board) are reported in the body by the checks other packages register, with 200.
    """
    failing = []
    try:
        with get_engine().connect() as conn:
            if not takes_writes(conn):
                failing.append("database")
    except SQLAlchemyError:
        failing.append("database")
    client = get_redis()
    if client is not None:
        try:
            client.ping()
        except Exception:  # any Redis failure means not ready
            failing.append("redis")
    if failing:
        resp = jsonify({"status": "unavailable", "failing": failing,
                        "error": {"code": "unavailable", "message": f"not ready: {', '.join(failing)}"}})
        resp.status_code = 503
        resp.headers["Retry-After"] = "10"
        return resp
    return jsonify(readiness_body())


def takes_writes(conn: Connection) -> bool:
    """Whether the database would take a write, writing nothing: a standby or a read-only
    database answers reads but refuses every battle and vote."""
    if conn.dialect.name == "postgresql":
        return not conn.execute(text(
            "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'")).scalar()
    # SQLite: a write statement that matches no row still needs a writable file. It must not wait
    # for the write lock (a probe queued behind votes would time out and call the database failing):
    # a lock held by someone else means the file takes writes.
    waits = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    conn.exec_driver_sql("PRAGMA busy_timeout = 0")
    try:
        conn.execute(text("DELETE FROM alembic_version WHERE 0 = 1"))
        return True
    except SQLAlchemyError as exc:
        return "database is locked" in str(exc.orig)
    finally:
        conn.rollback()
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(waits)}")


def readiness_body() -> dict:
    """"ready", or "degraded" when a registered check (rating worker, live board) reports a problem."""
    body: dict = {"status": "ready"}
    for name, check in current_app.extensions.get("readiness_checks", ()):
        try:
            report = check()
        except Exception:  # the part could not be asked: say so rather than claim it is fine
            log.warning("readiness check %s failed", name, exc_info=True)
            report = {"status": "unknown"}
        body[name] = report
        if report.get("status") != "ok":
            body["status"] = "degraded"
    return body




def _metrics_refusal() -> Response | None:
    """None for the configured bearer token; else 404 (metrics off) or 401 (wrong or missing token)."""
    expected = current_app.config.get("METRICS_TOKEN") or ""
    if not expected:
        return error_response(404, "not_found")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode()):
        return None
    resp = error_response(401, "metrics_token_required")
    resp.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return resp


@bp.get("/metrics")
def metrics():
    """Prometheus exposition, only for a scraper sending `Authorization: Bearer <ARENA_METRICS_TOKEN>`."""
    return _metrics_refusal() or Response(render(), mimetype="text/plain; version=0.0.4")


@bp.get("/api/openapi.json")
@api_doc(tags=["meta"])
def openapi():
    """This API as an OpenAPI 3 document."""
    return jsonify(build_spec(current_app))
