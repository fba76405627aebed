"""A small, real, hostile OIDC provider for tests: a loopback HTTP server on an OS-chosen port.

It serves discovery, JWKS, an authorize endpoint that redirects straight back with a code, and a
token endpoint. By default it behaves (RS256-signed ID tokens); each test picks a misbehaviour:

- `discovery`: a callable editing the discovery document, or any JSON value to serve instead
  (e.g. a list); `jwks`: the same for the key set;
- `discovery_redirect`: a URL that discovery redirects to;
- `token`: `"alg_none"` (an unsigned ID token), `"list"` (a JSON list body), `"html"`;
  `token_fields`: raw JSON text by field, set in the token response (e.g. `{"expires_in": "1e400"}`);
  `id_token_header`: fields added to the signed ID token's protected header (e.g. `crit`);
- `provider_config(kind="oauth2")`: a plain OAuth 2.0 client of the same server (profile at /userinfo);
- `drip`: (interval_seconds, n_bytes): the token response's first n bytes are sent one at a time,
  `interval` apart, the rest at once; `drip_headers`: the same for the token response's status
  line and headers; `drip_get`: the same for the discovery and JWKS bodies.
"""
from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from joserfc.jwk import RSAKey

_KEY = RSAKey.generate_key(2048, parameters={"kid": "hostile-1"})


def _b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _rs256(header: dict, claims: dict) -> str:
    """A compact RS256 JWS signed by hand: the header may hold what a JOSE library would refuse."""
    signing_input = f"{_b64(header)}.{_b64(claims)}"
    signature = _KEY.private_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


class HostileProvider:
    """The running server; set the behaviour attributes before the flow reaches them."""

    def __init__(self) -> None:
        self.discovery: Any = None
        self.jwks: Any = None
        self.token: str = "signed"
        self.token_fields: dict[str, str] = {}
        self.id_token_header: dict[str, Any] = {}
        self.drip: tuple[float, int] | None = None
        self.drip_headers: tuple[float, int] | None = None
        self.drip_get: tuple[float, int] | None = None
        self.discovery_redirect = ""  # answer discovery with a 302 to this URL
        self.nonces: dict[str, str] = {}  # code -> nonce sent to /authorize
        self.stopped = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                       name="hostile-idp", daemon=True)
        self.thread.start()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def provider_config(self, name: str = "hostile", kind: str = "oidc") -> dict[str, str]:
        """An ARENA_OIDC_PROVIDERS entry for this provider."""
        entry = {"name": name, "kind": kind, "client_id": "arena-hostile", "client_secret": "s3cret"}
        if kind == "oauth2":
            return {**entry, "scopes": "", "authorize_url": self.issuer + "/authorize",
                    "token_url": self.issuer + "/token", "userinfo_url": self.issuer + "/userinfo"}
        return {**entry, "issuer": self.issuer, "scopes": "openid"}

    def stop(self) -> None:
        self.stopped.set()
        self.server.shutdown()
        self.thread.join(5)
        self.server.server_close()

    def discovery_document(self) -> Any:
        doc = {"issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize",
               "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
               "response_types_supported": ["code"], "subject_types_supported": ["public"],
               "id_token_signing_alg_values_supported": ["RS256"]}
        if callable(self.discovery):
            return self.discovery(doc) or doc
        return doc if self.discovery is None else self.discovery

    def jwks_document(self) -> Any:
        keys = {"keys": [_KEY.as_dict(private=False)]}
        if callable(self.jwks):
            return self.jwks(keys) or keys
        return keys if self.jwks is None else self.jwks

    def token_body(self, code: str) -> bytes:
        if self.token == "list":
            return b"[]"
        if self.token == "html":
            return b"<html>oops</html>"
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": "arena-hostile", "sub": "eve", "iat": now, "exp": now + 300,
                  "nonce": self.nonces.get(code, "")}
        if self.token == "alg_none":
            id_token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
        else:
            id_token = _rs256({"alg": "RS256", "kid": "hostile-1", **self.id_token_header}, claims)
        fields = {k: json.dumps(v) for k, v in {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                                                 "expires_in": 300, "id_token": id_token}.items()}
        fields.update(self.token_fields)  # raw text: `1e400` must reach the client as written
        return ("{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in fields.items()) + "}").encode()


def _handler_for(idp: HostileProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep pytest output clean
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/.well-known/openid-configuration" and idp.discovery_redirect:
                self._send(b"", status=302, extra={"Location": idp.discovery_redirect})
            elif parts.path == "/.well-known/openid-configuration":
                self._send(json.dumps(idp.discovery_document()).encode(), drip=idp.drip_get)
            elif parts.path == "/jwks":
                self._send(json.dumps(idp.jwks_document()).encode(), drip=idp.drip_get)
            elif parts.path == "/userinfo":
                self._send(json.dumps({"sub": "eve"}).encode())
            elif parts.path == "/authorize":
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                code = secrets.token_urlsafe(8)
                idp.nonces[code] = query.get("nonce", "")
                target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query.get("state", "")})
                self._send(b"", status=302, extra={"Location": target})
            else:
                self._send(b"{}", status=404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            self._send(idp.token_body(form.get("code", "")), drip=idp.drip)

        def _send(self, body: bytes, status: int = 200, extra: dict[str, str] | None = None,
                  drip: tuple[float, int] | None = None) -> None:
            head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            head += "".join(f"{k}: {v}\r\n" for k, v in (extra or {}).items()) + "\r\n"
            try:
                self._write(head.encode(), idp.drip_headers if self.command == "POST" else None)
                self._write(body, drip)
            except OSError:  # the client gave up: that is the point of most tests here
                self.close_connection = True

        def _write(self, data: bytes, drip: tuple[float, int] | None) -> None:
            interval, count = drip or (0.0, 0)
            for i in range(min(count, len(data))):
                if idp.stopped.wait(interval):
                    return
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
            self.wfile.write(data[count:])
            self.wfile.flush()

    return Handler


def hostile_login(client, provider: str = "hostile"):
    """Run the redirect flow against the hostile provider; the callback response (a first login's, after
    agreeing on the consent screen)."""
    import requests

    from tests.oidc_provider import AGREE, answer_consent

    start = client.get(f"/auth/login/{provider}", headers={"Accept": "application/json"})
    if start.status_code != 302:
        return start
    back = requests.get(start.headers["Location"], allow_redirects=False, timeout=5).headers["Location"]
    parts = urlsplit(back)
    resp = client.get(parts.path + "?" + parts.query, headers={"Accept": "application/json"})
    if resp.status_code == 303 and resp.headers["Location"].endswith("/auth/consent"):
        return answer_consent(client, AGREE)
    return resp


def with_discovery(**changes: Any) -> Callable[[dict], dict]:
    """A discovery editor: set keys (None deletes)."""
    def edit(doc: dict) -> dict:
        for key, value in changes.items():
            if value is None:
                doc.pop(key, None)
            else:
                doc[key] = value
        return doc
    return edit
