"""Browser fixtures: Debian's chromium driven by Playwright, the app served on an ephemeral port.

Never a downloaded browser: /usr/bin/chromium or skip (fail under CI=true).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.db import new_session, utcnow
from tests.builders import make_test_app

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
IN_CI = os.environ.get("CI", "").lower() == "true"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def need(condition: bool, reason: str) -> None:
    if not condition:
        if IN_CI:
            pytest.fail(reason + " (CI=true requires it)")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    need(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: `make test` installs Debian's chromium as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class LiveServer:
    """The app on 127.0.0.1:<ephemeral> in a thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def live(sqlite_url, oidc_app_config):
    """The demo contest served for real, with the local OIDC provider as its login."""
    from contest.demo import seed_demo

    app = make_test_app(sqlite_url, LOG_LEVEL="WARNING", **oidc_app_config)
    with app.app_context():
        with new_session() as session:
            seed_demo(session, utcnow())
            session.commit()
    server = LiveServer(app)
    yield server
    server.stop()
    app.extensions["db_engine"].dispose()


def log_in(page, base_url: str, subject: str = "citizen-1", next_path: str = "/arena") -> None:
    """Log in through the local provider as a person would (a first login agrees on the consent screen and
    declares no ties to a team)."""
    page.goto(f"{base_url}/auth/login/local?next={next_path}")
    page.fill('input[name="sub"]', subject)
    page.locator('button[type="submit"]').first.click()
    page.wait_for_url(lambda url: "/auth/consent" in url
                      or (url.startswith(f"{base_url}{next_path}") and "/auth/callback" not in url))
    if "/auth/consent" in page.url:
        page.check('input[name="privacy"]')
        page.check('input[name="terms"]')
        page.check('input[name="age_14"][value="yes"]')
        page.click('button[name="action"][value="agree"]')
        page.wait_for_url(lambda url: "/account/conflicts" in url or url.startswith(f"{base_url}{next_path}"))
    if "/account/conflicts" in page.url:  # a new account declares its ties to teams (here: none)
        page.check('input[name="none"]')
        page.click('form button[type="submit"]')
        page.wait_for_url(f"{base_url}{next_path}")


def run_battle(page, prompt_id: str | None = None) -> None:
    """Start a battle on a curated prompt and wait until both answers are complete."""
    button = page.locator(f'button.prompt-choice[data-prompt-id="{prompt_id}"]') if prompt_id else \
        page.locator("#prompt-list li:not([hidden]) button.prompt-choice").first
    button.click()
    page.wait_for_selector('button.vote[data-winner="a"]:not([disabled])', timeout=15_000)
