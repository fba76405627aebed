"""A real OIDC provider for tests: oidc-provider-mock on 127.0.0.1, an ephemeral port, a thread.

Fixtures
- `oidc_provider` (session scope): the running provider (`app.local_idp.LocalProvider`);
  `oidc_provider.issuer`, `oidc_provider.provider_config(name="local")` gives an
  ARENA_OIDC_PROVIDERS entry.
- `oidc_app_config`: overrides for `make_app(url, **oidc_app_config)` that configure the
  provider as `local`; `oidc_app`: such an app on a fresh SQLite copy.

How a test logs in through the real flow
- Flask test client: `log_in(client, "alice")` below: GET /auth/login/local, submit the
  provider's authorize form with the field `sub` set, then GET the callback it redirects to; a first
  login then answers the consent screen (/auth/consent) with the required consents and "14 or older"
  (`consent=None` stops at the callback's answer, or pass the form fields to send).
- Browser (Playwright): open `/auth/login/local?next=/arena` (or the nav's login link and the
  provider button on /login); on the provider's "Authorize Client" page fill the text input
  `input[name="sub"]` with any subject (e.g. "alice"; the same subject is the same account) and
  click the button "Authorize" (`button[type="submit"]` of the first form); the browser returns
  to the app logged in. "Deny" (`button[value="deny"]`) tests a refused login.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import re

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


AGREE = {"privacy": "yes", "terms": "yes", "age_14": "yes"}


def answer_consent(client, form: dict, ties: bool = True):
    """Submit the consent screen of the login under way with `form` (its CSRF token read from the page);
    with `ties`, a new account's conflict-of-interest question that follows is answered "no ties" too."""
    page = client.get("/auth/consent")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    resp = client.post("/auth/consent", data={**form, "csrf_token": token})
    if ties and resp.status_code == 303 and "/account/conflicts" in resp.headers["Location"]:
        return declare_no_ties(client, local_path(resp.headers["Location"]))
    return resp


def log_in(client, subject: str, provider: str = "local", next_path: str | None = None,
           consent: dict | None = AGREE):
    """Log `client` in through the real redirect flow, answering the consent screen of a first login with
    `consent` and declaring no ties to a team; returns the last response (the redirect to `next`)."""
    query = {"next": next_path} if next_path else {}
    start = client.get(f"/auth/login/{provider}", query_string=query)
    assert start.status_code == 302, start.get_data(as_text=True)[:500]
    callback = authorize_at_provider(start.headers["Location"], subject)
    resp = client.get(local_path(callback))
    if consent is not None and resp.status_code == 303 and resp.headers["Location"].endswith("/auth/consent"):
        return answer_consent(client, consent)
    return resp


def declare_no_ties(client, path: str):
    """A new account's conflict-of-interest question, answered "no ties" (the redirect to `next` follows)."""
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    text = page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    next_path = re.search(r'name="next" value="([^"]*)"', text).group(1)
    return client.post("/account/conflicts", data={"none": "yes", "csrf_token": token, "next": next_path})
