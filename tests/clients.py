"""Test clients: `CsrfClient` sends the session's CSRF token on state-changing requests by itself."""
from __future__ import annotations

from flask.testing import FlaskClient

from app.sessions import COOKIE_NAME

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class CsrfClient(FlaskClient):
    """When logged in, POST/PUT/PATCH/DELETE carry X-CSRF-Token, fetched the real way (GET /api/me).

    A request that sets `X-CSRF-Token` itself (even to "") is left alone.
    """

    _token_for: tuple[str, str] | None = None  # (session cookie, token)

    def open(self, *args, **kwargs):
        method = str(kwargs.get("method") or "GET").upper()
        headers = dict(kwargs.get("headers") or {})
        if method in UNSAFE and "X-CSRF-Token" not in headers:
            token = self.csrf_token()
            if token:
                kwargs["headers"] = {**headers, "X-CSRF-Token": token}
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str | None:
        """This session's token from GET /api/me (None when not logged in)."""
        cookie = self.get_cookie(COOKIE_NAME)
        if cookie is None:
            return None
        if self._token_for is None or self._token_for[0] != cookie.value:
            resp = self.get("/api/me")
            if resp.status_code != 200:
                return None
            cookie = self.get_cookie(COOKIE_NAME)
            self._token_for = (cookie.value if cookie else "", resp.get_json()["csrf_token"])
        return self._token_for[1]
