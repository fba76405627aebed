"""The local OIDC test provider for `make run` and the tests: oidc-provider-mock on 127.0.0.1.

It is a development dependency, imported only when started; production refuses a provider named
`local` or any loopback/http provider (app/oauth.py), so nothing in production can reach it.
"""
from __future__ import annotations

import secrets
import threading
import warnings
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server


@dataclass
class LocalProvider:
    """A running oidc-provider-mock on loopback and the provider entry that points at it."""

    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def provider_config(self, name: str = "local", **extra: Any) -> dict[str, Any]:
        """An ARENA_OIDC_PROVIDERS entry for this provider."""
        entry = {"name": name, "title": "로컬 테스트 계정", "kind": "oidc", "issuer": self.issuer,
                 "client_id": f"arena-{name}", "client_secret": secrets.token_urlsafe(16),
                 "scopes": "openid", "token_auth_method": "client_secret_basic"}
        entry.update(extra)
        return entry

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)
        self.server.server_close()


def use_korean_page(wsgi: Any) -> None:
    """The provider's login form says, in Korean first, that it is the demo's test login and any name works
    (templates/local_idp/authorization_form.html shadows the mock's English one; its fields stay the same)."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    from app.config import ROOT

    wsgi.jinja_loader = ChoiceLoader([FileSystemLoader(str(ROOT / "templates" / "local_idp")), wsgi.jinja_loader])


def start_local_provider(port: int = 0, require_nonce: bool = True) -> LocalProvider:
    """Start oidc-provider-mock on 127.0.0.1 (ephemeral port by default) in a daemon thread."""
    import authlib.deprecate  # noqa: F401  (installs an "always" filter on import; ours must come after it)

    with warnings.catch_warnings():  # the mock imports Authlib modules Authlib marks deprecated
        warnings.simplefilter("ignore")
        import oidc_provider_mock  # development dependency only

        wsgi = oidc_provider_mock.app(require_nonce=require_nonce, issue_refresh_token=False)
    use_korean_page(wsgi)
    server = make_server("127.0.0.1", port, wsgi, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="local-oidc-provider", daemon=True)
    thread.start()
    return LocalProvider(server, thread)
