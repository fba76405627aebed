"""The public pages of published results: archive, snapshot page, methodology, the board's round selector."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.db import utcnow
from contest.models import Round
from tests.builders import make_round, make_snapshot

HTML = {"Accept": "text/html"}


@pytest.fixture
def published(db):
    """Round r-pub with a snapshot s-old corrected by s-new, and round r-two with one snapshot."""
    round_ = make_round(db, "r-pub", models=3)
    round_.title = "1차 공개 경연"
    make_snapshot(db, round_, "s-old")
    make_snapshot(db, round_, "s-new", supersedes="s-old", votes=20)
    make_snapshot(db, make_round(db, "r-two", models=2), "s-two")
    db.commit()
    return round_


def page(client, path: str) -> str:
    resp = client.get(path, headers=HTML)
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype == "text/html"
    return resp.get_data(as_text=True)


def test_archive_lists_every_snapshot_by_round_and_marks_the_superseded_one(client, published):
    html = page(client, "/snapshots")
    assert html.index("round r-two") < html.index("1차 공개 경연")  # the newest publication first
    old = html[html.index('href="/snapshots/s-old"'):]
    assert "대체됨" in old[:old.index("</li>")] and "새 발표: s-new" in old[:old.index("</li>")]
    new = html[html.index('href="/snapshots/s-new"'):]
    assert "최신" in new[:new.index("</li>")] and "이전 발표: s-old" in new[:new.index("</li>")]
    assert 'href="/snapshots/s-two"' in html and "ab" * 32 in html


def test_archive_without_snapshots_says_so_in_both_languages(client):
    assert "아직 발표된 순위표가 없습니다." in page(client, "/snapshots")
    assert "No leaderboard has been published yet." in page(client, "/snapshots?lang=en")


def test_snapshot_page_shows_board_charts_statistics_provenance_and_downloads(client, published):
    html = page(client, "/snapshots/s-new")
    assert "발표된 순위표: 1차 공개 경연" in html
    assert html.count('<th scope="row">Model ') >= 3 and "팀0" in html  # the board, teams in Korean
    assert 'class="ci-chart chart-wide"' in html and 'class="heatmap chart-wide"' in html
    assert "모델 정체 노출" in html and "identity_leak" in html  # exclusions by reason, in words
    assert "노출 통계" in html and "A 자리" in html and "한도 이내" in html  # exposure per model, its gaps
    assert "분야별 균형" in html and "모델 쌍별 대결 수" in html
    assert "ab" * 32 in html and "cd" * 32 in html and "0123456789abcdef" in html
    assert "부트스트랩, 난수 시드 20260101" in html and "1000번" in html  # the protocol in plain words
    for href in ("/api/snapshots/s-new", "/api/snapshots/s-new/votes", "/api/snapshots/s-new/log",
                 "/api/snapshots/s-new/board.csv"):
        assert f'href="{href}"' in html
    assert "curl -s http://localhost/api/snapshots/s-new/votes &gt; release/votes.jsonl" in html
    assert "python -m voting.verify release" in html and "flask --app wsgi snapshots verify release" in html
    assert "이 스냅샷은 새 발표로 대체되었습니다" not in html
    assert 'href="/methodology#method-rank_h"' in html  # why models share a rank
    assert 'href="/snapshots/s-old"' in html  # names what it corrects


def test_a_superseded_snapshot_points_to_its_correction(client, published):
    html = page(client, "/snapshots/s-old")
    assert "이 스냅샷은 새 발표로 대체되었습니다" in html and 'href="/snapshots/s-new"' in html


def test_snapshot_page_in_english_names_teams_in_english(client, published):
    html = page(client, "/snapshots/s-new?lang=en")
    assert "Published leaderboard: 1차 공개 경연" in html and "Team 0" in html and "팀0" not in html
    assert "Model identity revealed" in html and "Verify it yourself" in html


@pytest.mark.parametrize("snapshot_id", ["nope", "x" * 41, "a%00b"])
def test_unknown_snapshot_is_a_friendly_404_page_or_json(client, published, snapshot_id):
    resp = client.get(f"/snapshots/{snapshot_id}", headers=HTML)
    assert resp.status_code == 404 and "없는 스냅샷입니다." in resp.get_data(as_text=True)
    resp = client.get(f"/snapshots/{snapshot_id}", headers={"Accept": "application/json"})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "unknown_snapshot"


def test_methodology_in_plain_korean_and_english(client):
    ko = page(client, "/methodology")
    for heading in ("점수는 무엇을 뜻하나요", "신뢰구간은 무엇을 뜻하나요", "왜 여러 모델이 같은 순위인가요",
                    "어떤 투표를 빼고, 왜 빼나요", "직접 검증하는 방법"):
        assert heading in ko
    assert '<html lang="ko">' in ko and 'id="method-rank_h"' in ko
    en = page(client, "/methodology?lang=en")
    for heading in ("What the score means", "What the interval means", "Why models share a rank",
                    "What is excluded, and why", "How to verify a snapshot yourself"):
        assert heading in en
    assert '<html lang="en">' in en and "점수는" not in en
    # How even the exposure is, in numbers, and why "within 2 everywhere" cannot be promised.
    assert "2회 넘게 벌어지지 않게" in ko and "99.8%" in ko and "수학적으로 불가능" in ko
    assert "within 2 of each other" in en and "mathematically impossible" in en


def test_every_page_links_to_the_archive_and_the_methodology(client):
    html = page(client, "/")
    assert 'href="/snapshots"' in html and 'href="/methodology"' in html


def _rounds_for_selector(db):
    """Open r-open (daily, coding), closed r-closed (daily only), draft r-draft."""
    make_round(db, "r-open", categories=("daily", "coding"))
    make_round(db, "r-closed", opened_days_ago=5).status = "closed"
    make_round(db, "r-draft").status = "draft"
    db.commit()


def test_board_round_selector_offers_every_round_but_drafts_and_keeps_the_category(client, db):
    _rounds_for_selector(db)
    html = page(client, "/leaderboard?round=r-open&category=coding")
    selector = html[html.index('id="board-round"'):html.index("</select>", html.index('id="board-round"'))]
    assert 'value="r-open" selected' in selector and 'value="r-closed"' in selector and "r-draft" not in selector
    assert '<input type="hidden" name="category" value="coding">' in html
    assert 'data-live="true"' in html


def test_board_of_a_round_without_the_chosen_category_falls_back_to_all(client, db):
    _rounds_for_selector(db)
    resp = client.get("/leaderboard?round=r-closed&category=coding", headers=HTML)
    assert resp.status_code == 302 and resp.headers["Location"] == "/leaderboard?round=r-closed"
    html = page(client, "/leaderboard?round=r-closed")
    assert 'data-live="false"' in html and "마감" in html  # a closed round is not polled


def test_board_without_an_open_round_shows_the_latest_round(client, db):
    make_round(db, "r-old", opened_days_ago=9).status = "closed"
    db.flush()
    latest = make_round(db, "r-late", opened_days_ago=2)
    latest.status = "closed"
    db.commit()
    resp = client.get("/leaderboard", headers=HTML)
    assert resp.status_code == 302 and resp.headers["Location"] == "/leaderboard?round=r-late"


def test_board_with_no_round_at_all_is_still_a_404(client):
    assert client.get("/leaderboard", headers=HTML).status_code == 404


def test_rounds_table_keeps_drafts_off_the_board_selector_even_when_newest(client, db):
    _rounds_for_selector(db)
    draft = db.get(Round, "r-draft")
    draft.opens_at = utcnow() + timedelta(days=3)
    draft.closes_at = utcnow() + timedelta(days=9)
    db.commit()
    assert "r-draft" not in page(client, "/leaderboard?round=r-open")
