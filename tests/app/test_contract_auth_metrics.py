"""Contract (item 17): /auth/* errors in the JSON shape for programs, the lang cookie's Secure flag,
/metrics only for a scraper holding ARENA_METRICS_TOKEN."""
from __future__ import annotations

import pytest

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PROMETHEUS = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
TOKEN = "m" * 32


def assert_error_shape(resp, status: int, code: str) -> None:
    assert resp.status_code == status and resp.mimetype == "application/json", resp.get_data(as_text=True)[:200]
    assert resp.get_json()["error"]["code"] == code and resp.get_json()["error"]["message"]


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", PROMETHEUS])
def test_auth_errors_are_json_for_programs(oidc_app, accept):
    client = oidc_app.test_client()
    headers = {"Accept": accept} if accept else {}
    assert_error_shape(client.get("/auth/login/nope", headers=headers), 404, "unknown_provider")
    assert_error_shape(client.get("/auth/callback/local", headers=headers), 400, "login_state_invalid")


def test_auth_errors_are_pages_for_browsers(oidc_app):
    resp = oidc_app.test_client().get("/auth/login/nope", headers={"Accept": BROWSER})
    assert resp.status_code == 404 and resp.mimetype == "text/html"


def test_pages_outside_the_api_stay_html_for_a_bare_request(client):
    resp = client.get("/no-such-page")
    assert resp.status_code == 404 and resp.mimetype == "text/html"


@pytest.mark.parametrize("env,secure", [("testing", True), ("development", False)])
def test_lang_cookie_has_the_session_cookies_secure_flag(sqlite_url, make_app, env, secure):
    app = make_app(sqlite_url, ENV=env)
    cookie = next(h for h in app.test_client().get("/?lang=en").headers.getlist("Set-Cookie") if h.startswith("lang="))
    assert ("Secure" in cookie) is secure == app.config["SESSION_COOKIE_SECURE"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_metrics_are_off_without_a_token(client):
    assert_error_shape(client.get("/metrics"), 404, "not_found")
    assert_error_shape(client.get("/metrics", headers={"Authorization": "Bearer x", "Accept": PROMETHEUS}),
                       404, "not_found")


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"])
def test_metrics_refuse_a_missing_or_wrong_token(sqlite_url, make_app, authorization):
    client = make_app(sqlite_url, METRICS_TOKEN=TOKEN).test_client()
    headers = {"Accept": PROMETHEUS, **({"Authorization": authorization} if authorization else {})}
    resp = client.get("/metrics", headers=headers)
    assert_error_shape(resp, 401, "metrics_token_required")
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert "arena_http_requests_total" not in resp.get_data(as_text=True)


def test_metrics_for_the_scraper_with_the_token(sqlite_url, make_app):
    client = make_app(sqlite_url, METRICS_TOKEN=TOKEN).test_client()
    client.get("/")
    resp = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}", "Accept": PROMETHEUS})
    assert resp.status_code == 200
    assert "arena_http_requests_total" in resp.get_data(as_text=True)


def test_production_refuses_a_short_metrics_token():
    from app.config import ConfigError, load_config

    environ = {"ARENA_ENV": "production", "ARENA_SECRET_KEY": "k" * 40, "ARENA_METRICS_TOKEN": "short",
               "ARENA_DATABASE_URL": "postgresql+psycopg://db/arena", "ARENA_REDIS_URL": "redis://r:6379/0"}
    with pytest.raises(ConfigError, match="ARENA_METRICS_TOKEN"):
        load_config(environ=environ)
