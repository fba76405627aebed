"""Moderation in a real browser: a citizen flags a battle, a moderator (role granted with the CLI) voids its
vote from the queue, the board and its exclusion statistics change, the action is in the log; the citizen sees
the vote no longer counts and appeals; the appeal lands in the queue. Screenshots on phone and desktop and
axe-core on every new page.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import AXE, DESKTOP, PHONE, log_in, need, run_battle
from tests.browser.test_arena_browser import axe_violations
from tests.browser.test_ministry_browser import fits_the_width, shoot

pytestmark = pytest.mark.browser

CITIZEN, MODERATOR = "citizen-flags", "moderator-one"
NOTE = "답변 A가 자기 모델 이름을 말했어요"


def grant_moderator_with_the_cli(live, subject: str) -> None:
    """`flask roles grant local:<subject> moderator`, as an operator would run it."""
    with live.app.app_context():
        result = live.app.test_cli_runner().invoke(args=["roles", "grant", f"local:{subject}", "moderator"])
    assert result.exit_code == 0, result.output
    assert "moderator granted" in result.output


def board_votes(page, base_url: str) -> int:
    page.goto(base_url + "/leaderboard")
    return int(page.locator("#board").get_attribute("data-votes"))


def wait_for_board_votes(page, base_url: str, expected: int) -> None:
    """The live board is rebuilt by the rating worker after a void: reload until it shows the new count."""
    for _ in range(60):
        if board_votes(page, base_url) == expected:
            return
        page.wait_for_timeout(250)
    assert board_votes(page, base_url) == expected


def check_page(page, found: dict, too_wide: list, name: str, tag: str) -> None:
    found[f"{name}-{tag}"] = axe_violations(page)
    if not fits_the_width(page):
        too_wide.append(f"{name}-{tag}")
    shoot(page, f"moderation-{name}-{tag}")


def test_a_flag_is_voided_from_the_queue_changes_the_board_and_the_citizen_appeals(browser, live):
    need(AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)")
    found: dict[str, list] = {}
    too_wide: list[str] = []

    # A citizen plays a battle on the phone, votes and flags it.
    citizen_ctx = browser.new_context(viewport=PHONE, locale="ko-KR", bypass_csp=True)
    citizen = citizen_ctx.new_page()
    log_in(citizen, live.url, subject=CITIZEN)
    run_battle(citizen)
    citizen.locator('button.vote[data-winner="a"]').click()
    citizen.wait_for_selector("#reveal:not([hidden])")
    battle_url = citizen.url  # the battle's own page (arena.js moved the address there)
    assert "/arena/b/" in battle_url
    citizen.locator("#flag summary").click()
    citizen.select_option("#flag-reason", "identity_leak")
    citizen.fill("#flag-note", NOTE)
    check_page(citizen, found, too_wide, "arena-flag-open", "phone")
    citizen.locator("#flag-form button[type=submit]").click()
    citizen.wait_for_function("document.getElementById('flag-status').textContent.length > 0")
    assert citizen.locator("#flag-status").inner_text() == "신고가 접수되었습니다. 운영진이 검토합니다."
    assert citizen.locator("#flag-form button[type=submit]").is_disabled()
    check_page(citizen, found, too_wide, "arena-flag-sent", "phone")
    counted_before = board_votes(citizen, live.url)
    assert counted_before >= 1
    # Flagging the same battle again is refused in place (one flag per battle).
    citizen.goto(battle_url)
    citizen.locator("#flag summary").click()
    citizen.locator("#flag-form button[type=submit]").click()
    citizen.wait_for_selector("#flag-status.is-error")
    assert "이미" in citizen.locator("#flag-status").inner_text()

    # A moderator: logs in, is granted the role with the CLI, opens the queue.
    mod_ctx = browser.new_context(viewport=DESKTOP, locale="ko-KR", bypass_csp=True)
    mod = mod_ctx.new_page()
    mod.on("dialog", lambda dialog: dialog.accept())  # every action asks first
    log_in(mod, live.url, subject=MODERATOR, next_path="/")
    mod.goto(live.url + "/moderation")
    assert "권한" in mod.locator("main").inner_text()  # not yet a moderator: the 403 page
    grant_moderator_with_the_cli(live, MODERATOR)
    mod.goto(live.url + "/moderation")
    item = mod.locator(".queue-item", has_text=NOTE)
    assert item.count() == 1
    text = item.inner_text()
    assert "시민 신고" in text and "모델이나 개발사 이름이 드러남" in text and "답변 A" in text and "답변 B" in text
    assert "집계됨" in text  # the vote concerned, still counted
    check_page(mod, found, too_wide, "queue", "desktop")
    item.locator("select[name=choice]").select_option("void_item")
    item.locator("textarea[name=reason]").fill("답변에 모델명이 드러난 것을 확인함")
    with mod.expect_navigation():
        item.locator("button[type=submit]").click()
    assert "조치했습니다" in mod.locator("#action-done").inner_text() and "투표 1건 변경" in mod.locator(
        "#action-done").inner_text()
    assert mod.locator(".queue-item", has_text=NOTE).count() == 0  # no longer open
    check_page(mod, found, too_wide, "queue-after-action", "desktop")

    # The board loses the vote and its public statistics show why.
    wait_for_board_votes(mod, live.url, counted_before - 1)
    stats = mod.locator("#exclusion-stats").inner_text()
    assert "운영진 검토" in stats and "1건이 순위 계산에서 제외되었습니다" in stats
    check_page(mod, found, too_wide, "leaderboard", "desktop")
    # The audit log has the entry, with its reason.
    mod.goto(live.url + "/moderation/audit")
    entry = mod.locator(".audit-entry").first
    assert "투표 무효화" in entry.inner_text() and "moderation.void_votes" in entry.inner_text()
    assert "답변에 모델명이 드러난 것을 확인함" in entry.inner_text()
    check_page(mod, found, too_wide, "audit", "desktop")

    # The citizen sees the vote does not count, and appeals once.
    citizen.goto(live.url + "/account")
    citizen.wait_for_selector("#my-votes-list li")
    vote = citizen.locator("#my-votes-list li").first
    assert "집계 제외" in vote.inner_text() and "운영진의 검토에 따라 집계에서 제외되었습니다." in vote.inner_text()
    check_page(citizen, found, too_wide, "account-my-votes", "phone")
    assert vote.locator("form.appeal-form").is_hidden()  # behind its button until asked for
    vote.get_by_role("button", name="이의 신청", exact=True).click()
    assert vote.get_by_role("button", name="이의 신청", exact=True).is_hidden()
    vote.locator("textarea").fill("모델 이름은 제가 아니라 답변이 말한 것입니다")
    vote.get_by_role("button", name="이의 신청 보내기").click()
    citizen.wait_for_selector(".appeal-done")
    assert "이의 신청: 검토 중" in vote.inner_text()
    check_page(citizen, found, too_wide, "account-appealed", "phone")
    citizen.reload()
    citizen.wait_for_selector("#my-votes-list li")
    again = citizen.locator("#my-votes-list li").first
    assert again.get_by_role("button", name="이의 신청", exact=True).count() == 0  # once
    assert "이의 신청: 검토 중" in again.inner_text()

    # The appeal is in the moderators' queue.
    mod.goto(live.url + "/moderation?source=appeal")
    appeal = mod.locator(".queue-item", has_text="모델 이름은 제가 아니라")
    assert appeal.count() == 1 and "집계 제외에 대한 이의 신청" in appeal.inner_text()
    assert appeal.locator("select[name=choice]").input_value() == "restore_item"  # an appeal asks for a restore
    check_page(mod, found, too_wide, "queue-appeal", "desktop")
    mod_ctx.close()

    # The same pages on the other viewport.
    for viewport, tag in ((PHONE, "phone"), (DESKTOP, "desktop")):
        context = browser.new_context(viewport=viewport, locale="ko-KR", bypass_csp=True)
        page = context.new_page()
        log_in(page, live.url, subject=MODERATOR, next_path="/")
        for name, path in (("queue-all", "/moderation?status=actioned"), ("audit-en", "/moderation/audit?lang=en"),
                           ("queue-en", "/moderation?lang=en"), ("leaderboard-en", "/leaderboard?lang=en")):
            if tag == "desktop" and name in ("leaderboard-en",):
                continue
            page.goto(live.url + path)
            check_page(page, found, too_wide, name, tag)
        context.close()
    citizen.goto(live.url + "/account?lang=en")
    citizen.wait_for_selector("#my-votes-list li")
    assert "Not counted" in citizen.locator("#my-votes-list").inner_text()
    check_page(citizen, found, too_wide, "account-en", "phone")
    citizen_ctx.close()
    assert found == {name: [] for name in found}
    assert too_wide == []
