"""The pool pings a connection only when in doubt (issue 13): a backend that was terminated while its
connection sat in the pool is replaced at checkout, without an error and without a ping per checkout."""
from __future__ import annotations

import time

import psycopg
from sqlalchemy import text

from app import db as app_db
from app.db import make_engine


def sent_queries(monkeypatch) -> list:
    """Every query psycopg sends through a cursor (SQLAlchemy's statements and any ping alike)."""
    sent = []
    real_execute = psycopg.Cursor.execute

    def watch(cursor, query, *args, **kwargs):
        sent.append(str(query))
        return real_execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", watch)
    return sent


def test_a_terminated_backend_is_replaced_and_a_healthy_one_is_not_pinged(pg_url, pg_server, monkeypatch):
    engine = make_engine(pg_url)
    sent = sent_queries(monkeypatch)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        sent.clear()
        with engine.connect() as conn:  # healthy and just used: no ping, the same backend
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == first
        assert sent == ["SELECT pg_backend_pid()"]
        with psycopg.connect(pg_server, autocommit=True) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s)", (first,)).fetchone()[0]
        time.sleep(0.2)  # the server's goodbye reaches the pooled socket
        with engine.connect() as conn:  # replaced at checkout: the request never sees the dead one
            second = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        assert second != first
    finally:
        engine.dispose()


def test_a_connection_idle_past_the_limit_is_pinged(pg_url, monkeypatch):
    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        monkeypatch.setattr(app_db, "PING_IDLE_AFTER_S", 0.0)
        pinged = sent_queries(monkeypatch)
        with engine.connect() as conn:
            conn.execute(text("SELECT 2"))
        assert pinged[0] == "SELECT 1" and len(pinged) == 2
    finally:
        engine.dispose()
