"""Structured JSON logs with a request id, and request metrics."""
from __future__ import annotations

import json
import logging
import secrets
import sys
import time

from flask import Flask, g, has_request_context, request

from app.metrics import LATENCY, REQUESTS


class JsonFormatter(logging.Formatter):
    """One JSON object per line; carries the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = g.get("request_id")
            entry["path"] = request.path
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (servers and test capture swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(level: str, as_json: bool) -> None:
    root = logging.getLogger("arena")
    root.setLevel(level)
    if not any(isinstance(h, StderrHandler) for h in root.handlers):
        root.addHandler(StderrHandler())
    for h in root.handlers:
        if isinstance(h, StderrHandler):
            h.setFormatter(JsonFormatter() if as_json else logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root.propagate = False


def audit(event: str, **fields: object) -> None:
    """An audit event as a structured log line (login, logout, role change, limit breach)."""
    logging.getLogger("arena.audit").info(event, extra={"fields": {"event": event, **fields}})


def init_app(app: Flask) -> None:
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_JSON"])

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else secrets.token_hex(8)
        g.started = time.perf_counter()

    @app.after_request
    def _finish(resp):
        endpoint = request.endpoint or "unmatched"
        started = g.get("started")
        if started is not None:
            LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, endpoint, str(resp.status_code)).inc()
        resp.headers["X-Request-Id"] = g.get("request_id", "")
        return resp
