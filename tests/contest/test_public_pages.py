"""Public pages (privacy policy, terms, rules, contact, schedule, notices), the footer and nav on every page,
the ministry's notices, and the demo's Korean test-login page (issue 12: public pages, defects 10 and 13)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import select

from app.consent import POLICY_DATE, POLICY_VERSION
from app.db import utcnow
from app.models import AuditEntry
from contest.models import Round
from tests.builders import make_round, make_user

PAGES = {"/privacy": ("개인정보처리방침", "Privacy policy"), "/terms": ("이용약관", "Terms of use"),
         "/rules": ("경연 규칙", "Contest rules"), "/contact": ("문의", "Contact"),
         "/schedule": ("경연 일정", "Round schedule"), "/notices": ("공지사항", "Notices")}


@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_public_page_in_korean_and_english(client, path):
    ko, en = PAGES[path]
    page = client.get(path).get_data(as_text=True)
    assert f"<h1 id=" in page and f">{ko}</h1>" in page and 'lang="ko"' in page
    english = client.get(path + "?lang=en").get_data(as_text=True)
    assert f">{en}</h1>" in english and 'lang="en"' in english


def test_privacy_policy_says_what_whom_how_long_rights_and_version(client):
    page = client.get("/privacy").get_data(as_text=True)
    for text in ("보유 기간", "탈퇴 즉시 파기", "누구나 내려받을", "가명 투표자", "참가팀의 모델 서버", "열람", "정정",
                 "삭제", "동의 철회", "제35조", "만 14세 미만", "익명 기록으로 남습니다", "개인정보분쟁조정위원회",
                 POLICY_VERSION, POLICY_DATE, "contact@arena.example"):
        assert text in page, text


@pytest.mark.parametrize("path", ["/", "/arena", "/leaderboard", "/snapshots", "/methodology", "/login", "/privacy"])
def test_every_page_links_the_public_pages_in_its_footer(client, path):
    page = client.get(path).get_data(as_text=True)
    footer = page[page.index('<footer'):]
    for target in ("/privacy", "/terms", "/rules", "/schedule", "/notices", "/contact"):
        assert f'href="{target}"' in footer, (path, target)


def test_nav_has_no_second_link_to_the_home_page(client):
    page = client.get("/").get_data(as_text=True)
    nav = page[page.index('<ul class="nav">'):page.index("</ul>", page.index('<ul class="nav">'))]
    assert 'href="/"' not in nav and "소개" not in nav
    assert re.search(r'<a class="brand" href="/">', page)  # the brand is the way home


def test_schedule_lists_rounds_past_their_draft_in_korean_time(client, db):
    make_round(db, "r-open")
    draft = make_round(db, "r-secret-draft")
    draft.status, draft.title = "draft", "비공개 초안 회차"
    db.commit()
    page = client.get("/schedule").get_data(as_text=True)
    assert "round r-open" in page and "진행 중" in page and "KST" in page
    assert "비공개 초안 회차" not in page and "r-secret-draft" not in page
    opens = db.get(Round, "r-open").opens_at + timedelta(hours=9)
    assert opens.strftime("%Y-%m-%d %H:%M KST") in page


# ---------------------------------------------------------------- notices
@pytest.fixture
def ministry(client, db, login):
    user = make_user(db, "부처", roles=("ministry",))
    login.as_user(user)
    return user


def post_notice(client, **fields):
    body = {"title_ko": "12월 점검 안내", "title_en": "December maintenance",
            "body_ko": "12월 1일 02:00–04:00에 점검합니다.\n\n그동안 투표할 수 없습니다.",
            "body_en": "Maintenance on 1 December.", **fields}
    return client.post("/api/admin/notices", json=body)


def test_ministry_posts_a_notice_that_is_public_and_audited(client, db, ministry, app):
    resp = post_notice(client)
    assert resp.status_code == 201
    notice = resp.get_json()
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "notice.create")).one()
    assert entry.actor == f"user:{ministry.id}" and entry.after["title_ko"] == "12월 점검 안내"
    public = app.test_client()
    assert [n["title"] for n in public.get("/api/notices").get_json()["notices"]] == ["12월 점검 안내"]
    assert public.get(f"/api/notices/{notice['id']}?lang=en").get_json()["title"] == "December maintenance"
    page = public.get(f"/notices/{notice['id']}?lang=ko").get_data(as_text=True)
    assert "그동안 투표할 수 없습니다." in page
    assert "12월 점검 안내" in public.get("/notices").get_data(as_text=True)
    assert "12월 점검 안내" in client.get("/admin/notices").get_data(as_text=True)


def test_withdrawing_hides_the_notice_and_is_audited_once(client, db, ministry, app):
    notice_id = post_notice(client).get_json()["id"]
    assert client.patch(f"/api/admin/notices/{notice_id}", json={"published": False}).status_code == 200
    assert client.patch(f"/api/admin/notices/{notice_id}", json={"published": False}).status_code == 200
    updates = db.scalars(select(AuditEntry).where(AuditEntry.action == "notice.update")).all()
    assert len(updates) == 1 and updates[0].before["published"] is True and updates[0].after["published"] is False
    public = app.test_client()
    assert public.get(f"/api/notices/{notice_id}").status_code == 404
    assert public.get(f"/notices/{notice_id}", headers={"Accept": "text/html"}).status_code == 404
    assert public.get("/api/notices").get_json()["notices"] == []


@pytest.mark.parametrize("fields", [{"title_ko": ""}, {"title_ko": "   "}, {"body_ko": ""}, {"title_en": "x" * 201},
                                    {"published": "yes"}, {"title_ko": None}])
def test_bad_notices_are_refused_and_store_nothing(client, db, ministry, fields):
    resp = post_notice(client, **fields)
    assert resp.status_code == 422 and "error" in resp.get_json()
    assert db.scalars(select(AuditEntry)).all() == []
    assert client.get("/api/admin/notices").get_json()["notices"] == []


@pytest.mark.parametrize("notice_id", ["999", "99999999999999999999"])
def test_unknown_notices_are_404(client, ministry, notice_id):
    assert client.get(f"/api/notices/{notice_id}").status_code == 404
    resp = client.patch(f"/api/admin/notices/{notice_id}", json={"published": True})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "unknown_notice"


def test_notice_pages_on_postgresql_with_a_huge_id(pg_url, make_app):
    client = make_app(pg_url).test_client()
    assert client.get("/api/notices/99999999999999999999").status_code == 404
    assert client.get("/api/notices/2147483648").status_code == 404


# ---------------------------------------------------------------- the demo's local login (defect 13)
def test_local_test_login_page_says_in_korean_it_is_a_demo_test_login(oidc_app):
    start = oidc_app.test_client().get("/auth/login/local")
    page = requests.get(start.headers["Location"], timeout=5)
    assert page.status_code == 200
    assert "데모용 테스트 로그인" in page.text and "아무 이름이나" in page.text and 'lang="ko"' in page.text
    assert 'name="sub"' in page.text and 'value="deny"' in page.text


def test_home_gives_the_round_dates_on_the_korean_calendar(client, db):
    """A round opening at midnight in Seoul (15:00 UTC the day before) opens on the Korean date."""
    round_ = make_round(db, "r-kst")
    round_.opens_at = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)
    round_.closes_at = datetime(2099, 6, 30, 15, 0, tzinfo=timezone.utc)
    db.commit()
    page = client.get("/").get_data(as_text=True)
    assert "2026-12-01</time>" in page and "2099-07-01</time>" in page
    assert "2026-11-30</time>" not in page and "2099-06-30</time>" not in page
