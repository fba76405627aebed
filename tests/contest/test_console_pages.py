"""The ministry's console pages: who may see them, and what they render from the database at load."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.audit import record_change
from app.db import utcnow
from contest.models import Round, RoundProtocol
from contest.protocol import normalise_protocol
from tests.builders import make_round, make_user

HTML = {"Accept": "text/html"}
PAGES = ("/admin", "/admin/teams", "/admin/models", "/admin/rounds", "/admin/rounds/r-c", "/admin/uploads",
         "/admin/roles", "/admin/audit")


@pytest.fixture
def ministry(db, login):
    """The test client logged in as a ministry official; round r-c (open, 3 models) exists."""
    make_round(db, "r-c")
    user = make_user(db, "부처 담당자", roles=("ministry",))
    login.as_user(user)
    return user


def get(client, path: str) -> str:
    resp = client.get(path, headers=HTML)
    assert resp.status_code == 200, (path, resp.status_code)
    return resp.get_data(as_text=True)


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_log_in_and_back(client, db, path):
    make_round(db, "r-c")
    db.commit()
    resp = client.get(path, headers=HTML)
    assert resp.status_code == 302 and resp.headers["Location"] == f"/login?next={path}"


@pytest.mark.parametrize("roles", [(), ("moderator",)])
def test_anyone_but_the_ministry_gets_the_friendly_403_page(client, db, login, roles):
    login.as_user(make_user(db, "시민", roles=roles))
    resp = client.get("/admin/rounds", headers=HTML)
    assert resp.status_code == 403 and resp.mimetype == "text/html"
    assert "이 작업을 할 권한이 없습니다." in resp.get_data(as_text=True)
    assert client.get("/admin", headers={"Accept": "application/json"}).get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_the_ministry_with_the_csrf_token_and_its_script(client, ministry, path):
    html = get(client, path)
    assert '<meta name="csrf-token" content="' in html and "/static/js/console.js" in html
    assert 'id="console-strings"' in html and 'aria-current="page"' in html
    assert 'href="/admin"' in html  # the base nav shows the console to the ministry


def test_overview_lists_rounds_with_status_and_counts(client, db, ministry):
    draft = make_round(db, "r-draft")
    draft.status, draft.title = "draft", "다음 회차"
    db.commit()
    html = get(client, "/admin")
    assert 'href="/admin/rounds/r-c"' in html and 'href="/admin/rounds/r-draft"' in html
    assert "다음 회차" in html and "준비 중" in html and "진행 중" in html


def test_round_page_shows_protocol_versions_and_the_buttons_its_status_allows(client, db, ministry):
    db.add(RoundProtocol(round_id="r-c", version=1, protocol=normalise_protocol(None), categories=["daily"],
                         roster=["r-c-m0", "r-c-m1", "r-c-m2"], free_prompts=False, reason="회차 시작",
                         created_by="user:1"))
    db.add(RoundProtocol(round_id="r-c", version=2, protocol=normalise_protocol({"min_battles": 50}),
                         categories=["daily"], roster=["r-c-m0", "r-c-m1"], free_prompts=False,
                         reason="팀 하나가 빠짐", created_by="user:1"))
    db.commit()
    html = get(client, "/admin/rounds/r-c")
    assert "버전 2" in html and "버전 1" in html and "팀 하나가 빠짐" in html
    assert html.index("버전 2") < html.index("버전 1")  # newest first
    assert 'data-api="/api/admin/rounds/r-c/close"' in html and 'data-api="/api/admin/snapshots"' in html
    assert '/open"' not in html
    assert 'name="round" value="r-c"' in html and 'data-api="/api/admin/rounds/r-c/protocol"' in html
    assert 'placeholder="daily" data-type="csv"' in html or 'data-type="csv" placeholder="daily"' in html
    assert 'data-link="/snapshots/ID"' in html and "data-after=\"link:/snapshots/{id}\"" in html


def test_a_draft_round_offers_open_only(client, db, ministry):
    make_round(db, "r-d").status = "draft"
    db.commit()
    html = get(client, "/admin/rounds/r-d")
    assert 'data-api="/api/admin/rounds/r-d/open"' in html
    assert "/close\"" not in html and "/api/admin/snapshots" not in html and "/protocol\"" not in html


def test_a_closed_round_offers_publication_and_corrections_but_no_new_terms(client, db, ministry):
    make_round(db, "r-x").status = "closed"
    db.commit()
    html = get(client, "/admin/rounds/r-x")
    assert 'data-api="/api/admin/snapshots"' in html and 'name="supersedes"' in html and 'name="notes"' in html
    assert "/open\"" not in html and "/close\"" not in html and "/protocol\"" not in html


def test_unknown_round_is_a_404_page(client, ministry):
    resp = client.get("/admin/rounds/nope", headers=HTML)
    assert resp.status_code == 404 and "없는 경연 회차입니다." in resp.get_data(as_text=True)


def test_rounds_page_offers_a_roster_of_active_models_and_the_protocol_defaults(client, db, ministry):
    db.commit()
    html = get(client, "/admin/rounds")
    assert 'name="roster" value="r-c-m0"' in html
    assert 'name="protocol.min_battles" value="30"\n       data-optional data-type="int" min="0">' in html
    assert 'name="opens_at" value=""\n       required aria-describedby="round-opens-help" data-type="datetime">' in html
    assert 'name="protocol.exclusions" value="identity_leak" data-type="list" checked' in html
    assert 'data-after="goto:/admin/rounds/{id}"' in html


def test_teams_and_models_pages_list_what_is_stored(client, ministry):
    teams = get(client, "/admin/teams")
    assert "팀0" in teams and "Team 0" in teams and 'data-api="/api/admin/teams/r-c-t0"' in teams
    models = get(client, "/admin/models")
    assert "Model 0 1" in models and 'data-api="/api/admin/models/r-c-m0"' in models
    assert '<option value="r-c-t1">' in models


def test_roles_page_lists_holders(client, db, ministry):
    make_user(db, "검토자 김", roles=("moderator",))
    db.commit()
    html = get(client, "/admin/roles")
    assert "검토자 김" in html and "부처 담당자" in html and 'data-api="/api/admin/roles"' in html


def test_audit_page_shows_entries_newest_first_and_pages_on(client, db, ministry):
    for i in range(55):
        record_change(db, ministry, "team.update", "team", f"t{i}", utcnow(), before={"n": i}, after={"n": i + 1},
                      reason="이름 수정" if i == 54 else None)
    db.commit()
    html = get(client, "/admin/audit")
    assert html.count('class="card"') >= 50 and "team:t54" in html and "team:t4<" not in html
    assert "이름 수정" in html and html.index("team:t54") < html.index("team:t53")
    older = html.split('href="/admin/audit?before=')[1].split('"')[0]
    rest = get(client, f"/admin/audit?before={older}")
    main = rest.split("</header>", 1)[1]  # the header's language toggle keeps the page's query, ?before= too
    assert "team:t4<" in rest and "team:t0<" in rest and "team:t54" not in rest and "?before=" not in main


def test_uploads_page_shows_the_pools(client, demo, db, ministry):
    html = get(client, "/admin/uploads")
    assert 'data-api="/api/admin/prompts"' in html and 'data-api="/api/admin/bank"' in html
    assert "일상" in html and "data-upload" in html


def test_console_in_english(client, ministry):
    html = get(client, "/admin/rounds/r-c?lang=en")
    assert "Lifecycle and publication" in html and "Close round" in html and '<html lang="en">' in html


def test_console_shows_times_in_korean_time_with_the_zone_named(client, db, ministry):
    """15:00 UTC on 30 November is midnight in Seoul on 1 December: the console says the Korean time."""
    round_ = db.get(Round, "r-c")
    round_.opens_at = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)
    round_.closes_at = datetime(2026, 12, 31, 14, 59, tzinfo=timezone.utc)
    record_change(db, ministry, "team.update", "team", "t-late", datetime(2026, 11, 30, 23, 30, 5, tzinfo=timezone.utc))
    db.commit()
    for path in ("/admin/rounds", "/admin/rounds/r-c"):
        html = get(client, path)
        assert "2026-12-01 00:00 KST – 2026-12-31 23:59 KST" in html, path
        assert " UTC<" not in html and "2026-11-30 15:00" not in html
    assert "2026-12-01 08:30:05 KST" in get(client, "/admin/audit")
