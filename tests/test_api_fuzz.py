"""Schema-driven fuzzing of the whole public API (/api/openapi.json), in-process, with schemathesis.

Every operation of the app's own OpenAPI document is called with generated valid and invalid
input, on SQLite anonymous and as a logged-in citizen (CSRF header set, the demo round seeded so
routes get past their 404s), and on the real PostgreSQL as the citizen. Checks: no 5xx, every error is
the JSON error shape, every documented response conforms, input the document forbids is refused.
Bounded and derandomized, so a run is reproducible (about 40 s of CPU for the module); a deeper local
run: FUZZ_MAX_EXAMPLES=150 (about 3,000 requests).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_schema_conformance, status_code_conformance)

from anti_abuse.limits import DEFAULT_LIMITS
from app.db import new_session, utcnow
from app.sessions import open_user_session
from tests.builders import make_test_app, make_user
from tests.conftest import _pg_url

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))  # per operation and run
CONFIG = {
    "seed": 20261130,
    "suppress-health-check": ["all"],
    "generation": {"mode": "all", "deterministic": True, "database": "none", "max-examples": MAX_EXAMPLES},
    "phases": {"stateful": {"enabled": False}},
}
# Rate limits stay on (their code runs) but high: the fuzzer should reach the handlers, not a 429.
HIGH_LIMITS = {f"LIMIT_{name}": "100000 per day" for name in DEFAULT_LIMITS}
# negative_data_rejection: input the document forbids must get a 4xx, so validation and document agree.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]


@dataclass
class Caller:
    """What a request carries: nothing (anonymous) or a citizen's session cookie and CSRF token."""

    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)


def citizen_caller(app) -> Caller:
    """A logged-in citizen: a real session row, and the CSRF token the way a client gets it."""
    with app.app_context():
        db = new_session()
        try:
            user = make_user(db, "퍼저")
            token = open_user_session(db, user.id, utcnow(), app.permanent_session_lifetime)
            db.commit()
        finally:
            db.close()
    cookie = app.config["SESSION_COOKIE_NAME"]
    client = app.test_client()
    client.set_cookie(cookie, token)
    me = client.get("/api/me")
    assert me.status_code == 200, me.get_data(as_text=True)
    return Caller(headers={"X-CSRF-Token": me.get_json()["csrf_token"]}, cookies={cookie: token})


@contextmanager
def fuzz_database(kind: str, request, tmp_path_factory) -> Iterator[str]:
    """A migrated database for one run: the run's operations share it, as real clients do."""
    if kind == "sqlite":
        path = tmp_path_factory.mktemp("fuzz") / "arena.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server, template = request.getfixturevalue("pg_server"), request.getfixturevalue("pg_template")
    name = f"arena_fuzz_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _pg_url(name)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# SQLite anonymous and logged in; PostgreSQL once, logged in (the run that writes the most).
RUNS = [("sqlite", "anonymous"), ("sqlite", "citizen"), ("postgresql", "citizen")]


@contextmanager
def seeded_app(kind: str, request, tmp_path_factory) -> Iterator:
    """An app on a fresh migrated database with the demo contest seeded, for one run."""
    from contest.demo import seed_demo

    with fuzz_database(kind, request, tmp_path_factory) as url:
        # The rating worker runs as its own process, as in production: no embedded thread outliving the app.
        app = make_test_app(url, WORKER_IN_PROCESS=False, **HIGH_LIMITS)
        with app.app_context():
            db = new_session()
            seed_demo(db, utcnow())
            db.commit()
            db.close()
        yield app
        app.extensions["db_engine"].dispose()


@pytest.fixture(scope="module", params=RUNS, ids=["-".join(run) for run in RUNS])
def fuzz_target(request, tmp_path_factory):
    """(app, caller) on the seeded demo contest, shared by every operation of one run."""
    kind, identity = request.param
    with seeded_app(kind, request, tmp_path_factory) as app:
        yield app, citizen_caller(app) if identity == "citizen" else Caller()


def served_document() -> dict:
    """The document as the app serves it at GET /api/openapi.json (routes only: no data needed)."""
    app = make_test_app("sqlite://")
    try:
        resp = app.test_client().get("/api/openapi.json")
        assert resp.status_code == 200
        return resp.get_json()
    finally:
        app.extensions["db_engine"].dispose()


def error_shape(ctx, response, case):
    """Every 4xx/5xx answer is JSON {"error": {"code": snake_case, "message": text}} and nothing else."""
    if response.status_code < 400:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{response.status_code} is not JSON: {response.content[:200]!r}") from None
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict) and set(body) == {"error"}, body
    assert isinstance(error.get("code"), str) and re.fullmatch(r"[a-z][a-z0-9_]*", error["code"]), body
    assert isinstance(error.get("message"), str) and error["message"], body
    return None


schema = schemathesis.openapi.from_dict(served_document(), config=schemathesis.Config.from_dict(CONFIG))

LONE_SURROGATES = ("\ud800", "\udfff", "x\udc00y")


@schema.hook
def flatmap_body(context, body):
    """Often put a lone UTF-16 surrogate in one string field of a JSON body, alone or among the others.

    Hypothesis never draws them (they are not Unicode scalar values), yet any client can send one as a
    JSON escape ("\\ud800"); they once reached the database and answered 500. Alone, the field gets past
    the checks of its neighbours (an unknown category is refused before a prompt id is looked up).
    """
    fields = sorted(k for k, v in body.items() if isinstance(v, str)) if isinstance(body, dict) else []
    if not fields:
        return st.just(body)
    picks = st.tuples(st.sampled_from(fields), st.sampled_from(LONE_SURROGATES), st.booleans())
    spoiled = picks.map(lambda p: {**(body if p[2] else {}), p[0]: body[p[0]] + p[1]})
    return st.one_of(st.just(body), spoiled)


FUZZ_SETTINGS = settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(HealthCheck))


def call_and_check(case, app, caller: Caller, shape_check=error_shape) -> None:
    """Send the case as `caller` (a program asking for JSON) and run every check on the answer."""
    # /api/* answers JSON whatever it asks (/auth/* pages are issue 8 item 17).
    case.call_and_validate(app=app, headers={"Accept": "application/json", **caller.headers}, cookies=caller.cookies,
                           checks=CHECKS, additional_checks=[shape_check])


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_never_500s_and_every_error_has_the_shape(case, fuzz_target):
    app, caller = fuzz_target
    call_and_check(case, app, caller)
