"""The style-controlled board in GET /api/leaderboard and on the page: styles from the stored answers, stored
once per vote, the board beside the plain one with its coefficients, cached per scope."""
from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select, text

from app.db import utcnow
from contest.models import Battle, BattleTurn
from tests.builders import make_round, make_user
from voting import style_store
from voting.models import Vote, VoteStyle
from voting.style import answer_style

LONG = "## 요약\n" + "\n".join(f"- **{i}번째** 항목은 자세한 설명을 덧붙인 긴 문장입니다" for i in range(8))
SHORT = "짧은 답변입니다"


def add_vote(db, round_, voter, a: int, b: int, winner: str, answers=(SHORT, SHORT), category=None,
             excluded: bool = False, turns: int = 1) -> Vote:
    models = [rm.model for rm in round_.roster]
    battle = Battle(user_id=voter.id, round_id=round_.id, category=category or round_.categories[0],
                    model_a_id=models[a].id, model_b_id=models[b].id, status="voted", ready_at=utcnow())
    for t in range(turns):
        battle.turns.append(BattleTurn(turn_no=t + 1, prompt_text="질문", answer_a=answers[0], answer_b=answers[1],
                                       completed_at=utcnow()))
    db.add(battle)
    db.flush()
    vote = Vote(battle_id=battle.id, user_id=voter.id, round_id=round_.id, category=battle.category,
                model_a_id=battle.model_a_id, model_b_id=battle.model_b_id, winner=winner, excluded=excluded,
                excluded_reason="moderation" if excluded else None)
    db.add(vote)
    db.flush()
    return vote


@pytest.fixture
def verbose_round(db, monkeypatch):
    """Three models, 40+ votes each; model 2 answers long and formatted, the others short; voters pick the long
    answer more often. Fresh style boards on every read unless a test says otherwise."""
    monkeypatch.setattr(style_store, "STYLE_FRESH_S", 0.0)
    monkeypatch.setattr(style_store, "FRESH_PER_COMPUTE", 0)
    round_ = make_round(db, "r-style", models=3, categories=("daily", "coding"))
    voter = make_user(db, "스타일")
    rng = np.random.default_rng(5)
    for i in range(150):
        a, b = [(0, 1), (1, 2), (2, 0)][i % 3]
        answers = tuple(LONG if m == 2 else SHORT + " " * int(rng.integers(0, 3)) + "입니다" * int(rng.integers(0, 4))
                        for m in (a, b))
        winner = ["a", "b", "tie", "a", "b"][int(rng.integers(0, 5))]
        if 2 in (a, b) and rng.random() < 0.4:
            winner = "a" if a == 2 else "b"
        add_vote(db, round_, voter, a, b, winner, answers)
    db.commit()
    return round_, voter


def test_the_board_carries_a_style_controlled_board_beside_the_plain_one(client, db, verbose_round):
    body = client.get("/api/leaderboard?round=r-style&lang=en").get_json()
    style = body["style_control"]
    assert style["method"] == "bradley-terry-style-control-1" and style["votes"] == body["votes"] == 150
    assert set(style["coefficients"]) == {"length", "headers", "lists", "bold"}
    length = style["coefficients"]["length"]
    assert length["ci"][0] < length["estimate"] < length["ci"][1]
    assert style["params"]["features"] == ["length", "headers", "lists", "bold"]
    assert [set(m) for m in style["models"]] == [set(m) for m in body["models"]]  # the same row shape
    assert {m["name"] for m in style["models"]} == {m["name"] for m in body["models"]}
    # The same models are ranked on both boards (the same rule), and a model with too few votes on neither.
    assert {m["name"]: m["status"] for m in style["models"]} == {m["name"]: m["status"] for m in body["models"]}
    assert len(style["components"]) == len(body["components"]) == 1
    assert db.scalar(select(func.count()).select_from(VoteStyle)) == 150


def test_styles_are_computed_once_from_the_stored_answers_summed_over_turns(client, db, verbose_round):
    round_, voter = verbose_round
    vote = add_vote(db, round_, voter, 0, 2, "b", answers=(SHORT, LONG), turns=2)
    db.commit()
    assert client.get("/api/leaderboard?round=r-style").status_code == 200
    row = db.get(VoteStyle, vote.id)
    tokens, headers, lists, bold = answer_style(LONG)
    assert (row.tokens_b, row.headers_b, row.lists_b, row.bold_b) == (2 * tokens, 2 * headers, 2 * lists, 2 * bold)
    assert (row.tokens_a, row.headers_a, row.lists_a, row.bold_a) == (2 * answer_style(SHORT)[0], 0, 0, 0)
    assert headers == 1 and lists == 8 and bold == 8


def test_only_counted_votes_of_the_category_enter_and_a_missing_answer_counts_as_empty(client, db, verbose_round):
    round_, voter = verbose_round
    add_vote(db, round_, voter, 0, 1, "a", excluded=True)
    gap = add_vote(db, round_, voter, 0, 1, "a", answers=(None, SHORT), category="coding")
    db.commit()
    everything = client.get("/api/leaderboard?round=r-style").get_json()["style_control"]
    coding = client.get("/api/leaderboard?round=r-style&category=coding").get_json()["style_control"]
    assert everything["votes"] == 151 and coding["votes"] == 1
    assert all(m["rank"] is None for m in coding["models"]) and coding["coefficients"]["length"] is None
    assert db.get(VoteStyle, gap.id).tokens_a == 0


def test_the_style_board_is_computed_at_most_once_per_few_seconds_per_scope(client, db, verbose_round, monkeypatch):
    round_, voter = verbose_round
    monkeypatch.setattr(style_store, "STYLE_FRESH_S", 3600.0)
    first = client.get("/api/leaderboard?round=r-style").get_json()["style_control"]
    add_vote(db, round_, voter, 0, 1, "a")
    db.commit()
    assert client.get("/api/leaderboard?round=r-style").get_json()["style_control"] == first  # cached
    assert client.get("/api/leaderboard?round=r-style&category=daily").get_json()["style_control"]["votes"] == 151
    monkeypatch.setattr(style_store, "STYLE_FRESH_S", 0.0)
    assert client.get("/api/leaderboard?round=r-style").get_json()["style_control"]["votes"] == 151


def test_the_page_shows_both_boards_and_says_what_style_control_means(client, verbose_round):
    html = client.get("/leaderboard?round=r-style").get_data(as_text=True)
    assert 'id="style-board"' in html and "스타일 통제" in html and "css/style_board.css" in html
    assert "Model 2 1" in html[html.index('id="style-board"'):]
    english = client.get("/leaderboard?round=r-style&lang=en").get_data(as_text=True)
    assert "Style control" in english and "length" in english.lower()


def test_two_processes_filling_the_same_votes_on_postgresql_store_each_once(make_app, pg_url):
    """A second filler waits on the first one's uncommitted rows and then skips them: no error, no duplicate."""
    import threading

    from app.db import new_session

    pg_app = make_app(pg_url)
    with pg_app.app_context():
        first, second = new_session(), new_session()
    round_ = make_round(first, "r-style-pg", models=2)
    voter = make_user(first, "동시")
    for i in range(30):
        add_vote(first, round_, voter, i % 2, (i + 1) % 2, "a", answers=(LONG, SHORT))
    first.commit()
    assert style_store.fill_missing(first, "r-style-pg") == 30  # not committed yet
    outcome = {}

    def fill_too():
        try:
            outcome["added"] = style_store.fill_missing(second, "r-style-pg")
            second.commit()
        except Exception as exc:  # the assertion below reports it
            outcome["error"] = exc

    racer = threading.Thread(target=fill_too)
    racer.start()
    with pg_app.app_context():
        watcher = new_session()
    for _ in range(200):  # until the second filler waits on the first one's rows (a lock not granted)
        if watcher.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")) or not racer.is_alive():
            break
        watcher.rollback()
        threading.Event().wait(0.05)
    assert racer.is_alive() and "error" not in outcome  # waiting, not failed
    watcher.close()
    first.commit()
    racer.join(10)
    assert "error" not in outcome and outcome["added"] == 30  # it tried them all; the database kept one each
    assert first.scalar(select(func.count()).select_from(VoteStyle)) == 30
    first.close(), second.close()


def test_the_style_rows_read_on_postgresql_by_binary_copy_are_the_stored_ones(make_app, pg_url):
    from app.db import new_session

    pg_app = make_app(pg_url)
    with pg_app.app_context():
        db = new_session()
    round_ = make_round(db, "r-style-copy", models=3, categories=("daily", "coding"))
    voter = make_user(db, "복사")
    plan = [(0, 1, "a", "daily"), (1, 2, "b", "daily"), (2, 0, "tie", "coding"), (0, 2, "bothbad", "daily")]
    for a, b, winner, category in plan:
        add_vote(db, round_, voter, a, b, winner, answers=(LONG, SHORT), category=category)
    add_vote(db, round_, voter, 1, 0, "a", excluded=True)
    style_store.fill_missing(db, "r-style-copy")
    ids = [rm.model_id for rm in round_.roster]
    a, b, outcome, style_a, style_b = style_store.style_votes(db, "r-style-copy", None, ids)
    order = np.lexsort((b, a))
    assert list(zip(a[order], b[order], outcome[order])) == [(0, 1, 0), (0, 2, 2), (1, 2, 1), (2, 0, 2)]
    assert (style_a == answer_style(LONG)).all() and (style_b == answer_style(SHORT)).all()
    assert len(style_store.style_votes(db, "r-style-copy", "coding", ids)[0]) == 1
    assert len(style_store.style_votes(db, "r-style-copy", None, ids[:2])[0]) == 1  # off the list: left out
    db.close()


def test_the_methodology_page_explains_style_control_in_korean_and_english(client):
    ko = client.get("/methodology").get_data(as_text=True)
    assert 'id="method-style_h"' in ko and "스타일 통제 순위표" in ko and "(A − B) ÷ (A + B + 1)" in ko
    en = client.get("/methodology?lang=en").get_data(as_text=True)
    assert "What the style-controlled board is" in en and "a token per Hangul syllable" in en
