"""Shared fixtures: apps on SQLite or the real PostgreSQL, real Redis, builders and a login helper.

Services that are not reachable skip their tests with the reason, except under CI=true where
they must be there (the test fails instead).
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest
import redis as redis_lib
from flask.testing import FlaskCliRunner, FlaskClient

from app.cli import upgrade_db
from voting.runtime import stop_embedded_worker
from app.db import new_session, utcnow
from app.sessions import open_user_session
from tests.builders import make_test_app
from tests.clients import CsrfClient
from tests.oidc_provider import oidc_app, oidc_app_config, oidc_provider  # noqa: F401  (fixtures)
from tests.workers import pytest_xdist_make_scheduler, redis_test_url  # noqa: F401  (the scheduler hook)

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
# Database 9 (or TEST_REDIS_URL's) plus the xdist worker's number: each worker flushes only its own.
REDIS_TEST_URL = redis_test_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9"))


def need_service(name: str, reason: str) -> None:
    """Skip (locally) or fail (CI=true) when a required service is unreachable."""
    message = f"{name} not reachable: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true requires it)")
    pytest.skip(message)


# ---------------------------------------------------------------- databases
@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade_db(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_server():
    """Admin connection info for the real PostgreSQL, or skip/fail."""
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        need_service("PostgreSQL", str(exc).strip().splitlines()[0])
    return PG_ADMIN_URL


@pytest.fixture(scope="session")
def pg_template(pg_server):
    """A migrated PostgreSQL template database; each test gets a fresh copy."""
    name = f"arena_tpl_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    upgrade_db(_pg_url(name))
    yield name
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_url(dbname: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{dbname}"


@pytest.fixture
def pg_url(pg_server, pg_template):
    """A fresh, migrated PostgreSQL database for one test."""
    name = f"arena_t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield _pg_url(name)
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path):
    path = tmp_path / "arena.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request):
    """Runs the test once on SQLite and once on the real PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


# ---------------------------------------------------------------- redis
@pytest.fixture
def redis_url():
    """The machine's Redis (this worker's database, flushed before and after), or skip/fail."""
    client = redis_lib.Redis.from_url(REDIS_TEST_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis_lib.RedisError as exc:
        need_service("Redis", str(exc))
    client.flushdb()
    yield REDIS_TEST_URL
    client.flushdb()
    client.close()


# ---------------------------------------------------------------- apps
@pytest.fixture
def make_app():
    """`make_test_app` for this test; every app it built has its engine disposed afterwards."""
    apps = []

    def build(db_url: str, **overrides):
        apps.append(make_test_app(db_url, **overrides))
        return apps[-1]

    yield build
    for built in apps:
        stop_embedded_worker(built)  # its step may hold a connection: let it finish first
        built.extensions["db_engine"].dispose()


@pytest.fixture
def app(sqlite_url, make_app):
    return make_app(sqlite_url)


@pytest.fixture
def client(app):
    """A test client that adds the session's CSRF token to POST/PUT/PATCH/DELETE once logged in."""
    return CsrfClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def raw_client(app):
    """A plain test client: no automatic CSRF header."""
    return FlaskClient(app, app.response_class, use_cookies=True)


class ContextCliRunner(FlaskCliRunner):
    """Runs commands inside an app context, as `flask --app wsgi ...` (FlaskGroup) does."""

    def invoke(self, *args, **kwargs):
        with self.app.app_context():
            return super().invoke(*args, **kwargs)


@pytest.fixture
def runner(app):
    return ContextCliRunner(app)


@pytest.fixture
def db(app):
    """A session bound to the test app, for arranging and checking data.

    No app context stays pushed: each test request gets its own context, `g` and DB session,
    as in production (a leaked context would carry `g` and a stale session across requests).
    """
    with app.app_context():
        session = new_session()
    yield session
    session.close()


@pytest.fixture
def demo(app, db):
    """The seeded demo contest."""
    from contest.demo import seed_demo

    seed_demo(db, utcnow())
    db.commit()
    return db


class Login:
    """Log a test client in as a user: a real server-side session row, as a login creates.

    `as_user` commits the `db` session (the user must be committed for requests to see it).
    """

    def __init__(self, client, db):
        self.client, self.db = client, db

    def as_user(self, user, client=None) -> None:
        client = client or self.client
        app = client.application
        token = open_user_session(self.db, user.id, utcnow(), app.permanent_session_lifetime)
        self.db.commit()
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], token)


@pytest.fixture
def login(client, db):
    return Login(client, db)
