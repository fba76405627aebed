"""The two halves of a login through Authlib: the redirect to the provider, and the callback.

Errors become ApiErrors with a clear code; nothing here creates a session (the route does that
only after the subject is verified).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any, Iterator

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import Response, current_app
from joserfc.errors import JoseError

from app.errors import BadRequest, NotFound, ServiceUnavailable
from app.oauth import Provider
from app.provider_http import ProviderInvalid, json_object, provider_deadline

MAX_SUBJECT_CHARS = 255  # OAuthIdentity.subject is a String(255)
# Errors Authlib and joserfc raise on provider data of a shape they do not expect.
SHAPE_ERRORS = (TypeError, KeyError, AttributeError, OverflowError)
PROVIDER_LIBRARIES = ("authlib", "joserfc")

log = logging.getLogger("arena.login")



def get_provider(name: str) -> Provider:
    """The configured provider `name`, or a 404 unknown_provider."""
    provider = current_app.extensions["login_providers"].get(name)
    if provider is None:
        raise NotFound(code="unknown_provider")
    return provider


def _client(provider: Provider):
    return current_app.extensions["oauth_registry"].create_client(provider.name)


@contextmanager
def _provider_calls() -> Iterator[None]:
    """One wall-clock deadline for this request's provider calls; provider faults become 503s."""
    try:
        with provider_deadline(float(current_app.config["LOGIN_PROVIDER_DEADLINE"])):
            yield
    except ProviderInvalid as exc:
        raise ServiceUnavailable(code="provider_invalid") from exc
    except requests.RequestException as exc:
        raise ServiceUnavailable(code="provider_unavailable") from exc


def _check_issuer(client, provider: Provider) -> None:
    """OIDC: the issuer in the fetched metadata must be the configured one."""
    if provider.kind != "oidc":
        return
    metadata = client.load_server_metadata()
    if metadata.get("issuer") != provider.issuer:
        client.server_metadata.pop("_loaded_at", None)  # fetch again next time
        raise ServiceUnavailable(code="provider_invalid")


def start_login(provider: Provider, redirect_uri: str) -> Response:
    """Redirect to the provider; state, nonce and the PKCE verifier stay in the server-side session."""
    client = _client(provider)
    with _provider_calls():
        _check_issuer(client, provider)
        return client.authorize_redirect(redirect_uri)


def finish_login(provider: Provider) -> str:
    """Verify the callback (state, code + PKCE, ID token with nonce and issuer); the subject."""
    client = _client(provider)
    with _provider_calls():
        _check_issuer(client, provider)
        claims = _verified_claims(client, provider)
    subject = _dig(claims, provider.subject_path)
    if isinstance(subject, bool) or not isinstance(subject, (str, int)):
        raise BadRequest(code="login_failed")
    if not 0 < len(str(subject)) <= MAX_SUBJECT_CHARS:  # longer would fail the insert (a 500)
        raise BadRequest(code="login_failed")
    return str(subject)


def _verified_claims(client, provider: Provider) -> Any:
    """The token exchange and ID token (OIDC) or profile (plain OAuth 2.0) claims."""
    try:
        token = client.authorize_access_token()
        if provider.kind == "oauth2":
            resp = client.get(provider.userinfo_url, token=token)
            resp.raise_for_status()
            return json_object(resp)
    except MismatchingStateError as exc:
        raise BadRequest(code="login_state_invalid") from exc
    except OAuthError as exc:
        raise BadRequest(code="login_denied" if exc.error == "access_denied" else "login_failed") from exc
    except (JoseError, AuthlibBaseError, ValueError) as exc:  # signature, algorithm, nonce, issuer, audience
        raise BadRequest(code="login_failed") from exc
    except SHAPE_ERRORS as exc:
        if not _raised_in_provider_library(exc):
            raise  # our own bug: stays a 500 with its traceback
        log.warning("login provider %s answered something malformed: %r", provider.name, exc)
        raise ProviderInvalid(f"{provider.name}: {exc!r}") from exc
    if "id_token" not in token:  # an OIDC provider that answers `openid` without an ID token is broken
        raise ProviderInvalid("token response without an id_token")
    return token.get("userinfo") or {}


def _raised_in_provider_library(exc: BaseException) -> bool:
    """Whether the innermost frame of `exc` is Authlib's or joserfc's (handling the provider's answer)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    module = tb.tb_frame.f_globals.get("__name__", "") if tb is not None else ""
    return module.split(".")[0] in PROVIDER_LIBRARIES


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data
