"""The shell: home page, language, error shape, operations endpoints, OpenAPI, configuration."""
from __future__ import annotations

import pytest

from app.config import ConfigError, load_config


def test_home_is_korean_by_default_and_english_on_request(client, demo):
    ko = client.get("/")
    assert ko.status_code == 200
    html = ko.get_data(as_text=True)
    assert '<html lang="ko">' in html and "공개 경연" in html and "데모" in html
    assert 'href="/arena"' in html and "경연 시작하기" in html
    en = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in en and "Public contest" in en
    # the choice is remembered
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_home_without_open_round_says_so(client):
    assert "진행 중인 경연이 없습니다" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/rounds/current"])
def test_api_errors_use_the_json_shape(client, path):
    resp = client.get(path)
    assert resp.status_code == 404
    body = resp.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]


def test_api_error_message_follows_language(client):
    assert client.get("/api/nothing?lang=en").get_json()["error"]["message"] == "Nothing was found here."


def test_html_errors_are_friendly_pages(client):
    resp = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    assert "처음으로 돌아가기" in resp.get_data(as_text=True)


def test_wrong_method_is_405_in_error_shape(client):
    resp = client.delete("/api/rounds/current")
    assert resp.status_code == 405
    assert resp.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in resp.headers["Allow"]


def test_unexpected_exception_is_a_500_in_error_shape_without_details(app):
    @app.get("/api/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    resp = app.test_client().get("/api/boom-for-test")
    assert resp.status_code == 500
    assert resp.get_json()["error"]["code"] == "internal_error"
    assert "secret internals" not in resp.get_data(as_text=True)


def test_round_and_prompt_pool(client, demo):
    raw = client.get("/api/rounds/current")
    assert raw.mimetype == "application/json" and "공개 경연".encode() in raw.data  # UTF-8, not \u escapes
    current = raw.get_json()
    assert current["id"] == "demo-2026h2" and len(current["categories"]) == 5
    assert current["opens_at"].endswith("Z")
    pool = client.get("/api/prompts?category=coding").get_json()
    assert pool and all(p["category"] == "coding" for p in pool)
    assert set(pool[0]) >= {"id", "category", "text"}
    assert client.get("/api/prompts?category=nope").status_code == 422


def test_healthz_readyz_and_metrics(sqlite_url, make_app):
    client = make_app(sqlite_url, METRICS_TOKEN="t" * 32).test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz").get_json()
    assert ready["status"] == "ready" and ready["live_board"]["state"] == "ok"
    assert ready["worker"]["state"] == "missing"  # embedded default: the worker starts with the first vote
    client.get("/")
    metrics = client.get("/metrics", headers={"Authorization": "Bearer " + "t" * 32}).get_data(as_text=True)
    assert "arena_http_requests_total" in metrics and 'endpoint="contest.home"' in metrics


def test_readyz_names_the_failing_part(sqlite_url, make_app):
    app = make_app(sqlite_url, REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["failing"] == ["redis"] and resp.headers["Retry-After"]


def test_readyz_names_a_read_only_database(sqlite_url, make_app):
    """A database that answers reads but refuses writes is not ready (every battle and vote would fail)."""
    path = sqlite_url.removeprefix("sqlite:///")
    resp = make_app(f"sqlite:///file:{path}?mode=ro&uri=true").test_client().get("/readyz")
    assert resp.status_code == 503 and resp.get_json()["failing"] == ["database"]
    assert make_app(sqlite_url).test_client().get("/readyz").status_code == 200


def test_readyz_does_not_queue_behind_a_write_on_sqlite(sqlite_url, make_app):
    """Embedded default: a vote holding SQLite's write lock is a database taking writes, not a failing
    one; the probe answers at once instead of waiting out the 15 s busy timeout."""
    import sqlite3
    import time

    client = make_app(sqlite_url).test_client()
    assert client.get("/readyz").status_code == 200  # the app's first connection puts the file in WAL mode
    writer = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    writer.execute("BEGIN IMMEDIATE")  # holds the write lock, as a vote's transaction does
    try:
        started = time.monotonic()
        resp = client.get("/readyz")
        waited = time.monotonic() - started
    finally:
        writer.rollback()
        writer.close()
    assert resp.status_code == 200, resp.get_json()
    assert waited < 5


def test_database_down_is_503_in_error_shape_not_500(make_app):
    """API.md: a dependency that is down is a 503 with Retry-After; a session cookie changes nothing."""
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/arena?connect_timeout=2")  # nothing listens
    client = app.test_client()
    for path in ("/api/rounds/current", "/"):
        resp = client.get(path, headers={"Accept": "application/json"})
        assert resp.status_code == 503 and resp.headers["Retry-After"]
        assert resp.get_json()["error"]["code"] == "unavailable"
    client.set_cookie("arena_session", "a-token-that-cannot-be-looked-up")
    assert client.get("/healthz").status_code == 200
    for method, path in (("GET", "/api/me"), ("POST", "/api/battles"), ("POST", "/auth/logout")):
        resp = client.open(path, method=method, json={}, headers={"Accept": "application/json"})
        assert resp.status_code == 503, (method, path)
        assert resp.get_json()["error"]["code"] == "unavailable"
    page = client.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 503 and "text/html" in page.content_type
    assert client.get_cookie("arena_session").value == "a-token-that-cannot-be-looked-up"  # not dropped


def test_responses_carry_a_request_id(client):
    assert len(client.get("/healthz").headers["X-Request-Id"]) == 16
    assert client.get("/healthz", headers={"X-Request-Id": "abc-123"}).headers["X-Request-Id"] == "abc-123"


def test_openapi_describes_every_api_route(app, client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    missing = []
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/") or rule.rule.startswith("/auth/")):
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        path = __import__("re").sub(r"\{\w+:(\w+)\}", r"{\1}", path)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            op = spec["paths"].get(path, {}).get(method.lower())
            if op is None or not op["summary"]:
                missing.append(f"{method} {rule.rule}")
    assert missing == [], "routes missing from the OpenAPI document or without a summary"


def test_the_served_openapi_document_is_valid(client):
    # Imported here, not skipped when absent: requirements-dev.txt installs it, and a missing one must fail.
    from openapi_spec_validator import validate

    spec = client.get("/api/openapi.json").get_json()
    validate(spec)  # 3.0 has no type lists: a nullable field says `nullable: true`


class TestConfig:
    def test_environment_overrides_defaults(self):
        config = load_config(environ={"ARENA_MAX_TURNS": "3", "ARENA_LOG_JSON": "false"})
        assert config["MAX_TURNS"] == 3 and config["LOG_JSON"] is False

    def test_bad_value_is_a_clear_error(self):
        with pytest.raises(ConfigError, match="ARENA_MAX_TURNS"):
            load_config(environ={"ARENA_MAX_TURNS": "many"})

    @pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
    def test_production_refuses_to_start_without_secrets_and_urls(self, missing):
        environ = {"ARENA_ENV": "production", "ARENA_SECRET_KEY": "k" * 40,
                   "ARENA_DATABASE_URL": "postgresql+psycopg://db/arena", "ARENA_REDIS_URL": "redis://r:6379/0"}
        del environ["ARENA_" + missing]
        with pytest.raises(ConfigError, match=f"ARENA_{missing}"):
            load_config(environ=environ)

    def test_production_refuses_sqlite_and_short_secrets(self):
        base = {"ARENA_ENV": "production", "ARENA_REDIS_URL": "redis://r:6379/0"}
        with pytest.raises(ConfigError, match="PostgreSQL"):
            load_config(environ={**base, "ARENA_SECRET_KEY": "k" * 40, "ARENA_DATABASE_URL": "sqlite:///x.db"})
        with pytest.raises(ConfigError, match="32"):
            load_config(environ={**base, "ARENA_SECRET_KEY": "short",
                                 "ARENA_DATABASE_URL": "postgresql+psycopg://db/arena"})

    @pytest.mark.parametrize("off", ["0", "false", "no"])
    def test_production_refuses_insecure_session_cookies(self, off):
        environ = {"ARENA_ENV": "production", "ARENA_SECRET_KEY": "k" * 40, "ARENA_COOKIE_SECURE": off,
                   "ARENA_DATABASE_URL": "postgresql+psycopg://db/arena", "ARENA_REDIS_URL": "redis://r:6379/0"}
        with pytest.raises(ConfigError, match="ARENA_COOKIE_SECURE"):
            load_config(environ=environ)
        assert load_config(environ={**environ, "ARENA_COOKIE_SECURE": "1"})["ENV"] == "production"

    def test_development_gets_a_random_secret_not_a_fixed_one(self):
        assert load_config(environ={})["SECRET_KEY"] != load_config(environ={})["SECRET_KEY"]


def test_logs_are_json_lines_with_the_request_id(app, capsys):
    import json
    import logging

    @app.get("/log-for-test")
    def log_for_test():
        logging.getLogger("arena.test").warning("hello %s", "세계")
        return "ok"

    resp = app.test_client().get("/log-for-test", headers={"X-Request-Id": "req-42"})
    assert resp.status_code == 200
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    mine = [r for r in records if r["logger"] == "arena.test"]
    assert mine and mine[0]["msg"] == "hello 세계" and mine[0]["request_id"] == "req-42"
