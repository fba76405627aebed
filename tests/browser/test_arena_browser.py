"""The arena in a real browser: log in, battle, vote, reveal; hostile answers; accessibility."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.db import new_session
from contest.models import BankAnswer
from tests.browser.conftest import AXE, DESKTOP, PHONE, log_in, need, run_battle
from tests.builders import artifact_path

pytestmark = pytest.mark.browser


def test_log_in_battle_vote_and_see_the_reveal(browser, live):
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="ko-KR")
        page = context.new_page()
        log_in(page, live.url, subject=f"citizen-{name}")
        run_battle(page)
        bodies = page.locator(".answer-body")
        assert bodies.count() == 2 and all(bodies.nth(i).inner_text().strip() for i in range(2))
        assert page.locator("#demo-notice").is_visible()
        assert "/arena/b/" in page.url
        page.keyboard.press("1")  # the shortcut for "A is better"
        page.wait_for_selector("#reveal:not([hidden])")
        reveal = page.locator("#reveal-list").inner_text()
        assert "답변 A" in reveal and "답변 B" in reveal and "(데모)" in reveal
        assert all(page.locator("button.vote").nth(i).is_disabled() for i in range(4))
        page.screenshot(path=str(artifact_path(f"arena-reveal-{name}.png")), full_page=True)
        context.close()


def test_answers_with_script_or_onerror_do_nothing(browser, live):
    hostile = ("안녕하세요 <script>window.__pwned = 'script'</script>\n\n"
               "<img src=x onerror=\"window.__pwned = 'img'\">\n\n**굵게** 끝.")
    with live.app.app_context(), new_session() as session:
        for answer in session.scalars(select(BankAnswer).where(BankAnswer.prompt_id == "p001")):
            answer.text = hostile
        session.commit()
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, live.url, subject="citizen-xss")
    run_battle(page, "p001")
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".answer-body img, .answer-body script").count() == 0
    assert page.locator(".answer-body strong").count() == 2  # the Markdown still renders
    assert "<script>" in page.locator(".answer-body").first.inner_text()  # shown as text
    page.reload()  # the server-rendered battle page is just as inert
    assert page.evaluate("window.__pwned") is None and page.locator(".answer-body img").count() == 0
    assert dialogs == []
    context.close()


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in json.loads(result)["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_home_arena_and_reveal_have_no_serious_accessibility_violations(browser, live, viewport):
    need(AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)")
    context = browser.new_context(viewport=viewport, bypass_csp=True)  # lets the test inject axe
    page = context.new_page()
    found = {}
    page.goto(live.url + "/")
    found["home"] = axe_violations(page)
    log_in(page, live.url, subject=f"citizen-axe-{viewport['width']}")
    found["arena"] = axe_violations(page)
    run_battle(page)
    found["answers"] = axe_violations(page)
    page.locator('button.vote[data-winner="tie"]').click()
    page.wait_for_selector("#reveal:not([hidden])")
    found["reveal"] = axe_violations(page)
    context.close()
    assert found == {"home": [], "arena": [], "answers": [], "reveal": []}


def test_a_refused_follow_up_leaves_the_battle_votable(browser, live):
    from tests.browser.test_arena_citizen import live_models
    from tests.contest.llm_server import LoopbackLLM

    with LoopbackLLM() as llm:
        live_models(live, llm, "steady")
        live.app.config["MAX_TURNS"] = 1  # the follow-up will be refused with 409 turn_limit
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        log_in(page, live.url, subject="citizen-followup")
        page.fill("#free-prompt", "서울의 봄 날씨는?")
        page.locator("#free-form button[type=submit]").click()
        page.wait_for_selector('button.vote[data-winner="a"]:not([disabled])', timeout=15_000)
        page.fill("#followup-prompt", "더 자세히")
        with page.expect_response(lambda r: r.url.endswith("/turns")) as refused:
            page.locator("#followup-form button[type=submit]").click()
        assert refused.value.status == 409
        page.wait_for_selector('button.vote[data-winner="a"]:not([disabled])', timeout=5_000)
        assert page.locator("#status").inner_text().strip()  # the reason is shown
        page.keyboard.press("2")
        page.wait_for_selector("#reveal:not([hidden])")
        context.close()
