"""The style-controlled board in GET /api/leaderboard and on the page: styles from the stored answers, stored
once per vote, the board fitted by the rating worker's style loop (voting.style_worker) and only read by requests."""
from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import func, select, text

from app.db import utcnow
from contest.models import Battle, BattleTurn
from tests.builders import make_round, make_user
from voting import log_store, style_store, style_worker
from voting.models import Vote, VoteStyle
from voting.queries import vote_target
from voting.runtime import make_style_refresher
from voting.style import answer_style

LONG = "## 요약\n" + "\n".join(f"- **{i}번째** 항목은 자세한 설명을 덧붙인 긴 문장입니다" for i in range(8))
SHORT = "짧은 답변입니다"


@pytest.fixture
def app(sqlite_url, make_app):
    """No embedded worker: the tests run the worker's style pass themselves, when they choose."""
    return make_app(sqlite_url, WORKER_IN_PROCESS=False)


def worker_pass(app, force: bool = True) -> int:
    """One pass of the worker's style loop over this app's database and store; how many boards it fitted."""
    return make_style_refresher(app).refresh(force=force)


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
    log_store.append_cast(db, vote_target(db, battle.id), vote.id, voter.id, winner, utcnow(), vote.excluded_reason)
    return vote


@pytest.fixture
def verbose_round(db):
    """Three models, 40+ votes each; model 2 answers long and formatted, the others short; voters pick the long
    answer more often."""
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


def test_the_board_carries_a_style_controlled_board_beside_the_plain_one(app, client, db, verbose_round):
    pending = client.get("/api/leaderboard?round=r-style&lang=en").get_json()["style_control"]
    assert pending["warnings"] == ["pending"] and pending["votes"] == 0 and pending["models"] == []
    assert pending["computed_at"] is None and set(pending["coefficients"]) == {"length", "headers", "lists", "bold"}
    assert worker_pass(app) == 3  # the open round: all categories, daily, coding
    body = client.get("/api/leaderboard?round=r-style&lang=en").get_json()
    style = body["style_control"]
    assert style["method"] == "bradley-terry-style-control-1" and style["votes"] == body["votes"] == 150
    assert style["warnings"] == [] and style["computed_at"].endswith("Z")
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


def test_a_request_never_fits_nor_fills_only_the_worker_does(app, client, db, verbose_round, monkeypatch):
    fits = []
    real = style_worker.compute_style_board
    monkeypatch.setattr(style_worker, "compute_style_board", lambda *args: fits.append(1) or real(*args))
    for query in ("", "&category=daily", "&category=coding", "&lang=en"):
        assert client.get("/api/leaderboard?round=r-style" + query).get_json()["style_control"]["warnings"] == \
            ["pending"]
    assert client.get("/leaderboard?round=r-style").status_code == 200
    assert fits == [] and db.scalar(select(func.count()).select_from(VoteStyle)) == 0  # nothing fitted or filled
    worker_pass(app)
    assert len(fits) == 3
    for _ in range(3):
        assert client.get("/api/leaderboard?round=r-style").get_json()["style_control"]["votes"] == 150
    assert len(fits) == 3


def test_styles_are_computed_once_from_the_stored_answers_summed_over_turns(app, db, verbose_round):
    round_, voter = verbose_round
    vote = add_vote(db, round_, voter, 0, 2, "b", answers=(SHORT, LONG), turns=2)
    db.commit()
    worker_pass(app)
    row = db.get(VoteStyle, vote.id)
    tokens, headers, lists, bold = answer_style(LONG)
    assert (row.tokens_b, row.headers_b, row.lists_b, row.bold_b) == (2 * tokens, 2 * headers, 2 * lists, 2 * bold)
    assert (row.tokens_a, row.headers_a, row.lists_a, row.bold_a) == (2 * answer_style(SHORT)[0], 0, 0, 0)
    assert headers == 1 and lists == 8 and bold == 8


def test_only_counted_votes_of_the_category_enter_and_a_missing_answer_counts_as_empty(app, client, db,
                                                                                        verbose_round):
    round_, voter = verbose_round
    add_vote(db, round_, voter, 0, 1, "a", excluded=True)
    gap = add_vote(db, round_, voter, 0, 1, "a", answers=(None, SHORT), category="coding")
    db.commit()
    worker_pass(app)
    everything = client.get("/api/leaderboard?round=r-style").get_json()["style_control"]
    coding = client.get("/api/leaderboard?round=r-style&category=coding").get_json()["style_control"]
    assert everything["votes"] == 151 and coding["votes"] == 1
    assert all(m["rank"] is None for m in coding["models"]) and coding["coefficients"]["length"] is None
    assert db.get(VoteStyle, gap.id).tokens_a == 0


def test_the_worker_refits_a_scope_at_most_once_per_few_seconds_and_a_new_roster_is_not_served_an_old_board(
        app, client, db, verbose_round, monkeypatch):
    round_, voter = verbose_round
    monkeypatch.setattr(style_worker, "STYLE_FRESH_S", 3600.0)
    assert worker_pass(app, force=False) == 3
    first = client.get("/api/leaderboard?round=r-style").get_json()["style_control"]
    add_vote(db, round_, voter, 0, 1, "a")
    db.commit()
    assert worker_pass(app, force=False) == 0  # fresh: kept
    assert client.get("/api/leaderboard?round=r-style").get_json()["style_control"] == first
    monkeypatch.setattr(style_worker, "STYLE_FRESH_S", 0.0)
    monkeypatch.setattr(style_worker, "FRESH_PER_COMPUTE", 0)
    assert worker_pass(app, force=False) == 3
    assert client.get("/api/leaderboard?round=r-style").get_json()["style_control"]["votes"] == 151
    db.delete(round_.roster[-1])  # the roster changed: the stored boards index another list of models
    db.commit()
    assert client.get("/api/leaderboard?round=r-style").get_json()["style_control"]["warnings"] == ["pending"]


def test_a_closed_round_is_fitted_once_a_request_wants_it(app, client, db, verbose_round):
    round_, _ = verbose_round
    round_.status = "closed"
    db.commit()
    assert worker_pass(app) == 0  # no open round, nothing wanted
    assert client.get("/api/leaderboard?round=r-style&category=daily").get_json()["style_control"]["warnings"] == \
        ["pending"]
    assert worker_pass(app) == 1
    assert client.get("/api/leaderboard?round=r-style&category=daily").get_json()["style_control"]["votes"] > 0


def test_the_embedded_worker_fills_the_style_board_by_itself(make_app, sqlite_url):
    embedded = make_app(sqlite_url)  # no Redis: the worker and its style loop run in the web process
    from app.db import new_session

    with embedded.app_context():
        db = new_session()
    round_ = make_round(db, "r-style-thread", models=2)
    voter = make_user(db, "스레드")
    for i in range(40):
        add_vote(db, round_, voter, i % 2, (i + 1) % 2, "a" if i % 3 else "b", answers=(LONG, SHORT))
    db.commit()
    db.close()
    client = embedded.test_client()
    for _ in range(600):  # until the loop's first pass has stored it (normally well under a second)
        style = client.get("/api/leaderboard?round=r-style-thread").get_json()["style_control"]
        if style["warnings"] != ["pending"]:
            break
        time.sleep(0.05)
    assert style["votes"] == 40 and len(style["models"]) == 2


def test_the_page_shows_both_boards_and_says_what_style_control_means(app, client, verbose_round):
    assert "계산하고 있습니다" in client.get("/leaderboard?round=r-style").get_data(as_text=True)
    worker_pass(app)
    html = client.get("/leaderboard?round=r-style").get_data(as_text=True)
    assert 'id="style-board"' in html and "스타일 통제" in html and "css/style_board.css" in html
    assert "Model 2 1" in html[html.index('id="style-board"'):]
    english = client.get("/leaderboard?round=r-style&lang=en").get_data(as_text=True)
    assert "Style control" in english and "length" in english.lower()


def test_the_shared_store_on_redis(redis_url):
    import redis as redis_lib

    from voting.style_cache import WANTED_FOR_S, RedisStyleBoards

    store = RedisStyleBoards(redis_lib.Redis.from_url(redis_url, decode_responses=True))
    assert store.get("r\x1fall") is None
    store.put("r\x1fall", "{}")
    assert store.get("r\x1fall") == "{}"
    store.want("r\x1fdaily", 100.0)
    store.want("old\x1fall", 100.0 - WANTED_FOR_S - 1)
    assert store.wanted(100.0) == ["r\x1fdaily"]
    mine = store.claim("r\x1fall", 5.0)
    assert mine and store.claim("r\x1fall", 5.0) is None
    store.release("r\x1fall", mine)
    late = store.claim("r\x1fall", 0.05)  # a claim that runs out while its holder is still fitting ...
    time.sleep(0.1)
    theirs = store.claim("r\x1fall", 5.0)  # ... is taken over, and the late release leaves the new claim alone
    assert late and theirs and theirs != late
    store.release("r\x1fall", late)
    assert store.claim("r\x1fall", 5.0) is None
    store.release("r\x1fall", theirs)
    assert store.claim("r\x1fall", 5.0)


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


def test_redis_down_leaves_the_style_block_pending_not_an_error():
    from app.redis_client import make_redis
    from voting.board import BoardSettings
    from voting.style_cache import RedisStyleBoards, style_control

    down = RedisStyleBoards(make_redis("redis://127.0.0.1:1/0", 0.2, 0.2))  # the application's client
    block = style_control(down, "r-any", "all", [], BoardSettings(), "ko")
    assert block["warnings"] == ["pending"] and block["models"] == [] and block["votes"] == 0


def _served(client, category: str = "") -> dict:
    response = client.get("/api/leaderboard?round=r-style" + (f"&category={category}" if category else ""))
    assert response.status_code == 200
    return response.get_json()["style_control"]


def test_a_closed_round_is_refitted_once_for_the_last_votes_and_for_votes_voided_after_close(
        app, client, db, verbose_round, monkeypatch):
    from tests.voting.log_builder import log_change

    round_, voter = verbose_round
    monkeypatch.setattr(style_worker, "STYLE_FRESH_S", 0.0)
    monkeypatch.setattr(style_worker, "FRESH_PER_COMPUTE", 0)
    assert worker_pass(app, force=False) == 3
    assert worker_pass(app, force=False) == 0  # no vote since: nothing to refit
    last = add_vote(db, round_, voter, 0, 1, "a")  # in the last seconds before the close
    round_.status, round_.closed_at = "closed", utcnow()
    db.commit()
    assert worker_pass(app, force=False) == 3 and _served(client)["votes"] == 151  # once, at close
    assert worker_pass(app, force=False) == 0
    log_change(db, last, "exclude", "moderation", action="void_votes")  # voided after the close
    db.commit()
    assert worker_pass(app, force=False) == 3 and _served(client)["votes"] == 150


def test_a_long_closed_round_a_request_reads_is_kept_current(app, client, db, verbose_round, monkeypatch):
    from tests.voting.log_builder import log_change

    round_, _ = verbose_round
    monkeypatch.setattr(style_worker, "STYLE_FRESH_S", 0.0)
    monkeypatch.setattr(style_worker, "FRESH_PER_COMPUTE", 0)
    round_.status, round_.closed_at = "closed", utcnow() - timedelta(days=60)
    db.commit()
    assert worker_pass(app, force=False) == 0 and _served(client)["warnings"] == ["pending"]
    assert worker_pass(app, force=False) == 1 and _served(client)["votes"] == 150  # read: wanted, kept fresh
    log_change(db, db.scalars(select(Vote).where(Vote.excluded.is_(False)).limit(1)).first(), "exclude", "moderation")
    db.commit()
    assert worker_pass(app, force=False) == 1 and _served(client)["votes"] == 149


@pytest.mark.parametrize("stored", ['{"rows": [', '{"rows": [], "votes": 3}', '{"schema": 1, "rows": []}'])
def test_a_stored_record_that_will_not_load_is_missing_for_reader_and_worker(app, client, verbose_round, stored):
    from voting.style_cache import scope_of

    app.extensions["style_boards"].put(scope_of("r-style", "all"), stored)  # truncated, or another deploy's
    assert _served(client)["warnings"] == ["pending"]
    assert client.get("/leaderboard?round=r-style").status_code == 200
    assert worker_pass(app, force=False) == 3 and _served(client)["votes"] == 150


def test_one_failing_scope_is_logged_and_the_pass_goes_on(app, client, verbose_round, monkeypatch, caplog):
    real, calls = style_worker.compute_style_board, []

    def first_fails(*args):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("a broken scope")
        return real(*args)
    monkeypatch.setattr(style_worker, "compute_style_board", first_fails)
    assert worker_pass(app, force=False) == 2 and "a broken scope" in caplog.text
    assert worker_pass(app, force=False) == 1  # the failed one, next pass


def test_the_first_fill_can_be_committed_chunk_by_chunk(db, verbose_round, monkeypatch):
    monkeypatch.setattr(style_store, "FILL_CHUNK", 40)
    seen = []
    added = style_store.fill_missing(db, "r-style",
                                     lambda: seen.append(db.scalar(select(func.count(VoteStyle.vote_id)))))
    assert added == 150 and seen == [40, 80, 120, 150]


def test_a_stored_board_is_keyed_only_on_what_the_style_fit_uses():
    from voting.board import BoardSettings
    from voting.rating import RatingParams
    from voting.style_cache import settings_key

    base = settings_key(BoardSettings())
    assert settings_key(BoardSettings(rounds=10, seed=1, params=RatingParams(k=32.0, ridge=0.1))) == base
    assert settings_key(BoardSettings(confidence=0.9)) != base
    assert settings_key(BoardSettings(provisional_below=5)) != base
    assert settings_key(BoardSettings(params=RatingParams(scale=173.7))) != base


def test_style_rows_equal_at_the_published_precision_are_ordered_by_slug():
    from voting.style_release import published_order

    rows = [{"rank": 1, "component": 0, "rating": 1000.000001, "battles": 40, "slug": s} for s in ("m-b", "m-a")]
    rows += [{"rank": None, "component": None, "rating": 990.0, "battles": 3, "slug": "m-c"}]
    assert [r["slug"] for r in sorted(rows, key=published_order)] == ["m-a", "m-b", "m-c"]
