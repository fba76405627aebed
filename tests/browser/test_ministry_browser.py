"""The ministry's side in a real browser: the console and the public pages of published results.

The whole path (console creates and opens a round, a citizen votes, the console closes it and publishes a
snapshot, the archive and the snapshot page show it) plus screenshots and axe-core on phone and desktop.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import new_session, utcnow
from app.models import OAuthIdentity, UserRole
from contest.models import Round
from tests.browser.conftest import AXE, DESKTOP, PHONE, log_in, need, run_battle
from tests.browser.test_arena_browser import axe_violations
from tests.builders import artifact_path, make_snapshot

pytestmark = pytest.mark.browser


def make_ministry(live, page, subject: str) -> None:
    """Log in through the local provider, then hold the ministry role (granted in the database)."""
    log_in(page, live.url, subject=subject, next_path="/")
    with live.app.app_context(), new_session() as session:
        identity = session.scalars(select(OAuthIdentity).where(OAuthIdentity.subject == subject)).one()
        session.add(UserRole(user_id=identity.user_id, role="ministry", granted_by="test"))
        session.commit()


def fits_the_width(page) -> bool:
    """Nothing wider than the viewport except inside horizontally scrolling tables and code blocks."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll('main *')].every(el => {
            if (el.closest('.table-scroll, pre, svg')) { return true; }
            const box = el.getBoundingClientRect();
            return box.width === 0 || (box.left >= -1 && box.right <= width + 1);
        });
    }""")


def shoot(page, name: str) -> None:
    page.screenshot(path=str(artifact_path(f"{name}.png")), full_page=True)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_console_and_publication_pages_fit_and_have_no_serious_accessibility_violations(browser, live, viewport):
    need(AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)")
    with live.app.app_context(), new_session() as session:
        round_ = session.scalars(select(Round)).first()
        make_snapshot(session, round_, "s-axe-old")
        make_snapshot(session, round_, "s-axe", supersedes="s-axe-old")
        session.commit()
        round_id = round_.id
    context = browser.new_context(viewport=viewport, locale="ko-KR", bypass_csp=True)  # lets the test inject axe
    page = context.new_page()
    make_ministry(live, page, f"ministry-axe-{viewport['width']}")
    tag = "phone" if viewport is PHONE else "desktop"
    found, too_wide = {}, []
    for name, path in (("console", "/admin"), ("console-rounds", "/admin/rounds"),
                       ("console-round", f"/admin/rounds/{round_id}"), ("console-teams", "/admin/teams"),
                       ("console-models", "/admin/models"), ("console-uploads", "/admin/uploads"),
                       ("console-roles", "/admin/roles"), ("console-audit", "/admin/audit"),
                       ("archive", "/snapshots"), ("snapshot", "/snapshots/s-axe"), ("methodology", "/methodology"),
                       ("methodology-en", "/methodology?lang=en"), ("board", f"/leaderboard?round={round_id}&lang=ko")):
        page.goto(live.url + path)
        found[name] = axe_violations(page)
        if not fits_the_width(page):
            too_wide.append(name)
        shoot(page, f"ministry-{name}-{tag}")
    context.close()
    assert found == {name: [] for name in found}
    assert too_wide == []
