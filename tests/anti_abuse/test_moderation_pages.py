"""The moderators' pages, the flag control, "my votes" and the public exclusion statistics, as HTML.

Real app, real database, real votes cast through the API; moderation actions through the service the
API uses. The browser test (tests/browser/test_moderation_browser.py) drives the same pages for real.
"""
from __future__ import annotations

import json
import re

import pytest

from anti_abuse import moderation
from app.db import utcnow
from tests.builders import make_battle, make_round, make_user


@pytest.fixture
def app(any_db_url, make_app):
    """Every page test on SQLite and on PostgreSQL (the queue's ordering and the name look-ups are SQL)."""
    return make_app(any_db_url)


@pytest.fixture
def contest(db):
    """A round, a citizen with a voted battle and an unvoted one, a moderator and a ministry account."""
    round_ = make_round(db, "r-pages")
    citizen = make_user(db, "투표한시민")
    voted = make_battle(db, citizen, round_, 0, 1)
    unvoted = make_battle(db, citizen, round_, 1, 2)
    mod = make_user(db, "검토자", roles=("moderator",))
    ministry = make_user(db, "부처담당", roles=("ministry",))
    db.commit()
    return {"round": round_, "citizen": citizen, "voted": voted, "unvoted": unvoted, "mod": mod,
            "ministry": ministry}


def vote_and_flag(client, login, contest, reason: str = "identity_leak") -> int:
    """The citizen votes on one battle and flags it (both through the API); returns the flag id."""
    login.as_user(contest["citizen"])
    assert client.post(f"/api/battles/{contest['voted'].id}/vote", json={"winner": "a"}).status_code == 200
    resp = client.post("/api/flags", json={"battle_id": contest["voted"].id, "reason": reason, "note": "이름이 나왔어요"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.get_json()["flag_id"]


def text_of(resp) -> str:
    return resp.get_data(as_text=True)


def test_queue_page_is_for_moderators_and_the_ministry_only(client, login, contest):
    assert client.get("/moderation").status_code == 302
    assert "/login" in client.get("/moderation").headers["Location"]
    login.as_user(contest["citizen"])
    assert client.get("/moderation").status_code == 403
    assert client.get("/moderation/audit").status_code == 403
    login.as_user(contest["mod"])
    assert client.get("/moderation").status_code == 200
    assert client.get("/moderation/audit").status_code == 200
    login.as_user(contest["ministry"])
    assert client.get("/moderation").status_code == 200


def test_queue_shows_the_flag_with_its_evidence_and_action_forms(client, login, contest):
    flag_id = vote_and_flag(client, login, contest)
    login.as_user(contest["mod"])
    page = text_of(client.get("/moderation"))
    item = page[page.index(f'id="item-{flag_id}"'):]
    assert "시민 신고" in item and "모델이나 개발사 이름이 드러남" in item and "이름이 나왔어요" in item
    assert "안녕하세요" in item and "A 답변" in item and "B 답변" in item  # the prompt and both answers
    assert "Model 0 1" in item and "Model 1 1" in item  # voted: staff see the models
    assert "투표한시민" in item and "투표 1건 중 제외 0건" in item
    options = dict(re.findall(r'data-action="(\w+)" data-target="([^"]+)"', item[:item.index("</form>")]))
    assert json.loads(options["void_votes"].replace("&#34;", '"')) in ({"flag_id": flag_id},
                                                                      {"user_id": contest["citizen"].id})
    assert {"void_votes", "restore_votes", "suspend_user", "dismiss_flag"} <= set(options)
    assert 'name="reason"' in item and "required" in item


def test_an_unvoted_battle_keeps_its_models_hidden_in_the_queue(client, login, contest, db):
    login.as_user(contest["citizen"])
    resp = client.post("/api/flags", json={"battle_id": contest["unvoted"].id, "reason": "harmful"})
    assert resp.status_code == 201
    login.as_user(contest["mod"])
    page = text_of(client.get("/moderation"))
    item = page[page.index(f'id="item-{resp.get_json()["flag_id"]}"'):]
    assert "아직 투표 전인 대결이라 모델을 공개하지 않습니다." in item
    assert "Model 1 1" not in item and "Model 2 1" not in item


def test_an_action_moves_the_item_out_of_the_open_queue_and_into_the_audit_page(client, login, contest, db):
    flag_id = vote_and_flag(client, login, contest)
    result = moderation.act(db, db.merge(contest["mod"]), "void_votes", {"flag_id": flag_id}, "모델명 노출 확인",
                            utcnow())
    db.commit()
    login.as_user(contest["mod"])
    assert f'id="item-{flag_id}"' not in text_of(client.get("/moderation"))
    actioned = text_of(client.get("/moderation?status=actioned"))
    assert f'id="item-{flag_id}"' in actioned and "운영진 검토" in actioned  # the vote now shows why it is out
    assert 'value="void_item"' not in actioned  # a resolved item cannot be voided again; restoring can
    assert 'value="restore_item"' in actioned
    audit = text_of(client.get("/moderation/audit"))
    assert f'id="entry-{result.action_id}"' in audit
    entry = audit[audit.index(f'id="entry-{result.action_id}"'):]
    assert "투표 무효화" in entry and "moderation.void_votes" in entry and "모델명 노출 확인" in entry
    assert f"검토자 <span class=\"mono\">(user:{contest['mod'].id})</span>" in entry  # who, by name
    # The notice after an action names the audit entry.
    done = text_of(client.get(f"/moderation?done={result.action_id}&n=1"))
    assert f"조치했습니다 (기록 #{result.action_id}, 투표 1건 변경)." in done


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_moderation_pages_name_models_as_the_reveal_does(client, login, contest, db, lang):
    """The queue (page and API) and "my votes" name a voted battle's models exactly as the citizen's reveal does
    (contest.reveal: the vote response, the reloaded battle page and a shared battle), in the page's language."""
    from contest.reveal import revealed_battle

    login.as_user(contest["citizen"])
    voted = client.post(f"/api/battles/{contest['voted'].id}/vote?lang={lang}", json={"winner": "a"}).get_json()
    assert voted["models"] == revealed_battle(db.merge(contest["voted"]), lang)
    mine = client.get(f"/api/me/votes?lang={lang}").get_json()["votes"][0]["models"]
    assert client.post("/api/flags", json={"battle_id": contest["voted"].id, "reason": "other"}).status_code == 201
    login.as_user(contest["mod"])
    item = client.get(f"/api/moderation/queue?lang={lang}").get_json()["items"][0]
    page = text_of(client.get(f"/moderation?lang={lang}"))
    for side in ("a", "b"):
        want = voted["models"][side]
        for shown in (mine[side], item["battle"]["models"][side], item["votes"][0]["models"][side]):
            assert (shown["name"], shown["team"]) == (want["name"], want["team"])
        assert f'{side.upper()} · {want["name"]}<span class="team">{want["team"]}</span>' in page


def test_the_audit_page_is_read_only(client, login, contest):
    login.as_user(contest["mod"])
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/moderation/audit").status_code == 405
    assert "<form" not in text_of(client.get("/moderation/audit")).split('<main id="main"')[1].split("</main>")[0] \
        .replace('<form method="post" action="/logout"', "")


def test_queue_filters_and_cursor_refuse_nothing_strange(client, login, contest):
    flag_id = vote_and_flag(client, login, contest)
    login.as_user(contest["mod"])
    assert f'id="item-{flag_id}"' in text_of(client.get("/moderation?status=nonsense&source=<x>"))  # falls back
    assert f'id="item-{flag_id}"' not in text_of(client.get("/moderation?source=detector"))
    assert client.get("/moderation?before=99999999").status_code == 404  # an unknown cursor
    assert client.get("/moderation?before=-1&done=x").status_code == 200  # malformed: ignored


def test_english_pages(client, login, contest):
    vote_and_flag(client, login, contest)
    login.as_user(contest["mod"])
    page = text_of(client.get("/moderation?lang=en"))
    assert "Review queue" in page and "Citizen flag" in page and "Names a model or its maker" in page
    assert "Action log" in text_of(client.get("/moderation/audit?lang=en"))


def test_the_battle_page_offers_the_flag_control(client, login, contest):
    login.as_user(contest["citizen"])
    page = text_of(client.get(f"/arena/b/{contest['voted'].id}"))
    assert 'id="flag-form"' in page and 'id="flag-strings"' in page and "js/flag.js" in page
    for reason in ("identity_leak", "harmful", "personal_data", "wrong_answer", "spam", "other"):
        assert f'<option value="{reason}">' in page
    assert "<script>" not in page  # data blocks and static files only (CSP)


def test_the_account_page_lists_my_votes_from_the_api(client, login, contest):
    login.as_user(contest["citizen"])
    page = text_of(client.get("/account"))
    assert 'id="my-votes"' in page and "js/my_votes.js" in page and 'name="csrf-token"' in page
    strings = json.loads(re.search(r'id="my-votes-strings">(.*?)</script>', page, re.S).group(1))
    assert strings["appeal"] == "이의 신청" and strings["reason"]["moderation"] == "운영진 검토"


def test_the_leaderboard_shows_public_exclusion_statistics(client, login, contest, db):
    round_id = contest["round"].id
    flag_id = vote_and_flag(client, login, contest)
    before = text_of(client.get(f"/leaderboard?round={round_id}"))
    assert 'id="exclusion-stats"' in before and "이번 회차에는 제외된 투표가 없습니다." in before
    moderation.act(db, db.merge(contest["mod"]), "void_votes", {"flag_id": flag_id}, "확인", utcnow())
    db.commit()
    after = text_of(client.get(f"/leaderboard?round={round_id}"))
    stats = after[after.index('id="exclusion-stats"'):]
    assert "전체 투표 1건 중 1건이 순위 계산에서 제외되었습니다" in stats
    assert re.search(r"운영진 검토</th><td>1</td>", stats)
    assert "팀0" in stats and "팀1" in stats and "팀2" not in stats
    assert "Moderator review" in text_of(client.get(f"/leaderboard?round={round_id}&lang=en"))
