"""Login against a real hostile OIDC provider (tests/app/hostile_idp.py): never a 500, never a hang,
never an unsigned ID token."""
from __future__ import annotations

import logging
import time

import pytest
from authlib.oauth2.rfc6749 import OAuth2Token
from sqlalchemy import func, select

from app import login
from app.models import User
from tests.app.hostile_idp import _KEY, HostileProvider, hostile_login, with_discovery


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
    "discovery's inline jwks cannot stand in for a junk jwks_uri": {
        "discovery": with_discovery(jwks={"keys": [_KEY.as_dict(private=False)]}), "jwks": {"keys": None}},
    "token expires_in is a list": {"token_fields": {"expires_in": "[1]"}},
    "token expires_in is infinite": {"token_fields": {"expires_in": "1e400"}},
    "token expires_in is a word": {"token_fields": {"expires_in": '"soon"'}},
    "token expires_at is an object": {"token_fields": {"expires_at": '{"when": 1}'}},
    "id token with a non-string crit": {"id_token_header": {"crit": [1]}},
}
# A plain OAuth 2.0 provider signs the profile call with the access token as its token_type says.
OAUTH2_MALFORMED = {
    "token_type is a number": {"token_fields": {"token_type": "5"}},
    "token_type is null": {"token_fields": {"token_type": "null"}},
    "token_type is unknown": {"token_fields": {"token_type": '"mac"'}},
    "token expires_in is a list": {"token_fields": {"expires_in": "[1]"}},
}


def assert_provider_invalid(app, hostile, db, case: dict) -> None:
    """The login against `hostile` misbehaving as `case` is the friendly 503, and nobody is logged in."""
    for attribute, value in case.items():
        setattr(hostile, attribute, value)
    client = app.test_client()
    resp = hostile_login(client)
    assert resp.status_code == 503, resp.get_data(as_text=True)[:300]
    assert error_code(resp) == "provider_invalid" and resp.headers["Retry-After"]
    assert client.get("/api/me").status_code == 401 and users(db) == 0


@pytest.mark.parametrize("case", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_provider_is_503_provider_invalid(hostile, hostile_app, db, case):
    """Item 12: every malformed provider answer is the friendly 503, never a 500."""
    assert_provider_invalid(hostile_app, hostile, db, case)


@pytest.fixture
def hostile_oauth2_app(sqlite_url, hostile, make_app):
    return make_app(sqlite_url, OIDC_PROVIDERS=[hostile.provider_config(kind="oauth2")])


def test_inline_jwks_in_discovery_is_ignored(hostile, hostile_app, db):
    """Item 12: keys come from jwks_uri only; an inline `jwks` of null keys (was a 500) changes nothing."""
    hostile.discovery = with_discovery(jwks={"keys": None})
    client = hostile_app.test_client()
    assert hostile_login(client).status_code == 302
    assert client.get("/api/me").status_code == 200 and users(db) == 1


def test_well_behaved_hostile_oauth2_provider_logs_in(hostile_oauth2_app, db):
    """The control for the plain OAuth 2.0 cases: the subject comes from the profile call."""
    client = hostile_oauth2_app.test_client()
    assert hostile_login(client).status_code == 302
    assert client.get("/api/me").status_code == 200 and users(db) == 1


@pytest.mark.parametrize("case", OAUTH2_MALFORMED.values(), ids=OAUTH2_MALFORMED.keys())
def test_malformed_oauth2_provider_is_503_provider_invalid(hostile, hostile_oauth2_app, db, case):
    """Item 12: a plain OAuth 2.0 provider's malformed token is the friendly 503 too."""
    assert_provider_invalid(hostile_oauth2_app, hostile, db, case)


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


def test_library_shape_error_is_logged_with_the_provider(hostile, hostile_app, db, caplog):
    """Item 12: what slips past our checks into joserfc (a non-string crit) is logged by provider name."""
    hostile.id_token_header = {"crit": [1]}
    with caplog.at_level(logging.WARNING, logger="arena.login"):
        assert_provider_invalid(hostile_app, hostile, db, {})
    assert any("hostile" in r.getMessage() and "TypeError" in r.getMessage() for r in caplog.records)


def test_only_library_shape_errors_count_as_the_provider_s():
    """A shape error raised in Authlib on provider data is the provider's; one raised in our code stays ours."""
    with pytest.raises(TypeError) as in_library:
        OAuth2Token({"expires_in": [1]})
    with pytest.raises(AttributeError) as in_ours:
        login._dig({"sub": 1}, None)  # type: ignore[arg-type]
    assert login._raised_in_provider_library(in_library.value)
    assert not login._raised_in_provider_library(in_ours.value)
