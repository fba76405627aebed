"""HTTP to login providers under one wall-clock deadline per login request.

requests' timeout bounds each socket read, not the call: a provider that drips a byte every two
seconds never trips it. Here each call reads its body under the deadline and a watchdog shuts the
call's sockets when the deadline passes, so a drip in the headers or the body ends the call too.
"""
from __future__ import annotations

import math
import socket
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

import requests
from authlib.integrations.requests_client import OAuth2Session
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool

MAX_BODY_BYTES = 1024 * 1024  # discovery, keys and tokens are a few kilobytes
PER_READ_TIMEOUT = 5.0  # seconds; also the deadline of a call made outside provider_deadline()

_deadline: ContextVar[float | None] = ContextVar("provider_deadline", default=None)
_lent: ContextVar[list | None] = ContextVar("provider_connections", default=None)


class ProviderInvalid(Exception):
    """The provider answered something malformed (not JSON, wrong shape, missing fields)."""


class ProviderTimeout(requests.Timeout):
    """The login request's deadline passed while waiting for the provider."""


@contextmanager
def provider_deadline(seconds: float) -> Iterator[None]:
    """Every provider call inside shares one deadline `seconds` from now."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _remaining() -> float:
    deadline = _deadline.get()
    left = PER_READ_TIMEOUT if deadline is None else deadline - time.monotonic()
    if left <= 0:
        raise ProviderTimeout("login provider deadline passed")
    return left


class _Watched:
    def _get_conn(self, timeout: float | None = None):
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        lent = _lent.get()
        if lent is not None:
            lent.append(conn)
        return conn


class _WatchedHTTPPool(_Watched, HTTPConnectionPool):
    """An HTTP pool that tells the running call which connections it used."""


class _WatchedHTTPSPool(_Watched, HTTPSConnectionPool):
    """The same for https."""


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


def _cut(connections: list) -> None:
    """Shut the sockets down: a read blocked on them returns at once."""
    for conn in connections:
        sock = getattr(conn, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class DeadlineSession(OAuth2Session):
    """Authlib's requests session whose every call ends by the deadline, body read and size-capped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mount("http://", _WatchedAdapter())
        self.mount("https://", _WatchedAdapter())

    def request(self, method, url, withhold_token=False, auth=None, **kwargs):  # type: ignore[override]
        left = _remaining()
        # No redirects: a provider's answer could otherwise send us to a host we refused to configure.
        kwargs.update(timeout=min(left, PER_READ_TIMEOUT), stream=True, allow_redirects=False)
        lent: list = []
        token = _lent.set(lent)
        watchdog = threading.Timer(left, _cut, (lent,))
        watchdog.daemon = True
        watchdog.start()
        try:
            resp = super().request(method, url, withhold_token=withhold_token, auth=auth, **kwargs)
            resp._content = _read_body(resp)
            return resp
        except requests.RequestException as exc:
            if _deadline.get() is not None and _deadline.get() <= time.monotonic():
                raise ProviderTimeout("login provider deadline passed") from exc
            raise
        finally:
            watchdog.cancel()
            _lent.reset(token)

    def parse_response_token(self, resp):
        """A token response must be a JSON object; an OAuth error in one stays an OAuthError."""
        if resp.status_code >= 500:
            resp.raise_for_status()
        body = json_object(resp)
        if "error" not in body and not isinstance(body.get("access_token"), str):
            raise ProviderInvalid("token response without an access token")
        if "id_token" in body and not isinstance(body["id_token"], str):
            raise ProviderInvalid("token response with a malformed id_token")
        if "error" not in body:
            _check_token_fields(body)
        return super().parse_response_token(resp)


def _check_token_fields(body: dict) -> None:
    """Refuse the token fields Authlib would choke on (a TypeError or OverflowError is a 500)."""
    for field in ("expires_in", "expires_at"):
        if field in body and not _is_whole_seconds(body[field]):
            raise ProviderInvalid(f"token response with a malformed {field}: {body[field]!r:.40}")
    # Authlib signs requests only as bearer; another type would fail on the profile call.
    token_type = body.get("token_type", "bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise ProviderInvalid(f"token response with an unusable token_type: {token_type!r:.40}")


def _is_whole_seconds(value: object) -> bool:
    if isinstance(value, str):
        return value.isascii() and value.isdigit()
    if isinstance(value, float):
        return math.isfinite(value) and value.is_integer() and value >= 0
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _read_body(resp: requests.Response) -> bytes:
    chunks, size = [], 0
    try:
        for chunk in resp.iter_content(16 * 1024):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise ProviderInvalid("provider response too large")
            chunks.append(chunk)
            _remaining()
    finally:
        resp.close()
    return b"".join(chunks)


def json_object(resp: requests.Response) -> dict:
    """The response body as a JSON object, else ProviderInvalid."""
    try:
        body = resp.json()
    except ValueError as exc:
        raise ProviderInvalid(f"provider answered non-JSON from {resp.url}") from exc
    if not isinstance(body, dict):
        raise ProviderInvalid(f"provider answered JSON that is not an object from {resp.url}")
    return body
