"""The full redirect flow against a real OIDC provider on loopback (oidc-provider-mock)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from sqlalchemy import func, select

from app.local_idp import start_local_provider
from app.models import OAuthIdentity, User, WebSession
from tests.oidc_provider import AGREE, answer_consent, authorize_at_provider, declare_no_ties, local_path, log_in

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # /auth/* pages are for browsers only


@pytest.fixture
def app(oidc_app):
    return oidc_app


def counts(db):
    db.expire_all()
    return (db.scalar(select(func.count()).select_from(User)),
            db.scalar(select(func.count()).select_from(WebSession).where(WebSession.user_id.is_not(None))))


def assert_logged_out(client):
    resp = client.get("/api/me")
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "login_required"


def test_first_login_creates_account_second_finds_it(client, db, caplog):
    start = client.get("/auth/login/local", query_string={"next": "/account"})
    assert start.status_code == 302
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0]
    asked = client.get(local_path(authorize_at_provider(start.headers["Location"], "alice")))
    assert asked.status_code == 303 and asked.headers["Location"] == "/auth/consent"
    assert counts(db) == (0, 0)  # no account before the citizen agreed
    asked_ties = answer_consent(client, AGREE, ties=False)
    assert asked_ties.status_code == 303
    assert asked_ties.headers["Location"] == "/account/conflicts?next=/account&first=1"
    done = declare_no_ties(client, asked_ties.headers["Location"])
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    me = client.get("/api/me").get_json()
    assert me["roles"] == ["citizen"] and me["display_name"] and me["csrf_token"]
    assert counts(db) == (1, 1)
    identity = db.scalars(select(OAuthIdentity)).one()
    assert (identity.provider, identity.subject) == ("local", "alice")
    assert any(getattr(r, "fields", {}).get("event") == "login_success" for r in caplog.records)

    other = client.application.test_client()
    log_in(other, "alice")
    assert other.get("/api/me").get_json()["id"] == me["id"]
    assert counts(db) == (1, 2)  # same account, two sessions


def test_session_id_rotates_at_login(client):
    client.get("/auth/login/local")
    before = client.get_cookie("arena_session").value
    callback = authorize_at_provider(client.get("/auth/login/local").headers["Location"], "bob")
    client.get(local_path(callback))
    after = client.get_cookie("arena_session").value
    assert before != after
    resp = client.application.test_client()
    resp.set_cookie("arena_session", before)
    assert_logged_out(resp)


def test_unknown_provider_is_404_in_error_shape(client):
    resp = client.get("/auth/login/nope", headers={"Accept": "application/json"})
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "unknown_provider"
    page = client.get("/auth/callback/nope", headers={"Accept": BROWSER})
    assert page.status_code == 404 and "text/html" in page.content_type


def test_tampered_state_gives_clear_error_and_no_session(client, db, caplog):
    start = client.get("/auth/login/local")
    callback = urlsplit(authorize_at_provider(start.headers["Location"], "mallory"))
    query = parse_qs(callback.query)
    query["state"] = ["x" + query["state"][0]]
    resp = client.get(callback.path + "?" + urlencode(query, doseq=True), headers={"Accept": "application/json"})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "login_state_invalid"
    assert_logged_out(client)
    assert counts(db) == (0, 0)
    assert any(getattr(r, "fields", {}).get("event") == "login_failure" for r in caplog.records)


def test_replayed_code_is_refused(client, db):
    start = client.get("/auth/login/local")
    callback = urlsplit(authorize_at_provider(start.headers["Location"], "carol"))
    assert client.get(callback.path + "?" + callback.query).status_code == 303  # to the consent screen
    assert answer_consent(client, AGREE).status_code == 302
    # An attacker replays the used code with a login of their own.
    attacker = client.application.test_client()
    fresh_state = parse_qs(urlsplit(attacker.get("/auth/login/local").headers["Location"]).query)["state"][0]
    query = parse_qs(callback.query)
    query["state"] = [fresh_state]
    resp = attacker.get(callback.path + "?" + urlencode(query, doseq=True), headers={"Accept": "application/json"})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "login_failed"
    assert_logged_out(attacker)
    assert counts(db) == (1, 1)


def test_wrong_nonce_is_refused(client, db):
    start = urlsplit(client.get("/auth/login/local").headers["Location"])
    query = parse_qs(start.query)
    query["nonce"] = ["not-the-nonce-we-sent"]
    tampered = urlunsplit(start._replace(query=urlencode(query, doseq=True)))
    resp = client.get(local_path(authorize_at_provider(tampered, "dave")), headers={"Accept": "application/json"})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "login_failed"
    assert_logged_out(client)
    assert counts(db) == (0, 0)


def test_denied_at_provider(client, db):
    start = client.get("/auth/login/local")
    resp = client.get(local_path(authorize_at_provider(start.headers["Location"], "", deny=True)),
                      headers={"Accept": "application/json"})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "login_denied"
    assert_logged_out(client)


def test_provider_down_at_start(sqlite_url, db, make_app):
    provider = start_local_provider()
    config = provider.provider_config("flaky")
    provider.stop()  # nothing listens there any more
    app = make_app(sqlite_url, OIDC_PROVIDERS=[config])
    client = app.test_client()
    resp = client.get("/auth/login/flaky", headers={"Accept": "application/json"})
    assert resp.status_code == 503 and resp.headers["Retry-After"]
    assert resp.get_json()["error"]["code"] == "provider_unavailable"
    page = client.get("/auth/login/flaky", headers={"Accept": BROWSER})
    assert page.status_code == 503 and "text/html" in page.content_type
    assert_logged_out(client)


def test_provider_down_at_callback(sqlite_url, db, make_app):
    provider = start_local_provider()
    app = make_app(sqlite_url, OIDC_PROVIDERS=[provider.provider_config("flaky")])
    client = app.test_client()
    try:
        callback = authorize_at_provider(client.get("/auth/login/flaky").headers["Location"], "erin")
    finally:
        provider.stop()
    resp = client.get(local_path(callback), headers={"Accept": "application/json"})
    assert resp.status_code == 503
    assert resp.get_json()["error"]["code"] == "provider_unavailable"
    assert_logged_out(client)
    assert counts(db) == (0, 0)


def test_issuer_must_match_configuration(sqlite_url, oidc_provider, make_app):
    config = oidc_provider.provider_config("impostor", issuer="https://accounts.example.org",
                                           discovery_url=oidc_provider.issuer + "/.well-known/openid-configuration")
    app = make_app(sqlite_url, OIDC_PROVIDERS=[config])
    resp = app.test_client().get("/auth/login/impostor", headers={"Accept": "application/json"})
    assert resp.status_code == 503
    assert resp.get_json()["error"]["code"] == "provider_invalid"


def test_plain_oauth2_provider_reads_subject_from_profile(sqlite_url, oidc_provider, db, make_app):
    base = oidc_provider.issuer
    config = {"name": "plain", "kind": "oauth2", "client_id": "c", "client_secret": "s", "scopes": "profile",
              "authorize_url": base + "/oauth2/authorize", "token_url": base + "/oauth2/token",
              "userinfo_url": base + "/userinfo", "subject_path": "sub"}
    app = make_app(sqlite_url, OIDC_PROVIDERS=[config])
    client = app.test_client()
    assert log_in(client, "frank", provider="plain").status_code == 302
    assert client.get("/api/me").status_code == 200
    assert db.scalars(select(OAuthIdentity.subject).where(OAuthIdentity.provider == "plain")).one() == "frank"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_next_only_same_site_paths(client, target):
    assert log_in(client, "grace", next_path=target).headers["Location"] == "/"


def test_suspended_account_cannot_log_in(client, db):
    log_in(client, "heidi")
    user = db.scalars(select(User)).one()
    user.status = "suspended"
    db.commit()
    assert_logged_out(client)
    fresh = client.application.test_client()
    resp = log_in(fresh, "heidi")
    assert resp.status_code == 403
    assert_logged_out(fresh)


def test_login_is_rate_limited_per_address(sqlite_url, oidc_app_config, make_app):
    app = make_app(sqlite_url, LIMIT_LOGIN_ADDRESS="2 per minute", **oidc_app_config)
    client = app.test_client()
    codes = [client.get("/auth/login/local", headers={"Accept": "application/json"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


def test_logout_is_audited(client, caplog):
    log_in(client, "ivan")
    assert client.post("/auth/logout", headers={"Accept": "application/json"}).status_code == 204
    assert any(getattr(r, "fields", {}).get("event") == "logout" for r in caplog.records)
    assert_logged_out(client)


def test_overlong_subject_is_refused_not_a_500(client, db):
    """OAuthIdentity.subject holds 255 characters; PostgreSQL would refuse a longer insert."""
    start = client.get("/auth/login/local")
    resp = client.get(local_path(authorize_at_provider(start.headers["Location"], "s" * 256)),
                      headers={"Accept": "application/json"})
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "login_failed"
    assert_logged_out(client)
    assert counts(db) == (0, 0)
    assert log_in(client.application.test_client(), "s" * 255).status_code == 302


def test_local_provider_starts_quietly():
    """`make run` starts the provider first: no Authlib deprecation noise for the newcomer."""
    import subprocess
    import sys

    from app.config import ROOT

    code = "from app.local_idp import start_local_provider as s; p = s(); p.stop(); print('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.stdout.strip() == "ok" and "Warning" not in done.stderr, done.stderr
