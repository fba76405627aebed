"""Authlib's Flask client, made strict: well-formed discovery and keys, asymmetric ID tokens only."""
from __future__ import annotations

import time
from typing import Any

from authlib.integrations.flask_client import FlaskOAuth2App
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.provider_hosts import is_public_https
from app.provider_http import DeadlineSession, ProviderInvalid, json_object

# Public-key algorithms only: `none` is unsigned, and HS* would make the client secret the key
# (anyone holding it, such as a leaked config, could mint ID tokens for any subject).
ASYMMETRIC_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
                   "ES256K", "EdDSA", "Ed25519", "Ed448")
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


def checked_metadata(doc: Any, production: bool) -> dict:
    """The discovery document with its endpoints checked and the ID token algorithms narrowed."""
    if not isinstance(doc, dict):
        raise ProviderInvalid("discovery is not a JSON object")
    urls = [doc.get(k) for k in ENDPOINTS] + ([doc["userinfo_endpoint"]] if "userinfo_endpoint" in doc else [])
    for url in urls:
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ProviderInvalid(f"discovery lacks a usable endpoint: {url!r}")
        if production and not is_public_https(url):
            raise ProviderInvalid(f"discovery points at a non-public or non-https endpoint: {url}")
    declared = doc.get("id_token_signing_alg_values_supported", ["RS256"])  # RS256 is the OIDC default
    if not isinstance(declared, list):
        raise ProviderInvalid("id_token_signing_alg_values_supported is not a list")
    allowed = [alg for alg in declared if alg in ASYMMETRIC_ALGS]
    if not allowed:
        raise ProviderInvalid(f"no asymmetric ID token algorithm among {declared!r}")
    # Keys come only from jwks_uri, checked in fetch_jwk_set: an inline `jwks` would skip the check.
    kept = {key: value for key, value in doc.items() if key != "jwks"}
    return {**kept, "id_token_signing_alg_values_supported": allowed}


class ProviderApp(FlaskOAuth2App):
    """One provider's client: deadline-bound HTTP, checked discovery and key set."""

    client_cls = DeadlineSession

    def __init__(self, *args: Any, production: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.production = production

    def load_server_metadata(self) -> dict:
        if self._server_metadata_url and "_loaded_at" not in self.server_metadata:
            with self._get_session() as session:
                resp = session.request("GET", self._server_metadata_url, withhold_token=True)
                resp.raise_for_status()
                metadata = checked_metadata(json_object(resp), self.production)
            self.server_metadata.update(metadata, _loaded_at=time.time())
        return self.server_metadata

    def fetch_jwk_set(self, force: bool = False) -> dict:
        metadata = self.load_server_metadata()
        if metadata.get("jwks") and not force:
            return metadata["jwks"]
        with self._get_session() as session:
            resp = session.request("GET", metadata["jwks_uri"], withhold_token=True)
            resp.raise_for_status()
            jwks = json_object(resp)
        try:
            KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise ProviderInvalid("the provider's key set does not parse") from exc
        self.server_metadata["jwks"] = jwks
        return jwks
