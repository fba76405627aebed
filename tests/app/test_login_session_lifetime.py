"""Pre-login session rows live minutes, not the full session lifetime (item 15)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.db import utcnow
from app.models import WebSession
from app.sessions import purge_expired, token_id
from tests.oidc_provider import AGREE, answer_consent, authorize_at_provider, local_path


def row_of(client, db) -> WebSession:
    db.expire_all()
    return db.get(WebSession, token_id(client.get_cookie("arena_session").value))


def test_logged_out_login_start_stores_a_short_lived_row(oidc_app, db):
    client = oidc_app.test_client()
    start = client.get("/auth/login/local")
    assert start.status_code == 302
    row = row_of(client, db)
    assert row.user_id is None
    assert row.expires_at - row.updated_at <= timedelta(minutes=10)
    cookie = next(h for h in start.headers.getlist("Set-Cookie") if h.startswith("arena_session="))
    assert "Expires=" in cookie

    client.get(local_path(authorize_at_provider(start.headers["Location"], "alice")))
    assert row_of(client, db).user_id is None  # the consent screen comes before the account
    answer_consent(client, AGREE)
    logged_in = row_of(client, db)
    assert logged_in.user_id is not None
    assert logged_in.expires_at - logged_in.updated_at == oidc_app.permanent_session_lifetime


def test_abandoned_login_rows_are_purged_after_minutes(oidc_app, db):
    for _ in range(3):  # three visitors who never come back from the provider
        assert oidc_app.test_client().get("/auth/login/local").status_code == 302
    db.expire_all()
    assert len(db.scalars(select(WebSession)).all()) == 3
    assert purge_expired(db, utcnow() + timedelta(minutes=11)) == 3
    db.commit()
    assert db.scalars(select(WebSession)).all() == []


def test_logged_in_rows_survive_the_purge(oidc_app, db):
    from tests.oidc_provider import log_in

    client = oidc_app.test_client()
    log_in(client, "bob")
    assert purge_expired(db, utcnow() + timedelta(days=1)) == 0
    assert row_of(client, db).user_id is not None
