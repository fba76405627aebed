"""The style-controlled board on the leaderboard page in a real browser, at phone and desktop size: both boards
side by side in one table, the coefficients, no sideways scrolling of the page, no serious accessibility issue."""
from __future__ import annotations

import time

import numpy as np
import pytest

from app.db import new_session
from tests.browser import test_arena_browser as arena_browser  # its axe helper (a module: not collected)
from tests.browser.conftest import AXE, DESKTOP, PHONE, need
from tests.builders import artifact_path, make_round, make_user
from tests.voting.test_style_api import LONG, SHORT, add_vote


def seed_style_round(app) -> None:
    """A round where model 2 answers long and formatted and voters lean to it (as in test_style_api)."""
    with app.app_context():
        db = new_session()
    round_ = make_round(db, "r-style-page", models=3)
    voter = make_user(db, "스타일 화면")
    rng = np.random.default_rng(9)
    for i in range(120):
        a, b = [(0, 1), (1, 2), (2, 0)][i % 3]
        answers = tuple(LONG if m == 2 else SHORT + " 설명" * int(rng.integers(0, 6)) for m in (a, b))
        winner = ["a", "b", "tie"][int(rng.integers(0, 3))]
        if 2 in (a, b) and rng.random() < 0.35:
            winner = "a" if a == 2 else "b"
        add_vote(db, round_, voter, a, b, winner, answers)
    db.commit()
    db.close()
    # The worker's style loop fits it (here in the web process); wait for the stored board.
    client = app.test_client()
    for _ in range(400):
        if client.get("/api/leaderboard?round=r-style-page").get_json()["style_control"]["warnings"] != ["pending"]:
            return
        time.sleep(0.05)
    raise AssertionError("the style board was never fitted")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_style_board_beside_the_plain_one_reads_on_a_phone_and_a_desktop(browser, live, viewport):
    need(AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)")
    seed_style_round(live.app)
    context = browser.new_context(viewport=viewport, bypass_csp=True, locale="ko-KR")  # bypass: inject axe
    page = context.new_page()
    page.goto(live.url + "/leaderboard?round=r-style-page")
    section = page.locator("#style-board")
    section.scroll_into_view_if_needed()
    assert section.is_visible()
    assert "스타일 통제" in section.locator("h2").inner_text()
    assert "길이" in section.inner_text() and "꾸밈" in section.inner_text()
    assert section.locator("table.style-compare tbody tr").count() == 3
    assert section.locator("table.style-coefficients tbody tr").count() == 4
    # The page itself never scrolls sideways; a wide table scrolls inside its own region.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    section.screenshot(path=str(artifact_path(f"style-board-{viewport['width']}.png")))
    page.screenshot(path=str(artifact_path(f"style-board-page-{viewport['width']}.png")), full_page=True)
    found = arena_browser.axe_violations(page)
    page.goto(live.url + "/leaderboard?round=r-style-page&lang=en")
    assert "Style control" in page.locator("#style-board h2").inner_text()
    found += arena_browser.axe_violations(page)
    context.close()
    assert found == []
