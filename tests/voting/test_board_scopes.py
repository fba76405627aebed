"""The leaderboard by prompt language, on the live board (in process and real Redis), its rebuild from SQL and
the API; the demo votes that populate a fresh `make run`."""
import time

import pytest
from sqlalchemy import select

from app.db import new_session, utcnow
from app.models import User
from contest.models import Round
from tests.builders import make_battle, make_round, make_test_app, make_user
from voting import queries
from voting.live import ALL, scope_key
from voting.models import Vote
from voting.prompt_language import prompt_language
from voting.runtime import make_worker
from voting.service import cast_vote, vote_event
from voting.worker import WorkerSettings

FAST = WorkerSettings(block_ms=0, claim_idle_ms=60_000, relay_grace_s=0.0, relay_every_s=0.0, audit_every_s=0.0)


@pytest.mark.parametrize("declared, text, expected", [
    (None, "요즘 잠이 잘 안 와요. 좋은 습관이 있을까요?", "ko"),
    (None, "Explain how a hash map works, briefly.", "en"),
    (None, "Python에서 리스트를 정렬하는 방법을 알려 주세요", "ko"),
    (None, "다음 코드를 설명해 줘: def f(x): return sorted(x, key=len)", "ko"),  # Hangul share above a fifth
    (None, "東京の天気はどうですか", "other"),
    (None, "1 + 1 = ?", "other"),
    (None, "", "other"),
    ("en", "한국어로 쓰였어도 선언된 언어가 우선합니다", "en"),
    ("ko-KR", "anything", "ko"),
    ("ja", "anything", "other"),
])
def test_a_prompts_language(declared, text, expected):
    assert prompt_language(declared, text) == expected


PROMPTS = ["오늘 저녁 메뉴를 추천해 주세요", "Write a haiku about autumn rain", "東京の天気"]


def cast(app, round_id, user_id, count):
    """`count` votes in turn on Korean, English and other-language prompts; returns {language: votes}."""
    stream = app.extensions["vote_stream"]
    made = {"ko": 0, "en": 0, "other": 0}
    with app.app_context(), new_session() as session:
        round_, user = session.get(Round, round_id), session.get(User, user_id)
        for i in range(count):
            battle = make_battle(session, user, round_, i % 3, (i + 1) % 3)
            battle.category = round_.categories[i % 2]
            battle.turns[0].prompt_text = PROMPTS[i % 3]
            session.flush()
            vote = cast_vote(session, battle.id, user, ("a", "b", "tie", "bothbad")[i % 4], utcnow()).vote
            session.commit()
            stream.publish(vote_event(vote))
            stream.publish(vote_event(vote))  # published twice: applied once
            made[("ko", "en", "other")[i % 3]] += 1
    return made


def assert_every_scope_matches_sql(app, round_id, categories):
    board = app.extensions["live_board"]
    with app.app_context(), new_session() as session:
        for category in (*categories, ALL):
            for lang in (None, "ko", "en"):
                sql = queries.counted_cells(session, round_id, None if category == ALL else category, prompt_lang=lang)
                assert board.cells(round_id, scope_key(category, lang)) == sql, (category, lang)


@pytest.fixture(params=["memory", "redis"])
def wired_pg(request, pg_url):
    """An app on the real PostgreSQL whose live board is in process or in the real Redis."""
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    app = make_test_app(pg_url, REDIS_URL=redis_url, WORKER_IN_PROCESS=False)
    yield app
    app.extensions["db_engine"].dispose()


def test_language_boards_count_each_vote_once_and_match_sql_and_its_rebuild(wired_pg):
    app = wired_pg
    with app.app_context(), new_session() as session:
        round_ = make_round(session, "r-lang", models=3, categories=("daily", "coding"))
        user = make_user(session)
        session.commit()
        round_id, user_id = round_.id, user.id
    worker = make_worker(app, "w1", FAST)
    worker.start()
    made = cast(app, round_id, user_id, 18)
    for _ in range(5):
        worker.step()
    board = app.extensions["live_board"]
    assert sum(board.cells(round_id, ALL).values()) == 18
    assert sum(board.cells(round_id, scope_key(ALL, "ko")).values()) == made["ko"] == 6
    assert sum(board.cells(round_id, scope_key(ALL, "en")).values()) == made["en"] == 6
    assert sum(board.cells(round_id, scope_key("daily", "en")).values()) == 3
    assert_every_scope_matches_sql(app, round_id, ["daily", "coding"])
    with app.app_context(), new_session() as session:
        langs = sorted(session.scalars(select(Vote.prompt_lang)).all())
    assert langs == ["en"] * 6 + ["ko"] * 6 + ["other"] * 6  # decided once, stored on the vote
    assert worker.reconcile()  # the rebuild from SQL gives the same board
    assert_every_scope_matches_sql(app, round_id, ["daily", "coding"])


def board_when(client, url, votes, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(url).get_json()
        if body["votes"] == votes or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_the_api_serves_a_prompt_language_and_refuses_others(client, login, arena, db):
    login.as_user(arena["user"])
    for battle, text in zip(arena["battles"], PROMPTS * 2):
        db.get(type(battle), battle.id).turns[0].prompt_text = text
    db.commit()
    for battle in arena["battles"]:
        assert client.post(f"/api/battles/{battle.id}/vote", json={"winner": "a"}).status_code == 200
    assert board_when(client, "/api/leaderboard?round=r-vote", 6)["votes"] == 6
    english = client.get("/api/leaderboard?round=r-vote&prompt_lang=en").get_json()
    assert english["votes"] == 2 and english["prompt_lang"] == "en"
    korean = client.get("/api/leaderboard?round=r-vote&category=daily&prompt_lang=ko").get_json()
    assert korean["votes"] == 2 and korean["prompt_lang"] == "ko" and korean["category"] == "daily"
    assert client.get("/api/leaderboard?round=r-vote").get_json()["prompt_lang"] == "all"
    assert client.get("/api/leaderboard/matrix?round=r-vote&prompt_lang=en").get_json()["prompt_lang"] == "en"
    csv = client.get("/api/leaderboard.csv?round=r-vote&prompt_lang=en")
    assert csv.status_code == 200 and "r-vote-all-en.csv" in csv.headers["Content-Disposition"]
    lines = csv.get_data(as_text=True).lstrip("\ufeff").count("\r\n")
    assert lines == 1 + 2  # the header, and the two models of the English battles
    for bad in ("fr", "other", "x" * 300, "KO", ""):
        for path in ("/api/leaderboard", "/api/leaderboard/matrix", "/api/leaderboard.csv"):
            resp = client.get(f"{path}?round=r-vote&prompt_lang={bad}")
            assert (resp.status_code, resp.get_json()["error"]["code"]) == (422, "unknown_prompt_lang")
    assert client.get("/leaderboard?round=r-vote&prompt_lang=fr").status_code == 422


def test_the_demo_seed_yields_a_ranked_board_marked_as_demo(any_db_url, make_app):
    app = make_app(any_db_url)
    with app.app_context():
        created = app.extensions["seed_demo"]()
        assert app.extensions["seed_demo"]()["votes"] == 0  # a second run adds nothing
    assert created["votes"] >= 300
    with app.app_context(), new_session() as session:
        votes = session.scalars(select(Vote)).all()
        assert len(votes) == created["votes"] and all(v.is_demo for v in votes)
        assert {v.prompt_lang for v in votes} == {"ko", "en"}
        assert queries.count_unpublished(session) == created["votes"]  # waiting for the live board, like any vote
    client = app.test_client()
    body = board_when(client, "/api/leaderboard?round=demo-2026h2", created["votes"])
    assert body["votes"] == created["votes"]
    ranks = [m["rank"] for m in body["models"]]
    assert None not in ranks and len(set(ranks)) > 1  # every model ranked, and not all first
    html = client.get("/leaderboard?round=demo-2026h2").get_data(as_text=True)
    assert 'class="ci-chart chart-wide"' in html and 'class="heatmap chart-wide"' in html
    assert "예시 투표" in html  # the board says its votes are made up
    english = client.get("/api/leaderboard?round=demo-2026h2&prompt_lang=en").get_json()
    assert 0 < english["votes"] < created["votes"]


def test_the_demo_seed_never_adds_to_a_round_with_votes(app, demo, db):
    round_ = db.get(Round, "demo-2026h2")
    user = make_user(db)
    battle = make_battle(db, user, round_, 0, 1)
    cast_vote(db, battle.id, user, "a", utcnow())
    db.commit()
    with app.app_context():
        assert app.extensions["seed_demo"]()["votes"] == 0
    assert db.scalar(select(Vote.id).where(Vote.is_demo.is_(True))) is None
