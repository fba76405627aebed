"""Shell routes: the home page, operations endpoints and the OpenAPI document."""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.db import get_engine, get_session, utcnow
from app.errors import error_response
from app.i18n import register_messages
from app.metrics import render
from app.openapi import api_doc, build_spec
from app.redis_client import get_redis
from contest.queries import current_round

bp = Blueprint("web", __name__)


@bp.get("/")
def home():
    """The contest, its rules and the open round."""
    round_ = current_round(get_session(), utcnow())
    return render_template("app/home.html", round=round_)


@bp.get("/healthz")
def healthz():
    """The process is alive."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """The database and (where configured) Redis answer."""
    failing = []
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
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
    return jsonify({"status": "ready"})


register_messages("ko", {"error.metrics_token_required": "측정값을 보려면 올바른 토큰이 필요합니다."})
register_messages("en", {"error.metrics_token_required": "A valid metrics token is required."})


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
