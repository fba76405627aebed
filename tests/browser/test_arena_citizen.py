"""The battle page as a citizen meets it (issue 12): failed votes and their cure, errors in view, what screen
readers hear, the reveal, the phone's vote bar, code answers, sharing, dark mode; at 390x844 and 1280x800."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.db import new_session
from contest.models import BankAnswer, Model
from tests.browser.conftest import DESKTOP, PHONE, log_in, run_battle
from tests.browser.test_arena_browser import axe_violations
from tests.builders import artifact_path

pytestmark = pytest.mark.browser
SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
READY = 'button.vote[data-winner="a"]:not([disabled])'
LONG_LINE = "print('" + "가나다라마바사아자차카타파하" * 12 + "')"
CODE_ANSWER = ("다음 코드를 보세요.\n\n```python\ndef greet(name):\n    # 인사말\n    return f\"안녕하세요, {name}님\"\n"
               + LONG_LINE + "\n```\n\n" + "\n\n".join(f"{i}번째 문단: 수면 습관은 꾸준함이 중요합니다. " * 3 for i in range(25)))


def name(viewport) -> str:
    return "phone" if viewport == PHONE else "desktop"


def long_answers(live, prompt_id: str = "p001") -> None:
    """Every model answers `prompt_id` at length, with a code block and a long line."""
    with live.app.app_context(), new_session() as session:
        for answer in session.scalars(select(BankAnswer).where(BankAnswer.prompt_id == prompt_id)):
            answer.text = CODE_ANSWER
        session.commit()


def model_names(live) -> list[str]:
    with live.app.app_context(), new_session() as session:
        return [m.display_name for m in session.scalars(select(Model))]


def in_view(page, selector: str) -> bool:
    """The element's box lies inside the viewport and nothing covers its centre."""
    return page.evaluate("""(sel) => {
        const node = document.querySelector(sel);
        if (!node) return false;
        const r = node.getBoundingClientRect();
        if (r.height === 0 || r.top < 0 || r.bottom > innerHeight || r.left < 0 || r.right > innerWidth) return false;
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return node === hit || node.contains(hit);
    }""", selector)


def vote_buttons_enabled(page) -> bool:
    return all(page.locator("button.vote").nth(i).is_enabled() for i in range(4))


def citizen(browser, live, viewport, subject: str, battle: bool = True, prompt_id: str | None = None, **options):
    """A logged-in citizen's (context, page), on a battle whose answers are complete unless `battle` is False."""
    context = browser.new_context(viewport=viewport, **{"locale": "ko-KR", **options})
    page = context.new_page()
    log_in(page, live.url, subject=subject)
    if battle:
        run_battle(page, prompt_id)
    return context, page


def share_link(page) -> str:
    """Make the voted battle's share link from its page and return it."""
    page.locator("#share-create").click()
    page.wait_for_selector("#share-link:not([hidden])")
    return page.locator("#share-url").input_value()


def live_models(live, llm, model: str) -> None:
    """Every model answers from the loopback LLM (`model` picks its behaviour); the demo round then takes
    free prompts, as its terms say once changed (a new protocol version)."""
    from app.db import utcnow
    from contest.demo import DEMO_ROUND_ID
    from contest.rounds import change_protocol

    with live.app.app_context(), new_session() as session:
        for row in session.scalars(select(Model)):
            row.backend = {"kind": "openai", "base_url": llm.url, "model": model}
        change_protocol(session, "cli:test", DEMO_ROUND_ID, "live models in this test", {"free_prompts": True},
                        utcnow())
        session.commit()


def close_round(live) -> None:
    """The demo round stops taking votes: its bank answers can no longer be shown to a voter."""
    from contest.demo import DEMO_ROUND_ID
    from contest.models import Round

    with live.app.app_context(), new_session() as session:
        session.get(Round, DEMO_ROUND_ID).status = "closed"
        session.commit()


def vote(page, winner: str) -> None:
    """Click a vote button and wait for the reveal."""
    page.locator(f'button.vote[data-winner="{winner}"]').click()
    page.wait_for_selector("#reveal:not([hidden])")


@pytest.mark.parametrize("viewport", SIZES)
def test_a_vote_refused_for_an_ended_login_leaves_the_buttons_working_and_links_to_login(browser, live, viewport):
    subject = f"citizen-expired-{name(viewport)}"
    context, page = citizen(browser, live, viewport, subject)
    battle_path = page.url.removeprefix(live.url)
    context.clear_cookies()  # the session ended elsewhere (logged out in another tab, expired)
    with page.expect_response(lambda r: r.url.endswith("/vote")) as refused:
        page.locator('button.vote[data-winner="a"]').click()
    assert refused.value.status == 401
    page.wait_for_selector("#vote-error a")
    assert vote_buttons_enabled(page)
    assert "로그인이 끝났습니다" in page.locator("#vote-error").inner_text()
    assert in_view(page, "#vote-error")
    link = page.locator("#vote-error a").get_attribute("href")
    assert link == "/login?next=" + battle_path.replace("/", "%2F")
    page.screenshot(path=str(artifact_path(f"arena-error-{name(viewport)}.png")))
    page.locator("#vote-error a").click()
    page.wait_for_url(re.compile(r".*/login\?next="))
    log_in(page, live.url, subject=subject, next_path=battle_path)  # the link's way back: the same battle
    page.wait_for_selector(READY)
    vote(page, "b")
    context.close()


def void_battle(live, battle_id: str) -> None:
    """The battle is voided behind the page's back (a model failed, a moderator acted)."""
    from contest.models import Battle

    with live.app.app_context(), new_session() as session:
        session.get(Battle, battle_id).status = "voided"
        session.commit()


def refused_for_good(page, winner: str, code: str) -> str:
    """Vote, expect a refusal the battle cannot recover from; the buttons stay off, the error offers the next
    step and has the focus; returns the error's text."""
    with page.expect_response(lambda r: r.url.endswith("/vote")) as refused:
        page.locator(f'button.vote[data-winner="{winner}"]').click()
    assert (refused.value.status, refused.value.json()["error"]["code"]) == (409, code)
    page.wait_for_selector("#vote-error a")
    assert not any(page.locator("button.vote").nth(i).is_enabled() for i in range(4))
    assert page.locator("#followup-form").is_hidden()
    assert page.evaluate("document.activeElement.matches('#vote-error a')") and in_view(page, "#vote-error a")
    return page.locator("#vote-error").inner_text()


@pytest.mark.parametrize("viewport", SIZES)
def test_a_vote_that_can_never_be_taken_says_so_and_offers_the_next_step(browser, live, viewport):
    context, page = citizen(browser, live, viewport, f"citizen-final-{name(viewport)}", bypass_csp=True)
    void_battle(live, page.url.rsplit("/", 1)[1])
    text = refused_for_good(page, "a", "battle_voided")
    assert "무효 처리된 대결이라 투표할 수 없습니다" in text and "새 대결 시작" in text  # a round is open: a new battle
    page.screenshot(path=str(artifact_path(f"arena-error-final-{name(viewport)}.png")), full_page=True)
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.locator("#vote-error a").click()
    assert page.url == live.url + "/arena" and page.locator("#start").is_visible()
    run_battle(page)
    close_round(live)
    text = refused_for_good(page, "b", "round_closed")
    assert "경연 기간이 끝나 투표할 수 없습니다" in text and "순위표" in text  # no round open: the board
    with page.expect_navigation():
        page.locator("#vote-error a").click()
    assert "/leaderboard" in page.url and page.locator("h1").count() == 1
    context.close()


def test_a_follow_up_refused_for_good_offers_the_next_step_too(browser, live):
    """The round closes while the citizen reads: the follow-up is refused (round_closed) and the page says so
    where the answer would have come, with the board as the way forward; nothing offers a vote any more."""
    from tests.contest.llm_server import LoopbackLLM

    with LoopbackLLM() as llm:
        live_models(live, llm, "steady")
        context, page = citizen(browser, live, DESKTOP, "citizen-final-followup", battle=False)
        page.fill("#free-prompt", "서울의 봄 날씨는?")
        page.locator("#free-form button[type=submit]").click()
        page.wait_for_selector(READY, timeout=15_000)
        close_round(live)
        page.fill("#followup-prompt", "더 자세히")
        with page.expect_response(lambda r: r.url.endswith("/turns")) as refused:
            page.locator("#followup-form button[type=submit]").click()
        assert (refused.value.status, refused.value.json()["error"]["code"]) == (409, "round_closed")
        page.wait_for_selector("#status a")
        assert page.locator("#status a").inner_text() == "순위표" and page.locator("#status a").get_attribute(
            "href") == "/leaderboard"
        assert page.evaluate("document.activeElement.matches('#status a')")
        assert not any(page.locator("button.vote").nth(i).is_enabled() for i in range(4))
        assert page.locator("#followup-form").is_hidden()
        context.close()


def test_an_expired_csrf_token_is_renewed_and_the_vote_goes_through(browser, live):
    context, page = citizen(browser, live, PHONE, "citizen-csrf")
    page.evaluate("document.querySelector('meta[name=csrf-token]').content = 'expired-token'")
    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if r.url.endswith("/vote") else None)
    page.locator('button.vote[data-winner="tie"]').click()
    page.wait_for_selector("#reveal:not([hidden])", timeout=5_000)
    assert statuses == [400, 200]  # refused once for the stale token, then sent again with a fresh one
    context.close()


def test_a_stale_token_is_not_renewed_as_another_account_logged_in_meanwhile(browser, live):
    """Another tab logged in as someone else: renewing the token would send this page's vote as them."""
    context, page = citizen(browser, live, PHONE, "citizen-first")
    other = context.new_page()
    log_in(other, live.url, subject="citizen-second")  # the context's session is now the second account
    page.evaluate("document.querySelector('meta[name=csrf-token]').content = 'expired-token'")
    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if r.url.endswith("/vote") else None)
    page.locator('button.vote[data-winner="tie"]').click()
    page.wait_for_selector("#vote-error:not(:empty)", timeout=5_000)
    assert statuses == [400] and page.locator("#reveal").is_hidden()  # refused, and not sent again
    context.close()


@pytest.mark.parametrize("viewport", SIZES)
def test_a_rate_limited_vote_says_how_long_to_wait_and_stays_votable(browser, live, viewport):
    live.app.config["LIMIT_VOTE_ACCOUNT"] = "1 per minute"
    context, page = citizen(browser, live, viewport, f"citizen-limited-{name(viewport)}")
    page.keyboard.press("1")
    page.wait_for_selector("#reveal:not([hidden])")
    page.goto(live.url + "/arena")
    run_battle(page)
    with page.expect_response(lambda r: r.url.endswith("/vote")) as refused:
        page.keyboard.press("2")
    wait = int(refused.value.headers["retry-after"])
    assert refused.value.status == 429 and wait > 0
    page.wait_for_selector("#vote-error:not(:empty)")
    assert f"{wait}초 뒤에 다시 시도해 주세요" in page.locator("#vote-error").inner_text()
    assert vote_buttons_enabled(page) and in_view(page, "#vote-error")
    context.close()


@pytest.mark.parametrize("viewport", SIZES)
def test_a_refused_battle_start_is_explained_next_to_the_button_used_and_in_view(browser, live, viewport):
    live.app.config["LIMIT_BATTLE_ACCOUNT"] = "1 per minute"
    context, page = citizen(browser, live, viewport, f"citizen-start-{name(viewport)}")
    page.goto(live.url + "/arena")
    last = page.locator("#prompt-list li:not([hidden]) button.prompt-choice").last
    with page.expect_response(lambda r: r.url.endswith("/api/battles")) as refused:
        last.click()
    assert refused.value.status == 429
    wait = refused.value.headers["retry-after"]
    page.wait_for_selector("#start-error:not(:empty)")
    assert f"{wait}초 뒤에" in page.locator("#start-error").inner_text()
    assert in_view(page, "#start-error")
    button_box, error_box = last.bounding_box(), page.locator("#start-error").bounding_box()
    assert 0 <= error_box["y"] - (button_box["y"] + button_box["height"]) < 48  # right under the button used
    context.close()


@pytest.mark.parametrize("viewport", SIZES)
def test_screen_readers_hear_when_voting_opens_focus_follows_and_names_carry_no_digit(browser, live, viewport):
    context, page = citizen(browser, live, viewport, f"citizen-sr-{name(viewport)}", battle=False)
    page.locator("#prompt-list li:not([hidden]) button.prompt-choice").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(READY, timeout=15_000)
    focused = page.evaluate("document.activeElement.closest('#battle') !== null && document.activeElement.className")
    assert focused == "turn-prompt"  # not dropped to the page body: the question just asked
    status = page.locator("#status")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    assert status.inner_text() == "두 답변이 모두 끝났습니다. 이제 투표할 수 있습니다."
    for label, key in (("A가 더 낫다", "1"), ("B가 더 낫다", "2"), ("무승부", "3"), ("둘 다 나쁨", "4")):
        button = page.get_by_role("button", name=label, exact=True)
        assert button.count() == 1 and button.get_attribute("aria-keyshortcuts") == key
    context.close()


@pytest.mark.parametrize("viewport", SIZES)
def test_the_reveal_names_the_cards_echoes_the_choice_and_reads_the_same_after_a_reload(browser, live, viewport):
    context, page = citizen(browser, live, viewport, f"citizen-reveal-{name(viewport)}")
    before = page.content()
    assert page.locator(".answer-model").count() == 0
    assert not any(n in before for n in model_names(live))  # blind until the vote
    page.screenshot(path=str(artifact_path(f"arena-complete-{name(viewport)}.png")), full_page=True)
    with page.expect_response(lambda r: r.url.endswith("/vote")) as voted:
        page.locator('button.vote[data-winner="b"]').click()
    models = voted.value.json()["models"]
    page.wait_for_selector("#reveal:not([hidden])")
    shown = {"reveal": page.locator("#reveal-list").inner_text(), "choice": page.locator("#reveal-choice").inner_text(),
             "note": page.locator("#reveal-note").inner_text(),
             "cards": page.locator(".answer-model").all_inner_texts()}
    assert shown["cards"] == [f"{models[s]['name']} ({models[s]['team']})" for s in ("a", "b")]
    assert shown["choice"] == "내 선택: B가 더 낫다"
    page.screenshot(path=str(artifact_path(f"arena-revealed-{name(viewport)}.png")), full_page=True)
    page.reload()
    again = {"reveal": page.locator("#reveal-list").inner_text(), "choice": page.locator("#reveal-choice").inner_text(),
             "note": page.locator("#reveal-note").inner_text(),
             "cards": page.locator(".answer-model").all_inner_texts()}
    assert again == shown
    context.close()


def test_on_a_phone_the_vote_bar_is_reachable_without_scrolling_past_long_answers(browser, live):
    long_answers(live)
    context = browser.new_context(viewport=PHONE, locale="ko-KR", has_touch=True, is_mobile=True)
    page = context.new_page()
    log_in(page, live.url, subject="citizen-sticky")
    page.locator('button.prompt-choice[data-prompt-id="p001"]').click()
    # Not offered while answers stream in. Whether the answers are done is read in the same step, since a fast
    # stream may finish before the check (the check alone once failed that way).
    done, shown = page.evaluate("""(ready) => [document.querySelector(ready) !== null, (() => {
        const node = document.querySelector('button.vote[data-winner="a"]');
        const r = node ? node.getBoundingClientRect() : null;
        if (!r || r.height === 0 || r.top < 0 || r.bottom > innerHeight) return false;
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return node === hit || node.contains(hit);
    })()]""", READY)
    assert done or not shown
    page.wait_for_selector(READY, timeout=15_000)
    page.evaluate("document.querySelector('.turn').scrollIntoView()")  # reading the top of the answers
    for winner in ("a", "b", "tie", "bothbad"):
        assert in_view(page, f'button.vote[data-winner="{winner}"]'), winner
    assert not page.locator("kbd.key-hint").first.is_visible()  # no number keys on a touch screen
    assert not page.locator("#vote-help .key-hint").is_visible()
    page.screenshot(path=str(artifact_path("arena-sticky-phone.png")))
    page.locator('button.vote[data-winner="a"]').tap()
    page.wait_for_selector("#reveal:not([hidden])")
    context.close()


def test_on_a_desktop_the_key_hints_show(browser, live):
    context, page = citizen(browser, live, DESKTOP, "citizen-keys")
    assert page.locator("kbd.key-hint").first.is_visible() and page.locator("#vote-help .key-hint").is_visible()
    context.close()


@pytest.mark.parametrize("viewport", SIZES)
def test_code_answers_are_highlighted_copyable_and_long_lines_scroll(browser, live, viewport):
    long_answers(live)
    context, page = citizen(browser, live, viewport, f"citizen-code-{name(viewport)}", prompt_id="p001",
                            permissions=["clipboard-read", "clipboard-write"])
    pre = page.locator(".answer-body pre").first
    assert pre.locator("span.k").first.inner_text() == "def"  # highlighted on the server
    assert page.evaluate("getComputedStyle(document.querySelector('.answer-body pre span.k')).color") != \
        page.evaluate("getComputedStyle(document.querySelector('.answer-body pre')).color")
    page.locator(".copy-code").first.click()
    page.wait_for_selector(".copy-status:not(:empty)")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("def greet(name):") and LONG_LINE in copied
    sizes = pre.evaluate("p => ({scroll: p.scrollWidth, client: p.clientWidth, tab: p.tabIndex,"
                         " page: document.documentElement.scrollWidth, overflow: getComputedStyle(p).overflowX})")
    assert sizes["scroll"] > sizes["client"] and sizes["overflow"] in ("auto", "scroll")  # scrolls, never clipped
    assert sizes["page"] <= viewport["width"] and sizes["tab"] == 0  # the page does not; keys can scroll it
    before = pre.evaluate("p => p.scrollLeft")
    pre.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("p => p.scrollLeft > 0", arg=pre.element_handle())
    assert before == 0
    page.screenshot(path=str(artifact_path(f"arena-code-{name(viewport)}.png")))
    context.close()


@pytest.mark.parametrize("viewport", SIZES)
def test_share_a_voted_battle_open_it_without_login_and_revoke_it(browser, live, viewport):
    context, page = citizen(browser, live, viewport, f"citizen-share-{name(viewport)}")
    assert page.locator("#share").is_hidden()  # nothing to share before the vote
    vote(page, "a")
    me = page.evaluate("fetch('/api/me').then(r => r.json())")
    url = share_link(page)
    assert page.locator("#share-create").is_hidden() and page.locator("#share-revoke").is_visible()
    assert re.fullmatch(re.escape(live.url) + r"/s/[A-Za-z0-9_-]{43}", url)
    reveal = page.locator("#reveal-list").inner_text()
    prompt = page.locator(".prompt-text").first.inner_text()

    assert "경연이 끝난 뒤" in page.locator("#share-help").inner_text()  # a bank round: said before sharing

    stranger = browser.new_context(viewport=viewport, locale="ko-KR")
    view = stranger.new_page()
    assert view.goto(url).status == 200
    early = view.locator("main").inner_text()
    assert "경연이 끝난 뒤" in early and prompt not in early and not any(n in view.content() for n in model_names(live))
    close_round(live)
    assert view.goto(url).status == 200
    text = view.locator("main").inner_text()
    assert prompt in text and all(line in text for line in reveal.splitlines())
    assert "공유한 참여자의 선택: A가 더 낫다" in text
    assert me["display_name"] not in view.content()
    view.screenshot(path=str(artifact_path(f"shared-battle-{name(viewport)}.png")), full_page=True)

    page.locator("#share-revoke").click()
    page.wait_for_selector("#share-link[hidden]", state="attached")
    assert "공유를 중지했습니다" in page.locator("#share-status").inner_text()
    assert page.locator("#share-create").is_visible() and page.locator("#share-url").is_hidden()
    assert view.goto(url).status == 404
    stranger.close()
    context.close()


@pytest.mark.parametrize("viewport", SIZES)
def test_dark_mode_and_reduced_motion_keep_every_page_accessible(browser, live, viewport):
    long_answers(live)
    context = browser.new_context(viewport=viewport, color_scheme="dark", reduced_motion="reduce", bypass_csp=True)
    page = context.new_page()
    found = {}
    page.goto(live.url + "/")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(17, 19, 23)"
    found["home"] = axe_violations(page)
    page.screenshot(path=str(artifact_path(f"dark-home-{name(viewport)}.png")), full_page=True)
    log_in(page, live.url, subject=f"citizen-dark-{name(viewport)}")
    run_battle(page, "p001")
    assert page.evaluate("getComputedStyle(document.querySelector('button.vote')).transitionDuration") in ("1e-05s", "0s")
    found["answers"] = axe_violations(page)
    vote(page, "bothbad")
    shared = share_link(page)
    found["reveal"] = axe_violations(page)
    page.screenshot(path=str(artifact_path(f"dark-arena-revealed-{name(viewport)}.png")), full_page=True)
    page.goto(shared)
    found["shared-later"] = axe_violations(page)
    close_round(live)
    page.goto(shared)
    found["shared"] = axe_violations(page)
    context.close()
    assert found == {"home": [], "answers": [], "reveal": [], "shared-later": [], "shared": []}


@pytest.mark.parametrize("viewport", SIZES)
def test_light_mode_code_error_and_shared_pages_are_accessible(browser, live, viewport):
    long_answers(live)
    live.app.config["LIMIT_VOTE_ACCOUNT"] = "1 per minute"
    context, page = citizen(browser, live, viewport, f"citizen-axe2-{name(viewport)}", prompt_id="p001",
                            bypass_csp=True, locale="ko-KR")
    found = {}
    found["code"] = axe_violations(page)
    page.keyboard.press("3")
    page.wait_for_selector("#reveal:not([hidden])")
    shared = share_link(page)
    found["reveal"] = axe_violations(page)
    page.goto(live.url + "/arena")
    run_battle(page)
    page.keyboard.press("1")
    page.wait_for_selector("#vote-error:not(:empty)")
    found["error"] = axe_violations(page)
    close_round(live)
    page.goto(shared)
    found["shared"] = axe_violations(page)
    context.close()
    assert found == {"code": [], "reveal": [], "error": [], "shared": []}


def test_keyboard_only_battle_vote_and_share(browser, live):
    context, page = citizen(browser, live, DESKTOP, "citizen-keyboard", battle=False)

    def tab_to(selector: str, limit: int = 60) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("(sel) => document.activeElement.matches(sel)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("button.prompt-choice")
    page.keyboard.press("Enter")
    page.wait_for_selector(READY, timeout=15_000)
    tab_to('button.vote[data-winner="b"]')
    page.keyboard.press("Enter")
    page.wait_for_selector("#reveal:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "reveal-heading"
    tab_to("#share-create")
    page.keyboard.press("Enter")
    page.wait_for_selector("#share-link:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "share-url"
    tab_to("#share-revoke")
    page.keyboard.press("Enter")
    page.wait_for_selector("#share-create:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "share-create"
    context.close()


@pytest.mark.parametrize("viewport", SIZES)
def test_home_and_a_streaming_battle_offer_nothing_early(browser, live, viewport):
    """Screenshots of home and of answers still streaming; voting opens only once both are complete."""
    from tests.contest.llm_server import LoopbackLLM

    context = browser.new_context(viewport=viewport, locale="ko-KR", bypass_csp=True)  # lets the test inject axe
    page = context.new_page()
    page.goto(live.url + "/")
    assert "준비된 질문 가운데 하나를 골라" in page.locator("#round-allows").inner_text()
    page.screenshot(path=str(artifact_path(f"home-{name(viewport)}.png")), full_page=True)
    with LoopbackLLM() as llm:
        llm.pacing["slow"] = (80, 0.1)
        live_models(live, llm, "paced@slow")
        log_in(page, live.url, subject=f"citizen-stream-{name(viewport)}")
        assert "직접 질문을 쓸 수 있고" in page.locator("#round-allows").inner_text()
        page.fill("#free-prompt", "부산에서 하루 여행 코스를 짜 주세요.")
        page.locator("#free-form button[type=submit]").click()
        # Both answers are held until both are complete (contest/streaming.py): the page waits, blind.
        page.wait_for_function("() => document.querySelectorAll('.answer-body.streaming').length === 2")
        assert not vote_buttons_enabled(page) and page.locator("#status").inner_text() == "답변을 기다리는 중…"
        assert not page.evaluate("document.getElementById('votes').classList.contains('ready')")
        page.screenshot(path=str(artifact_path(f"arena-streaming-{name(viewport)}.png")), full_page=True)
        streaming = axe_violations(page)
        page.wait_for_selector(READY, timeout=20_000)
        assert not any(n in page.content() for n in model_names(live))
    context.close()
    assert streaming == []


@pytest.mark.parametrize("viewport", SIZES)
def test_dark_mode_keeps_the_other_public_pages_readable(browser, live, viewport):
    """app.css themes every page: the pages other packages own must stay AA in dark mode too."""
    context = browser.new_context(viewport=viewport, color_scheme="dark", bypass_csp=True)
    page = context.new_page()
    found = {}
    for path in ("/leaderboard", "/snapshots", "/methodology", "/login", "/s/no-such-link"):
        page.goto(live.url + path)
        found[path] = axe_violations(page)
    log_in(page, live.url, subject=f"citizen-dark-pages-{name(viewport)}", next_path="/account")
    found["/account"] = axe_violations(page)
    page.screenshot(path=str(artifact_path(f"dark-account-{name(viewport)}.png")), full_page=True)
    context.close()
    assert found == {path: [] for path in found}


def test_a_battle_start_that_never_reaches_the_server_is_explained_at_the_button(browser, live):
    context, page = citizen(browser, live, PHONE, "citizen-offline", battle=False)
    page.route("**/api/battles", lambda route: route.abort())  # the network drops the request
    button = page.locator("#prompt-list li:not([hidden]) button.prompt-choice").last
    button.click()
    page.wait_for_selector("#start-error:not(:empty)")
    assert page.locator("#start-error").inner_text() == "요청을 처리하지 못했습니다."
    assert in_view(page, "#start-error") and page.locator("#start").is_visible()
    page.unroute("**/api/battles")
    button.click()  # trying again works
    page.wait_for_selector(READY, timeout=15_000)
    context.close()
