"""The leaderboard in a real browser (issue 12 defects 3, 6 and 9): cards on a phone with nothing cut off,
chart text at a readable size, the heatmap in the table's order, the language toggle keeping the filters;
screenshots and axe-core at 390x844 and 1280x800, with too few votes and with a ranked board."""
from __future__ import annotations

import pytest

from app.db import new_session, utcnow
from contest.demo import DEMO_ROUND_ID
from tests.browser.conftest import AXE, DESKTOP, PHONE, need
from tests.browser.test_arena_browser import axe_violations
from tests.builders import artifact_path
from voting.demo import seed_demo_votes

pytestmark = pytest.mark.browser
BOARD = f"/leaderboard?round={DEMO_ROUND_ID}"


def seed_votes(live, **sizes) -> int:
    with live.app.app_context(), new_session() as session:
        stored = seed_demo_votes(session, utcnow(), **sizes)
        session.commit()
    return stored


def open_board(page, url: str, votes: int) -> None:
    """The page once the live board holds every seeded vote."""
    for _ in range(100):
        page.goto(url)
        if page.locator("#board").get_attribute("data-votes") == str(votes):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the board never showed {votes} votes")


def layout_report(page) -> dict:
    """What a citizen sees of the board: card or table, cut-off cells, chart text sizes, heatmap order."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const visible = el => el.getBoundingClientRect().width > 0;
        const table = document.querySelector('.board-table');
        const rows = [...table.querySelectorAll('tbody tr')];
        const cut = [...table.querySelectorAll('td, th')].filter(c => visible(c)).filter(c => {
            const box = c.getBoundingClientRect();
            return box.right > width + 1 || box.left < -1;
        }).map(c => c.textContent.trim());
        const scroll = table.closest('.table-scroll');
        const sizes = [], clipped = [];
        for (const svg of document.querySelectorAll('svg.ci-chart, svg.heatmap')) {
            if (!visible(svg)) { continue; }
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            const edge = svg.getBoundingClientRect();
            for (const text of svg.querySelectorAll('text')) {
                sizes.push(parseFloat(text.getAttribute('font-size')) * scale);
                const box = text.getBoundingClientRect();
                if (box.left < edge.left - 1 || box.right > edge.right + 1 || text.textContent.includes('…')) {
                    clipped.push(text.textContent);
                }
            }
        }
        const heat = [...document.querySelectorAll('svg.heatmap')].find(visible);
        const rowLabels = heat ? [...heat.querySelectorAll('text[text-anchor="end"]')].map(t => t.textContent) : [];
        const legend = [...document.querySelectorAll('.heatmap-legend li')].map(li => li.textContent.trim());
        return {
            cards: rows.length > 0 && getComputedStyle(rows[0]).display === 'grid',
            cut, scrolls: scroll ? scroll.scrollWidth > scroll.clientWidth + 1 : false,
            minFont: sizes.length ? Math.min(...sizes) : null, clipped,
            tableOrder: rows.map(r => r.querySelector('th').firstChild.textContent.trim()),
            rowLabels, legend, legendShown: !!document.querySelector('.heatmap-legend') &&
                visible(document.querySelector('.heatmap-legend')),
        };
    }""")


def shoot(page, name: str) -> None:
    """The whole page, and its table and charts one by one (at full size, to look at closely)."""
    page.screenshot(path=str(artifact_path(f"{name}.png")), full_page=True)
    page.locator(".board-table").first.screenshot(path=str(artifact_path(f"{name}-table.png")))
    for i, figure in enumerate(page.locator("figure.chart").all()):
        figure.screenshot(path=str(artifact_path(f"{name}-chart{i + 1}.png")))


def check_board(page, tag: str, name: str) -> dict:
    report = layout_report(page)
    phone = tag == "phone"
    assert report["cards"] is phone  # a card per model on a phone, a table on a desktop
    assert report["cut"] == [] and report["scrolls"] is False  # the win rate (or anything) is never cut off
    assert report["clipped"] == []
    if report["minFont"] is not None:
        assert report["minFont"] >= 11
    if report["rowLabels"]:
        n = len(report["tableOrder"])
        if phone:
            assert report["rowLabels"] == [str(i + 1) for i in range(n)] and report["legendShown"]
            names = report["legend"]
        else:
            names = [label.split(". ", 1)[1] for label in report["rowLabels"]]
        assert names == report["tableOrder"][:len(names)]  # row 1 of the heatmap is rank 1 of the table
    assert axe_violations(page) == []
    shoot(page, f"board-{name}-{tag}")
    return report


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_board_with_too_few_votes_says_so_on_phone_and_desktop(browser, live, viewport):
    need(AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)")
    votes = seed_votes(live, voters=3, per_voter=4)
    tag = "phone" if viewport is PHONE else "desktop"
    context = browser.new_context(viewport=viewport, locale="ko-KR", bypass_csp=True)
    page = context.new_page()
    open_board(page, live.url + BOARD, votes)
    report = check_board(page, tag, "too-few")
    assert report["minFont"] is None or page.locator("svg.ci-chart").count() == 0  # no chart to misread
    assert page.locator(".board-table .withheld:visible").count() == 2 * len(report["tableOrder"])
    assert page.get_by_text("아직 어느 모델도 순위를 매길 만큼").is_visible()
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_ranked_board_reads_well_on_phone_and_desktop(browser, live, viewport):
    need(AXE.exists(), f"{AXE} is missing: run `npm ci` (make test does)")
    votes = seed_votes(live, voters=24, per_voter=10)
    tag = "phone" if viewport is PHONE else "desktop"
    context = browser.new_context(viewport=viewport, locale="ko-KR", bypass_csp=True)
    page = context.new_page()
    open_board(page, live.url + BOARD, votes)
    report = check_board(page, tag, "normal")
    assert report["minFont"] >= 11 and len(report["rowLabels"]) == 4
    assert page.locator("svg.ci-chart:visible").count() == 1
    page.goto(live.url + BOARD + "&lang=en")
    check_board(page, tag, "normal-en")
    context.close()


def test_the_language_toggle_keeps_the_boards_filters(browser, live):
    votes = seed_votes(live, voters=6, per_voter=5)
    context = browser.new_context(viewport=PHONE, locale="ko-KR")
    page = context.new_page()
    open_board(page, live.url + BOARD, votes)
    page.select_option("#board-category", "coding")
    page.select_option("#board-prompt-lang", "ko")
    with page.expect_navigation():
        page.locator(".board-filter button[type=submit]").click()
    with page.expect_navigation():
        page.locator('a[lang="en"]').click()
    assert "category=coding" in page.url and "prompt_lang=ko" in page.url and "lang=en" in page.url
    assert page.locator("#board-category").input_value() == "coding"
    assert page.locator("#board-prompt-lang").input_value() == "ko"
    assert page.locator(".round-title").inner_text().startswith("2026 H2 public contest (demo)")
    assert page.locator("h1").inner_text() == "Leaderboard"
    with page.expect_navigation():
        page.locator('a[lang="ko"]').click()
    assert page.locator("#board-category").input_value() == "coding"
    assert page.locator(".round-title").inner_text().startswith("2026년 하반기 공개 경연 (데모)")
    context.close()
