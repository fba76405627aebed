"""The ministry's side in a real browser: the console and the public pages of published results.

The whole path (console creates and opens a round, a citizen votes, the console closes it and publishes a
snapshot, the archive and the snapshot page show it) plus screenshots and axe-core on phone and desktop.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.db import new_session, utcnow
from app.models import OAuthIdentity, UserRole
from contest.models import Round
from voting.models import Snapshot
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


def console_submit(page, form: str, expect_navigation: bool = True) -> None:
    """Submit a console form (accepting its confirmation) and wait for the page it leads to."""
    if expect_navigation:
        with page.expect_navigation():
            page.locator(f"{form} button[type=submit]").click()
    else:
        page.locator(f"{form} button[type=submit]").click()


def create_round_in_the_console(page, base_url: str, round_id: str, title: str) -> datetime:
    """Fill the new-round form in Seoul time; returns the opening time asked for (UTC)."""
    opens = utcnow().replace(second=0, microsecond=0) - timedelta(hours=1)
    kst = timedelta(hours=9)  # the browser context runs in Asia/Seoul
    page.goto(base_url + "/admin/rounds")
    page.fill("#round-id", round_id)
    page.fill("#round-title", title)
    page.fill("#round-opens", (opens + kst).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#round-closes", (opens + kst + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#round-categories", "daily, writing")
    for box in page.locator('#new-round-form input[name="roster"]').all():
        box.check()
    page.fill("#p-min", "1")
    console_submit(page, "#new-round-form")
    assert page.url.endswith(f"/admin/rounds/{round_id}")
    return opens


def test_the_ministry_runs_a_round_from_the_console_to_a_published_snapshot(browser, live):
    need(AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)")
    ministry_ctx = browser.new_context(viewport=DESKTOP, locale="ko-KR", timezone_id="Asia/Seoul", bypass_csp=True)
    ministry = ministry_ctx.new_page()
    ministry.on("dialog", lambda dialog: dialog.accept())  # open, close and publish each ask first
    make_ministry(live, ministry, "ministry-flow")
    # The demo round is closed first, so the arena serves the new round.
    ministry.goto(live.url + "/admin/rounds/demo-2026h2")
    console_submit(ministry, "#close-round")
    opens = create_round_in_the_console(ministry, live.url, "r-flow", "2027년 상반기 시범 경연")
    assert "준비 중" in ministry.locator("main").inner_text()
    console_submit(ministry, "#open-round")
    assert "진행 중" in ministry.locator("main .status").first.inner_text()
    assert "버전 1" in ministry.locator("main").inner_text()  # the frozen terms, version 1
    # A refusal is shown in place: the same round id again.
    create_form_again = live.url + "/admin/rounds"
    ministry.goto(create_form_again)
    ministry.fill("#round-id", "r-flow")
    ministry.fill("#round-title", "중복")
    ministry.fill("#round-opens", "2027-01-01T09:00")
    ministry.fill("#round-closes", "2027-02-01T09:00")
    console_submit(ministry, "#new-round-form", expect_navigation=False)
    ministry.wait_for_selector("#new-round-form .form-status.is-error")
    assert "(409)" in ministry.locator("#new-round-form .form-status").inner_text()
    shoot(ministry, "flow-console-refusal-desktop")

    citizen_ctx = browser.new_context(viewport=PHONE, locale="ko-KR")
    citizen = citizen_ctx.new_page()
    log_in(citizen, live.url, subject="citizen-flow")
    run_battle(citizen)
    citizen.locator('button.vote[data-winner="a"]').click()
    citizen.wait_for_selector("#reveal:not([hidden])")
    citizen_ctx.close()

    ministry.goto(live.url + "/admin/rounds/r-flow")
    console_submit(ministry, "#close-round")
    assert "마감" in ministry.locator("main .status").first.inner_text()
    console_submit(ministry, "#publish-snapshot", expect_navigation=False)
    link = ministry.locator("#publish-snapshot a.result-link")
    link.wait_for()
    ministry.wait_for_selector("#round-snapshots a")  # the round's list shows it too
    first = link.get_attribute("href")
    assert ministry.locator("#round-snapshots a").get_attribute("href") == first
    # A correction names the snapshot it supersedes; both stay published.
    # The next publication must supersede the round's latest: the form offers it, chosen already.
    ministry.wait_for_selector(f'#publish-supersedes option[value="{first.rsplit("/", 1)[1]}"]', state="attached")
    assert ministry.input_value("#publish-supersedes") == first.rsplit("/", 1)[1]
    ministry.fill("#publish-notes", "정정: 첫 발표의 비고 누락")
    console_submit(ministry, "#publish-snapshot", expect_navigation=False)
    ministry.wait_for_function("first => { const a = document.querySelector('#publish-snapshot a.result-link');"
                               " return a !== null && a.getAttribute('href') !== first; }", arg=first)
    ministry.wait_for_function("document.querySelectorAll('#round-snapshots a').length === 2")
    shoot(ministry, "flow-console-published-desktop")
    with ministry.expect_navigation():
        link.click()
    snapshot_url = ministry.url
    assert "/snapshots/" in snapshot_url and snapshot_url != live.url + first
    ministry_ctx.close()

    with live.app.app_context(), new_session() as session:
        round_ = session.get(Round, "r-flow")
        assert round_.opens_at == opens and round_.status == "published" and round_.protocol["min_battles"] == 1
        snapshot_id = snapshot_url.rsplit("/", 1)[1]
        sha = session.get(Snapshot, snapshot_id).vote_set_sha256
    found = {}
    for viewport, tag in ((PHONE, "phone"), (DESKTOP, "desktop")):
        context = browser.new_context(viewport=viewport, locale="ko-KR", bypass_csp=True)
        page = context.new_page()
        page.goto(live.url + "/snapshots")
        assert "2027년 상반기 시범 경연" in page.locator("main").inner_text()
        assert page.locator(f'a[href="/snapshots/{snapshot_id}"]').count() == 1
        assert page.locator(f'li.is-superseded a[href="{first}"]').count() == 1  # marked, still listed
        found[f"archive-{tag}"] = axe_violations(page)
        assert fits_the_width(page)
        shoot(page, f"flow-archive-{tag}")
        page.goto(snapshot_url)
        text = page.locator("main").inner_text()
        assert "발표된 순위표: 2027년 상반기 시범 경연" in text and sha in text and "첫 발표의 비고 누락" in text
        assert page.locator(".board-table tbody tr").count() == 2  # the two models of the one vote
        found[f"snapshot-{tag}"] = axe_violations(page)
        assert fits_the_width(page)
        shoot(page, f"flow-snapshot-{tag}")
        context.close()
    assert found == {name: [] for name in found}


def test_catalogue_forms_drive_the_api_and_show_refusals_in_place(browser, live):
    context = browser.new_context(viewport=PHONE, locale="ko-KR")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    make_ministry(live, page, "ministry-catalogue")
    page.goto(live.url + "/admin/teams")
    page.fill("#team-slug", "new-team")
    page.fill("#team-ko", "새로 선정된 팀")
    page.fill("#team-en", "Newly selected team")
    console_submit(page, "#new-team")
    assert "새로 선정된 팀" in page.locator("main").inner_text()

    page.goto(live.url + "/admin/models")
    page.fill("#model-slug", "new-model")
    page.select_option("#model-team", "new-team")
    page.fill("#model-name", "새 모델")
    page.fill("#model-version", "1.0")
    page.select_option("#new-backend-kind", "openai")
    page.fill("#new-backend-url", "http://127.0.0.1:9/v1")
    page.fill("#new-backend-model", "new-model")
    page.fill("#new-backend-key", "not an env name")  # refused: the API names the field
    console_submit(page, "#new-model", expect_navigation=False)
    page.wait_for_selector("#new-model .form-status.is-error")
    assert "(422)" in page.locator("#new-model .form-status").inner_text()
    page.fill("#new-backend-key", "MODEL_KEY_NEW_TEAM")
    console_submit(page, "#new-model")
    assert "새 모델 1.0" in page.locator("main").inner_text()

    page.goto(live.url + "/admin/uploads")
    page.fill("#prompts-text", '{"id": "p900", "language": "ko", "category": "daily", "text": "질문"}\n'
                               '{"id": "p901"}\nnot json\n')
    console_submit(page, "#upload-prompts", expect_navigation=False)
    page.wait_for_selector("#upload-prompts .line-errors li")
    lines = page.locator("#upload-prompts .line-errors li").all_inner_texts()
    assert sorted({line.split(":")[0] for line in lines}) == ["line 2", "line 3"]  # every bad line, none good
    shoot(page, "catalogue-upload-refused-phone")
    page.fill("#prompts-text", '{"id": "p900", "language": "ko", "category": "daily", "text": "질문"}\n')
    console_submit(page, "#upload-prompts", expect_navigation=False)
    page.wait_for_selector('#upload-prompts .form-status:not(.is-error) pre')
    assert '"created": 1' in page.locator("#upload-prompts .form-status pre").inner_text()

    page.goto(live.url + "/admin/roles")
    page.fill("#grant-user", "local:ministry-catalogue")
    page.select_option("#grant-role-name", "ministry")
    page.select_option("#grant-grant", "false")  # the last ministry account keeps its role
    console_submit(page, "#grant-role", expect_navigation=False)
    page.wait_for_selector("#grant-role .form-status.is-error")
    assert "(409)" in page.locator("#grant-role .form-status").inner_text()

    page.goto(live.url + "/admin/audit")
    audit = page.locator("main").inner_text()
    assert all(action in audit for action in ("team.create", "model.create", "prompts.upload"))
    assert fits_the_width(page)
    shoot(page, "catalogue-audit-phone")
    context.close()


def nav_layout(page) -> dict:
    """The header nav's fit: page and nav scroll widths against the viewport, and the links that lie outside
    the viewport or under something else."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const nav = document.querySelector('.site-header .nav');
        const links = [...nav.querySelectorAll('a, button')];
        const unreachable = links.filter(a => {
            const r = a.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return r.left < 0 || r.right > width || !(hit === a || a.contains(hit));
        }).map(a => a.textContent.trim());
        return {page_scrolls: document.documentElement.scrollWidth > width, nav_scrolls: nav.scrollWidth > nav.clientWidth,
                links: links.length, unreachable};
    }""")


def test_the_staff_nav_fits_a_phone_without_sideways_scrolling(browser, live):
    """A ministry account's nav (console and moderation too) wraps on a 390 px phone: every item in view and
    tappable, nothing scrolls sideways (a citizen's shorter nav stays on one row: test_rights_browser)."""
    context = browser.new_context(viewport=PHONE, locale="ko-KR")
    page = context.new_page()
    make_ministry(live, page, "ministry-nav-phone")
    found = {}
    for lang in ("ko", "en"):
        page.goto(f"{live.url}/admin?lang={lang}")
        found[lang] = nav_layout(page)
        shoot(page, f"nav-staff-{lang}-phone")
    context.close()
    for lang in ("ko", "en"):
        assert found[lang]["links"] == 7, found[lang]  # arena, board, archive, console, moderation, account, language
        assert (found[lang]["page_scrolls"], found[lang]["nav_scrolls"], found[lang]["unreachable"]) == \
            (False, False, []), found[lang]
