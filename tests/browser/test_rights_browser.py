"""In the browser, through the real OIDC login: consent before the account, the under-14 refusal, the
account page's data download and deletion, the nav on a phone, the public pages; screenshots and axe-core."""
from __future__ import annotations

import json

import pytest

from tests.browser.conftest import AXE, DESKTOP, PHONE, need
from tests.browser.test_arena_browser import axe_violations
from tests.builders import artifact_path

pytestmark = pytest.mark.browser
SIZES = [PHONE, DESKTOP]
IDS = ["phone", "desktop"]


def provider_login(page, base_url: str, subject: str, next_path: str = "/account") -> None:
    """Up to the consent screen: the app's login page, the provider's (Korean) test login, back."""
    page.goto(f"{base_url}/login?next={next_path}")
    page.locator(".provider-list a").first.click()
    assert "데모용 테스트 로그인" in page.content()
    page.fill('input[name="sub"]', subject)
    page.locator('button[type="submit"]').first.click()
    page.wait_for_url(f"{base_url}/auth/consent")


def shot(page, name: str, viewport: dict) -> None:
    page.screenshot(path=str(artifact_path(f"{name}-{'phone' if viewport is PHONE else 'desktop'}.png")),
                    full_page=True)


@pytest.mark.parametrize("viewport", SIZES, ids=IDS)
def test_consent_then_account_download_and_delete(browser, live, viewport, tmp_path):
    need(AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)")
    context = browser.new_context(viewport=viewport, locale="ko-KR", bypass_csp=True, accept_downloads=True)
    page = context.new_page()
    provider_login(page, live.url, f"rights-{viewport['width']}")
    shot(page, "consent", viewport)
    found = {"consent": axe_violations(page)}
    page.click('button[name="action"][value="agree"]')  # nothing ticked: told what is missing, no account
    assert page.locator("#consent-error").is_visible()
    assert page.evaluate("fetch('/api/me').then(r => r.status)") == 401
    page.check('input[name="privacy"]')
    page.check('input[name="terms"]')
    page.check('input[name="release"]')
    page.check('input[name="age_14"][value="yes"]')
    page.click('button[name="action"][value="agree"]')
    page.wait_for_url(lambda url: "/account/conflicts" in url)  # then the conflict-of-interest question
    found["conflicts"] = axe_violations(page)
    shot(page, "conflicts", viewport)
    page.check('input[name="none"]')
    page.click('form button[type="submit"]')
    page.wait_for_url(f"{live.url}/account")
    page.wait_for_selector("#my-votes:not([aria-busy])", state="attached")
    assert "[선택] 질문·답변 공개 데이터 포함" in page.content()
    shot(page, "account", viewport)
    found["account"] = axe_violations(page)
    with page.expect_download() as download:
        page.click('a[href="/account/data"]')
    path = tmp_path / "data.json"
    download.value.save_as(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["account"]["identities"][0]["subject"] == f"rights-{viewport['width']}"
    assert data["consents"]["release"]["granted"] is True
    page.check('input[name="confirm"]')
    page.click("button.danger")
    page.wait_for_selector("#deleted-heading")
    assert page.evaluate("fetch('/api/me').then(r => r.status)") == 401
    context.close()
    assert found == {"consent": [], "conflicts": [], "account": []}


def test_under_14_is_refused_in_the_browser(browser, live):
    context = browser.new_context(viewport=PHONE, locale="ko-KR")
    page = context.new_page()
    provider_login(page, live.url, "young-one")
    page.check('input[name="privacy"]')
    page.check('input[name="terms"]')
    page.check('input[name="age_14"][value="no"]')
    page.click('button[name="action"][value="agree"]')
    page.wait_for_selector("#under14-heading")
    assert "법정대리인" in page.content()
    shot(page, "under14", PHONE)
    assert page.evaluate("fetch('/api/me').then(r => r.status)") == 401
    context.close()


@pytest.mark.parametrize("viewport", SIZES, ids=IDS)
def test_privacy_policy_reads_well_and_passes_axe(browser, live, viewport):
    need(AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)")
    context = browser.new_context(viewport=viewport, locale="ko-KR", bypass_csp=True)
    page = context.new_page()
    page.goto(live.url + "/privacy")
    shot(page, "privacy", viewport)
    found = {"privacy": axe_violations(page)}
    for path in ("/schedule", "/notices", "/rules"):
        page.goto(live.url + path)
        found[path] = axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    context.close()
    assert found == {"privacy": [], "/schedule": [], "/notices": [], "/rules": []}


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "citizen"])
def test_the_nav_is_one_row_on_a_phone(browser, live, logged_in):
    from tests.browser.conftest import log_in

    context = browser.new_context(viewport=PHONE, locale="ko-KR")
    page = context.new_page()
    if logged_in:
        log_in(page, live.url, subject="nav-citizen", next_path="/")
    else:
        page.goto(live.url + "/")
    tops = page.eval_on_selector_all(".nav > li", "items => items.map(i => Math.round(i.getBoundingClientRect().top))")
    overflow = page.eval_on_selector(".nav", "n => n.scrollWidth - n.clientWidth")
    shot(page, f"nav-{'citizen' if logged_in else 'anonymous'}", PHONE)
    context.close()
    assert len(set(tops)) == 1, tops
    assert overflow <= 0
