"""The citizen panel in a real browser: a member redeems a code, completes the assigned battles and sees
progress; the ministry's report renders with both boards. Screenshots at phone and desktop; axe-core."""
from __future__ import annotations

import pytest

from app.db import new_session, utcnow
from contest.demo import DEMO_ROUND_ID
from contest.panels import create_panel, issue_invitations
from tests.browser.conftest import AXE, DESKTOP, PHONE, log_in, need
from tests.browser.test_arena_browser import axe_violations
from tests.browser.test_ministry_browser import fits_the_width, make_ministry, shoot

pytestmark = pytest.mark.browser

DESIGN = {"strata": {"age": ["20s", "60+"], "region": ["capital", "other"]},
          "margins": {"age": {"20s": 0.4, "60+": 0.6}, "region": {"capital": 0.5, "other": 0.5}},
          "targets": {"age": {"20s": 5, "60+": 5}, "region": {"capital": 5, "other": 5}}, "quota": 2}


def make_panel(live, panel_id: str, codes: int) -> list[str]:
    with live.app.app_context(), new_session() as session:
        create_panel(session, "test", {"id": panel_id, "round": DEMO_ROUND_ID, **DESIGN}, utcnow())
        out = issue_invitations(session, "test", panel_id, codes, {"age": "60+", "region": "other"}, utcnow())
        session.commit()
    return out


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_member_redeems_a_code_completes_the_assigned_battles_and_sees_progress(browser, live, viewport):
    need(AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)")
    tag = "phone" if viewport is PHONE else "desktop"
    panel_id = f"p-{tag}"
    code = make_panel(live, panel_id, 1)[0]
    context = browser.new_context(viewport=viewport, locale="ko-KR", bypass_csp=True)
    page = context.new_page()
    log_in(page, live.url, subject=f"member-{tag}", next_path="/panel")
    found = {"panel-join": axe_violations(page)}
    shoot(page, f"panel-join-{tag}")
    page.fill("#panel-code", "WRONG-CODE-0000-0000")
    page.click("#panel-redeem button[type=submit]")
    page.wait_for_selector("#panel-redeem-error:not([hidden])")
    assert "확인되지 않는" in page.inner_text("#panel-redeem-error")
    page.fill("#panel-code", code.lower().replace("-", " "))  # as typed from a letter
    with page.expect_navigation():
        page.click("#panel-redeem button[type=submit]")
    assert "2개 중 0개 완료" in page.inner_text("main")
    found["panel-member"] = axe_violations(page)
    assert fits_the_width(page)
    shoot(page, f"panel-member-{tag}")
    for done in range(2):
        with page.expect_navigation():
            page.click("button.panel-start")
        assert "/arena/b/" in page.url
        page.wait_for_selector('button.vote[data-winner="a"]:not([disabled])', timeout=15_000)
        page.locator('button.vote[data-winner="b"]').click()
        page.wait_for_selector("#reveal:not([hidden])")
        with page.expect_navigation():
            page.click("#new-battle")  # on a panel battle it leads back to the panel
        assert page.url.endswith("/panel")
        assert f"2개 중 {done + 1}개 완료" in page.inner_text("main")
    assert "모두 마치셨습니다" in page.inner_text("main")
    assert page.locator("button.panel-start").count() == 0
    shoot(page, f"panel-finished-{tag}")
    context.close()
    assert found == {name: [] for name in found}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_ministry_report_renders_both_boards_and_issues_codes(browser, live, viewport):
    need(AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)")
    tag = "phone" if viewport is PHONE else "desktop"
    panel_id = f"r-{tag}"
    code = make_panel(live, panel_id, 1)[0]
    context = browser.new_context(viewport=viewport, locale="ko-KR", bypass_csp=True)
    page = context.new_page()
    log_in(page, live.url, subject=f"report-member-{tag}", next_path="/panel")  # one member votes twice
    page.fill("#panel-code", code)
    with page.expect_navigation():
        page.click("#panel-redeem button[type=submit]")
    for _ in range(2):
        with page.expect_navigation():
            page.click("button.panel-start")
        page.wait_for_selector('button.vote[data-winner="a"]:not([disabled])', timeout=15_000)
        page.locator('button.vote[data-winner="a"]').click()
        page.wait_for_selector("#reveal:not([hidden])")
        page.goto(live.url + "/panel")
    context.close()
    context = browser.new_context(viewport=viewport, locale="ko-KR", bypass_csp=True)
    page = context.new_page()
    make_ministry(live, page, f"ministry-panel-{tag}")
    page.goto(f"{live.url}/admin/panels")
    assert panel_id in page.inner_text("main"), page.inner_text("main")
    page.click(f"text={panel_id}")
    assert page.url.endswith(f"/admin/panels/{panel_id}")
    text = page.inner_text("main")
    assert "평가단 순위표 (가중)" in text and "공개 경연 순위표" in text and "설계 효과" in text
    found = {"report": axe_violations(page)}
    shoot(page, f"panel-report-before-{tag}")
    assert fits_the_width(page), page.evaluate("""() => [...document.querySelectorAll('main *')].filter(el => {
        if (el.closest('.table-scroll, pre, svg')) { return false; }
        const box = el.getBoundingClientRect();
        return box.width > 0 && (box.left < -1 || box.right > document.documentElement.clientWidth + 1);
    }).map(el => el.tagName + '.' + el.className + '#' + el.id).slice(0, 10)""")
    page.fill("#invite-count", "3")
    page.click("#panel-invite button[type=submit]")
    page.wait_for_selector("#panel-invite-status:not([hidden])")
    codes = page.input_value("#panel-codes").split("\n")
    assert len(codes) == 3 and all(len(c) == 19 for c in codes)
    shoot(page, f"panel-report-{tag}")
    context.close()
    assert found == {name: [] for name in found}
