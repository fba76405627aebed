"""Production login-provider URLs: no spelling of an internal host gets through (item 14)."""
from __future__ import annotations

import pytest

from app.config import ConfigError
from app.oauth import load_providers

INTERNAL = [
    "https://localhost", "https://localhost.", "https://LOCALHOST", "https://foo.localhost", "https://foo.localhost.",
    "https://127.0.0.1", "https://127.1", "https://127.0.1", "https://2130706433", "https://0x7f000001",
    "https://0x7f.1", "https://0177.0.0.1", "https://127.0.0.1.", "https://0.0.0.0", "https://0",
    "https://10.1.2.3", "https://10.0x10.1", "https://172.16.0.1", "https://192.168.1.1", "https://169.254.169.254",
    "https://100.64.0.1", "https://[::1]", "https://[::]", "https://[::ffff:127.0.0.1]", "https://[::ffff:7f00:1]",
    "https://[::ffff:169.254.169.254]", "https://[fe80::1]", "https://[fc00::1]", "https://[2002:7f00:1::]",
    "https://[64:ff9b::a00:1]", "https://idp", "https://1.2.3.4.5", "https://999.1.1.1", "https://1.2.3.09",
]
PUBLIC = ["https://id.example.kr", "https://accounts.google.com.", "https://8.8.8.8", "https://134744072",
          "https://[2001:4860:4860::8888]", "https://1.2.3.example.kr"]


def production(issuer: str) -> dict:
    return {"ENV": "production", "OIDC_PROVIDERS": [{"name": "corp", "issuer": issuer, "client_id": "c",
                                                     "client_secret": "s"}]}


@pytest.mark.parametrize("issuer", INTERNAL)
def test_production_refuses_every_spelling_of_an_internal_host(issuer):
    with pytest.raises(ConfigError, match="public host"):
        load_providers(production(issuer))
    with pytest.raises(ConfigError, match="public host"):  # the same host on any other URL of the entry
        load_providers(production("https://id.example.kr") | {"OIDC_PROVIDERS": [
            {"name": "corp", "kind": "oauth2", "client_id": "c", "client_secret": "s", "scopes": "",
             "authorize_url": "https://id.example.kr/a", "token_url": issuer + "/token",
             "userinfo_url": "https://id.example.kr/u"}]})


@pytest.mark.parametrize("issuer", PUBLIC)
def test_production_accepts_public_hosts(issuer):
    assert load_providers(production(issuer))["corp"].issuer == issuer


def test_development_still_accepts_the_loopback_provider():
    assert load_providers({"ENV": "development", "OIDC_PROVIDERS": [
        {"name": "local", "issuer": "http://127.0.0.1:9000", "client_id": "c", "client_secret": "s"}]})
