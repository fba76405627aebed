"""Login providers from the environment, through Authlib's Flask client.

Authorization code flow with PKCE (S256), state and nonce. `ARENA_OIDC_PROVIDERS` is a JSON list
of providers; each entry:

    {"name": "local", "title": "...", "kind": "oidc" | "oauth2", "client_id": "...",
     "client_secret": "...", "scopes": "openid", "token_auth_method": "client_secret_basic",
     "issuer": "https://...", "discovery_url": "https://.../.well-known/openid-configuration",
     # plain OAuth 2.0 only:
     "authorize_url": "...", "token_url": "...", "userinfo_url": "...", "subject_path": "response.id"}

Presets switch on when `ARENA_<NAME>_CLIENT_ID` and `ARENA_<NAME>_CLIENT_SECRET` are set:
kakao and google (OIDC), naver (plain OAuth 2.0, the id comes from its profile endpoint).
In production every provider must use https on a public host (app/provider_hosts.py), and `local`
is refused.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from typing import Any
from authlib.integrations.flask_client import OAuth

from app.config import ConfigError
from app.provider_app import ProviderApp
from app.provider_hosts import is_public_https

NAME_RE = re.compile(r"^[a-z0-9_-]{1,40}$")


@dataclass(frozen=True)
class Provider:
    """One configured login provider."""

    name: str
    client_id: str
    client_secret: str
    title: str = ""
    kind: str = "oidc"
    scopes: str = "openid"
    token_auth_method: str = "client_secret_basic"
    issuer: str = ""
    discovery_url: str = ""
    authorize_url: str = ""
    token_url: str = ""
    userinfo_url: str = ""
    subject_path: str = "sub"


PRESETS: dict[str, dict[str, str]] = {
    "kakao": {"title": "카카오", "issuer": "https://kauth.kakao.com", "token_auth_method": "client_secret_post"},
    "google": {"title": "Google", "issuer": "https://accounts.google.com"},
    "naver": {"title": "네이버", "kind": "oauth2", "scopes": "", "token_auth_method": "client_secret_post",
              "authorize_url": "https://nid.naver.com/oauth2.0/authorize",
              "token_url": "https://nid.naver.com/oauth2.0/token",
              "userinfo_url": "https://openapi.naver.com/v1/nid/me", "subject_path": "response.id"},
}


def _entries(config: dict[str, Any]) -> list[dict[str, Any]]:
    raw = config.get("OIDC_PROVIDERS") or []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise ConfigError(f"ARENA_OIDC_PROVIDERS is not valid JSON: {exc}") from exc
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise ConfigError("ARENA_OIDC_PROVIDERS must be a JSON list of objects")
    entries = list(raw)
    for name, preset in PRESETS.items():
        client_id = config.get(f"{name.upper()}_CLIENT_ID")
        secret = config.get(f"{name.upper()}_CLIENT_SECRET")
        if client_id and secret:
            entries.append({"name": name, "client_id": client_id, "client_secret": secret, **preset})
    return entries


def _check(p: Provider, production: bool) -> Provider:
    if not NAME_RE.match(p.name) or p.kind not in ("oidc", "oauth2") or not p.client_id:
        raise ConfigError(f"login provider {p.name!r}: needs a lowercase name, kind oidc|oauth2 and a client id")
    needed = ("issuer", "discovery_url") if p.kind == "oidc" else ("authorize_url", "token_url", "userinfo_url")
    missing = [f for f in needed if not getattr(p, f)]
    if missing:
        raise ConfigError(f"login provider {p.name!r}: missing {', '.join(missing)}")
    if p.kind == "oidc" and "openid" not in p.scopes.split():
        raise ConfigError(f"login provider {p.name!r}: OIDC needs the 'openid' scope (no ID token without it)")
    if production:
        urls = [getattr(p, f) for f in ("issuer", "discovery_url", "authorize_url", "token_url", "userinfo_url")]
        for url in filter(None, urls):
            if not is_public_https(url):
                raise ConfigError(f"login provider {p.name!r}: production needs https on a public host, not {url}")
        if p.name == "local":
            raise ConfigError("the local test identity provider cannot be used in production")
    return p


def load_providers(config: dict[str, Any]) -> dict[str, Provider]:
    """Every configured provider by name; ConfigError for a bad or unsafe entry."""
    known = {f.name for f in fields(Provider)}
    providers: dict[str, Provider] = {}
    for entry in _entries(config):
        unknown = set(entry) - known
        if unknown:
            raise ConfigError(f"login provider {entry.get('name')!r}: unknown keys {sorted(unknown)}")
        entry = dict(entry)
        if entry.get("kind", "oidc") == "oidc" and entry.get("issuer") and not entry.get("discovery_url"):
            entry["discovery_url"] = entry["issuer"].rstrip("/") + "/.well-known/openid-configuration"
        try:
            provider = Provider(**{k: str(v) for k, v in entry.items()})
        except TypeError as exc:
            raise ConfigError(f"login provider entry {entry!r}: {exc}") from exc
        if provider.name in providers:  # e.g. a JSON entry and a preset: never pick one silently
            raise ConfigError(f"login provider {provider.name!r} is configured twice")
        providers[provider.name] = _check(provider, config["ENV"] == "production")
    return providers


def _client_kwargs(p: Provider, production: bool) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"client_id": p.client_id, "client_secret": p.client_secret,
                              "client_cls": ProviderApp, "production": production,
                              "client_kwargs": {"scope": p.scopes or None, "code_challenge_method": "S256",
                                                "token_endpoint_auth_method": p.token_auth_method}}
    if p.kind == "oidc":
        kwargs["server_metadata_url"] = p.discovery_url
    else:
        kwargs.update(authorize_url=p.authorize_url, access_token_url=p.token_url)
    return kwargs


def init_app(app) -> None:
    """Read the providers and register them with an Authlib OAuth registry on the app."""
    providers = load_providers(app.config)
    registry = OAuth(app)
    for p in providers.values():
        registry.register(p.name, **_client_kwargs(p, app.config["ENV"] == "production"))
    app.extensions["login_providers"] = providers
    app.extensions["oauth_registry"] = registry
