"""Login against a real hostile OIDC provider (tests/app/hostile_idp.py): never a 500, never a hang,
never an unsigned ID token."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from app.models import User
from tests.app.hostile_idp import HostileProvider, hostile_login, with_discovery


@pytest.fixture
def hostile():
    idp = HostileProvider()
    yield idp
    idp.stop()


@pytest.fixture
def hostile_app(sqlite_url, hostile, make_app):
    return make_app(sqlite_url, OIDC_PROVIDERS=[hostile.provider_config()])


def error_code(resp) -> str:
    return resp.get_json()["error"]["code"]


def users(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(User))


def test_well_behaved_hostile_provider_logs_in(hostile_app, db):
    """The control: with no misbehaviour chosen the same provider logs in."""
    client = hostile_app.test_client()
    assert hostile_login(client).status_code == 302
    assert client.get("/api/me").status_code == 200 and users(db) == 1


@pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning")  # as in production: a warning, not a stop
@pytest.mark.parametrize("declared", [["RS256", "none"], ["none", "RS256", "HS256"]])
def test_unsigned_id_token_never_logs_in(hostile, hostile_app, db, declared):
    """Item 11: discovery lists `none`; an alg=none ID token is refused."""
    hostile.discovery = with_discovery(id_token_signing_alg_values_supported=declared)
    hostile.token = "alg_none"
    client = hostile_app.test_client()
    resp = hostile_login(client)
    assert resp.status_code == 400 and error_code(resp) == "login_failed"
    assert client.get("/api/me").status_code == 401 and users(db) == 0


@pytest.mark.parametrize("declared", [["none"], ["HS256"], "RS256", []])
def test_provider_without_an_asymmetric_algorithm_is_invalid(hostile, hostile_app, db, declared):
    """Item 11: nothing but none/HS*, or a malformed list, leaves no algorithm to accept."""
    hostile.discovery = with_discovery(id_token_signing_alg_values_supported=declared)
    resp = hostile_app.test_client().get("/auth/login/hostile", headers={"Accept": "application/json"})
    assert resp.status_code == 503 and error_code(resp) == "provider_invalid"


MALFORMED = {
    "discovery is a list": {"discovery": []},
    "discovery is a string": {"discovery": "hello"},
    "discovery without jwks_uri": {"discovery": with_discovery(jwks_uri=None)},
    "discovery without token_endpoint": {"discovery": with_discovery(token_endpoint=None)},
    "discovery with a numeric authorize URL": {"discovery": with_discovery(authorization_endpoint=5)},
    "discovery redirects elsewhere": {"discovery_redirect": "http://127.0.0.1:1/.well-known/openid-configuration"},
    "jwks is a list": {"jwks": []},
    "jwks keys are junk": {"jwks": {"keys": [{"kty": "nope"}]}},
    "token response is a list": {"token": "list"},
    "token response is html": {"token": "html"},
}


@pytest.mark.parametrize("case", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_provider_is_503_provider_invalid(hostile, hostile_app, db, case):
    """Item 12: every malformed provider answer is the friendly 503, never a 500."""
    for attribute, value in case.items():
        setattr(hostile, attribute, value)
    client = hostile_app.test_client()
    resp = hostile_login(client)
    assert resp.status_code == 503, resp.get_data(as_text=True)[:300]
    assert error_code(resp) == "provider_invalid" and resp.headers["Retry-After"]
    assert client.get("/api/me").status_code == 401 and users(db) == 0


@pytest.mark.parametrize("where", ["drip", "drip_headers"])
def test_dripping_token_response_is_cut_at_the_deadline(sqlite_url, hostile, make_app, db, where):
    """Item 13: one byte every 2 s (10 bytes: 20 s in all) is cut at the 3 s login deadline."""
    app = make_app(sqlite_url, OIDC_PROVIDERS=[hostile.provider_config()], LOGIN_PROVIDER_DEADLINE=3)
    setattr(hostile, where, (2.0, 10))
    client = app.test_client()
    started = time.monotonic()
    resp = hostile_login(client)
    elapsed = time.monotonic() - started
    assert resp.status_code == 503 and error_code(resp) == "provider_unavailable"
    assert elapsed < 4.5, elapsed
    assert client.get("/api/me").status_code == 401 and users(db) == 0


def test_dripping_discovery_is_cut_at_the_deadline(sqlite_url, hostile, make_app):
    """Item 13: the deadline covers discovery too (the start of the login)."""
    app = make_app(sqlite_url, OIDC_PROVIDERS=[hostile.provider_config()], LOGIN_PROVIDER_DEADLINE=2)
    hostile.drip_get = (1.0, 10)
    started = time.monotonic()
    resp = app.test_client().get("/auth/login/hostile", headers={"Accept": "application/json"})
    assert resp.status_code == 503 and error_code(resp) == "provider_unavailable"
    assert time.monotonic() - started < 3.5
