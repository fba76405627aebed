"""Schema-driven fuzzing of the ministry console's catalogue routes AS the ministry (tests/test_api_fuzz.py
fuzzes every route anonymous and as a citizen, which the role guard stops at 403).

Same document, hooks, checks and bounds as tests/test_api_fuzz.py, on SQLite and the real PostgreSQL:
no 5xx, every error in the error shape (an upload's 422 adds `errors` and `error_count`), every
documented response conforming, input the document forbids refused.
"""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from app.db import new_session
from app.models import User, UserRole
from tests.test_api_fuzz import FUZZ_SETTINGS, call_and_check, citizen_caller, schema, seeded_app

CONSOLE = schema.include(path_regex=r"^/api/admin/(teams|models|prompts|bank|roles|audit)")
UPLOAD_EXTRAS = {"errors", "error_count"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ministry_target(request, tmp_path_factory):
    """(app, caller): the seeded demo contest and a logged-in ministry account, shared by the run."""
    with seeded_app(request.param, request, tmp_path_factory) as app:
        caller = citizen_caller(app)
        with app.app_context():
            db = new_session()
            user_id = db.scalars(select(User.id)).one()  # the fuzzing citizen is the only account
            db.add(UserRole(user_id=user_id, role="ministry"))
            db.commit()
            db.close()
        client = app.test_client()
        for name, value in caller.cookies.items():
            client.set_cookie(name, value)
        assert client.get("/api/admin/teams").status_code == 200, "the fuzzer acts for the ministry"
        yield app, caller


def console_error_shape(ctx, response, case):
    """Every error is {"error": {"code", "message"}}; an upload's 422 may add its bad lines."""
    if response.status_code < 400:
        return None
    body = json.loads(response.content)
    assert isinstance(body, dict) and set(body) - UPLOAD_EXTRAS == {"error"}, body
    assert re.fullmatch(r"[a-z][a-z0-9_]*", body["error"]["code"]) and body["error"]["message"], body
    if set(body) & UPLOAD_EXTRAS:
        assert isinstance(body["errors"], list) and body["error_count"] >= len(body["errors"]), body
    return None


@CONSOLE.parametrize()
@FUZZ_SETTINGS
def test_console_never_500s_for_the_ministry(case, ministry_target):
    app, caller = ministry_target
    call_and_check(case, app, caller, console_error_shape)
