"""SQLAlchemy engine, declarative base and the one-session-per-request lifecycle."""
from __future__ import annotations

import logging
import select as select_fd
import threading
import time
from datetime import datetime, timedelta, timezone

from flask import Flask, current_app, g
from sqlalchemy import DateTime, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, sessionmaker

log = logging.getLogger("arena.db")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Timezone-aware current UTC time."""
    return datetime.now(timezone.utc)


# Korea Standard Time (Asia/Seoul), which has kept no daylight saving since 1988: a fixed offset needs
# no time-zone database on the server. Pages show times in it; the API and storage stay in UTC.
KST = timezone(timedelta(hours=9), "KST")


def korean_time(moment: datetime | str | None, seconds: bool = False) -> str:
    """A time as the pages show it: Korean time to the minute (or second), the zone named ("" for none).
    `moment` is an aware datetime or an API time (RFC 3339, UTC)."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S KST" if seconds else "%Y-%m-%d %H:%M KST")


def korean_date(moment: datetime | None) -> str:
    """The Korean calendar date of a time, "YYYY-MM-DD" ("" for none): a round opening at midnight in
    Seoul opens on that date, not on the UTC date before it."""
    return moment.astimezone(KST).strftime("%Y-%m-%d") if moment else ""


def iso_z(moment: datetime | None) -> str | None:
    """An aware UTC time as the API writes it ("2026-11-30T12:00:00Z"); None stays None."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def could_be_id(value: str | None, max_len: int = 40) -> bool:
    """Whether a client-supplied string could be a stored id: non-empty, short, free of NUL
    (PostgreSQL refuses NUL in text with an error, so such a value must never reach a query)."""
    return bool(value) and len(value) <= max_len and "\x00" not in value


def hold_until_transaction_end(session: Session, key: str, lock: threading.Lock) -> None:
    """Acquire a process lock and keep it until the session's current transaction ends (commit or
    rollback): SQLite's stand-in for a PostgreSQL transaction-scoped advisory lock in the embedded default,
    which serves requests from one process. Taking it again in the same transaction is a no-op."""
    session.connection()  # make sure the transaction the lock belongs to has begun
    root = session.get_transaction()
    held = session.info.setdefault("process_locks", {})
    if held.get(key) is root:
        return
    lock.acquire()
    held[key] = root

    def release(_session: Session, transaction: SessionTransaction) -> None:
        if transaction is root and held.get(key) is root:
            del held[key]
            lock.release()

    event.listen(session, "after_transaction_end", release)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    event.listen(engine, "checkin", _mark_idle)
    event.listen(engine, "checkout", _ping_if_in_doubt)
    return engine


# A pooled connection is pinged on checkout only when in doubt, not on every checkout (a round trip each):
# when the server sent something while it sat idle (a terminated backend, a restart or a failover
# send an error and close the socket: the socket turns readable), or when it sat idle longer than this.
PING_IDLE_AFTER_S = 10.0


def _mark_idle(_dbapi_conn, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_in_doubt(dbapi_conn, record, _proxy) -> None:
    idle_since = record.info.get("idle_since")
    if idle_since is None:
        return  # just connected
    try:
        readable = bool(select_fd.select([dbapi_conn.fileno()], [], [], 0)[0])
    except (OSError, ValueError):  # a closed socket
        raise DisconnectionError("connection closed while pooled") from None
    if not readable and time.monotonic() - idle_since < PING_IDLE_AFTER_S:
        return
    try:
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_conn.rollback()
    except Exception as exc:  # any failure: the pool drops this connection and checks out another
        raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc


def init_app(app: Flask) -> None:
    """Bind an engine and session factory to the app; close the request session on teardown."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    return current_app.extensions["db_engine"]


def new_session() -> Session:
    """A session outside a request (CLI, worker); the caller closes it."""
    return current_app.extensions["db_sessionmaker"]()


def get_session() -> Session:
    """The request's session, opened lazily; the route commits."""
    if "db_session" not in g:
        g.db_session = new_session()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        discard(session)


def discard(session: Session) -> None:
    """Roll back and close a session whatever state its connection is in. The database may have gone
    away mid-request (stopped, failed over): that is already answered as 503, and tidying up after it
    must not turn the answer into a bare 500."""
    try:
        session.rollback()
        session.close()
    except SQLAlchemyError as exc:
        log.warning("could not roll back a request session; its connection is dropped: %s", exc)
        try:
            session.invalidate()
        except SQLAlchemyError:  # nothing more to release: the pool replaces the connection
            pass


def rollback_request_session() -> None:
    """Roll back the request's session, if it has one, so that code running after a database error
    (after_request hooks, the error page) starts clean instead of meeting PendingRollbackError."""
    session = g.get("db_session")
    if session is not None:
        try:
            session.rollback()
        except SQLAlchemyError:
            g.pop("db_session", None)
            discard(session)


class UTCDateTime(TypeDecorator):
    """Stores UTC without a zone (same on SQLite and PostgreSQL); always returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC times")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)
