"""`make run`: migrate, seed the demo contest, start a local OIDC test provider and serve it all.

The provider (the PyPI package oidc-provider-mock, a development dependency) listens on
127.0.0.1 only and is configured as the login provider `local`, so a newcomer logs in through
the real redirect flow: type any name as the "sub" on its page and press Authorize. Production
refuses a provider named `local` or any loopback/http provider (app/oauth.py).
"""
from __future__ import annotations

import os

from app import create_app
from app.cli import upgrade_db
from app.config import ROOT
from app.local_idp import start_local_provider


def main() -> None:
    (ROOT / "instance").mkdir(exist_ok=True)
    port = int(os.environ.get("PORT", "5000"))
    provider = start_local_provider()
    app = create_app({"LOG_JSON": False, "OIDC_PROVIDERS": [provider.provider_config()]})
    upgrade_db(app.config["DATABASE_URL"])
    with app.app_context():
        created = app.extensions["seed_demo"]()  # contest's hook: the demo round, teams, prompts, bank
    print(f"demo data ready ({created}); local login provider on {provider.issuer}", flush=True)
    print(f"serving on http://127.0.0.1:{port}/ (log in: type any name on the provider page)", flush=True)
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
