"""Citizens logged in through the real login flow: the app's login redirect, the provider's authorize
form (oidc-provider-mock, as the tests use it), the app's callback, a first login's consent screen and
conflict-of-interest question (agreed; no ties declared); then `GET /api/me` for the CSRF token."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

import requests

COOKIE = "arena_session"
AGREE = {"privacy": "yes", "terms": "yes", "age_14": "yes"}
NO_TIES = {"none": "yes"}


@dataclass(frozen=True)
class Citizen:
    subject: str
    token: str  # the session cookie's value
    csrf: str


def _submit_form(http: requests.Session, url: str, fields: dict) -> requests.Response:
    """GET a page of the app and POST its form back with `fields`, its CSRF token and hidden `next`."""
    page = http.get(url, timeout=30)
    assert page.status_code == 200, (url, page.status_code, page.text[:300])
    hidden = dict(re.findall(r'<input type="hidden" name="(csrf_token|next|first)" value="([^"]*)"', page.text))
    assert "csrf_token" in hidden, (url, page.text[:300])
    return http.post(url, data={**hidden, **fields}, allow_redirects=False, timeout=30)


def log_in(base_url: str, subject: str) -> Citizen:
    with requests.Session() as http:
        start = http.get(f"{base_url}/auth/login/local", allow_redirects=False, timeout=30)
        assert start.status_code == 302, (start.status_code, start.text[:300])
        authorized = requests.post(start.headers["Location"], data={"sub": subject}, allow_redirects=False,
                                   timeout=30)
        assert authorized.status_code == 302, (authorized.status_code, authorized.text[:300])
        back = http.get(authorized.headers["Location"], allow_redirects=False, timeout=30)
        assert back.status_code in (302, 303), (back.status_code, back.text[:300])
        if back.headers["Location"].split("?")[0].endswith("/auth/consent"):  # a first login
            back = _submit_form(http, urljoin(base_url, back.headers["Location"]), AGREE)
            assert back.status_code in (302, 303), (back.status_code, back.text[:300])
            if "/account/conflicts" in back.headers["Location"]:
                back = _submit_form(http, urljoin(base_url, back.headers["Location"]), NO_TIES)
                assert back.status_code in (302, 303), (back.status_code, back.text[:300])
        me = http.get(f"{base_url}/api/me", timeout=30)
        assert me.status_code == 200, (me.status_code, me.text[:300])
        return Citizen(subject, http.cookies[COOKIE], me.json()["csrf_token"])


def log_in_many(base_url: str, count: int) -> list[Citizen]:
    return [log_in(base_url, f"bench-citizen-{i:03d}") for i in range(count)]
