"""A real OIDC provider for tests: oidc-provider-mock on 127.0.0.1, an ephemeral port, a thread.

Fixtures
- `oidc_provider` (session scope): the running provider (`app.local_idp.LocalProvider`);
  `oidc_provider.issuer`, `oidc_provider.provider_config(name="local")` gives an
  ARENA_OIDC_PROVIDERS entry.
- `oidc_app_config`: overrides for `make_app(url, **oidc_app_config)` that configure the
  provider as `local`; `oidc_app`: such an app on a fresh SQLite copy.

How a test logs in through the real flow
- Flask test client: `log_in(client, "alice")` below: GET /auth/login/local, submit the
  provider's authorize form with the field `sub` set, then GET the callback it redirects to.
- Browser (Playwright): open `/auth/login/local?next=/arena` (or the nav's login link and the
  provider button on /login); on the provider's "Authorize Client" page fill the text input
  `input[name="sub"]` with any subject (e.g. "alice"; the same subject is the same account) and
  click the button "Authorize" (`button[type="submit"]` of the first form); the browser returns
  to the app logged in. "Deny" (`button[value="deny"]`) tests a refused login.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from app.local_idp import LocalProvider, start_local_provider


@pytest.fixture(scope="session")
def oidc_provider():
    provider = start_local_provider()
    yield provider
    provider.stop()


@pytest.fixture
def oidc_app_config(oidc_provider: LocalProvider) -> dict:
    return {"OIDC_PROVIDERS": [oidc_provider.provider_config("local")]}


@pytest.fixture
def oidc_app(sqlite_url, oidc_app_config, make_app):
    """A test app (migrated SQLite copy) whose login provider `local` is the running provider."""
    return make_app(sqlite_url, **oidc_app_config)


def authorize_at_provider(authorize_url: str, subject: str, deny: bool = False) -> str:
    """Submit the provider's authorize page as a person would; the callback URL it redirects to."""
    data = {"action": "deny"} if deny else {"sub": subject}
    resp = requests.post(authorize_url, data=data, allow_redirects=False, timeout=5)
    assert resp.status_code == 302, resp.text[:500]
    return resp.headers["Location"]


def local_path(url: str) -> str:
    """The path and query of an absolute URL (the Flask test client is the host)."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def log_in(client, subject: str, provider: str = "local", next_path: str | None = None):
    """Log `client` in through the real redirect flow; returns the callback response."""
    query = {"next": next_path} if next_path else {}
    start = client.get(f"/auth/login/{provider}", query_string=query)
    assert start.status_code == 302, start.get_data(as_text=True)[:500]
    callback = authorize_at_provider(start.headers["Location"], subject)
    return client.get(local_path(callback))
