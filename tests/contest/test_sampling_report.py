"""The exposure report: round-level and per-category counts, gaps and the bound each is held to
(SQLite and PostgreSQL); the admin route returns it to the ministry."""
from __future__ import annotations

import pytest

from contest.models import Battle, BattleTurn
from contest.reports import exposure_report
from tests.builders import make_round, make_test_app, make_user


@pytest.fixture
def app(any_db_url):
    app = make_test_app(any_db_url)
    yield app
    app.extensions["db_engine"].dispose()


def battles(session, round_, user, draws: list[tuple[str, int, int]]) -> None:
    models = [rm.model for rm in round_.roster]
    for category, a, b in draws:
        battle = Battle(user_id=user.id, round_id=round_.id, category=category, model_a_id=models[a].id,
                        model_b_id=models[b].id, status="answering")
        battle.turns.append(BattleTurn(turn_no=1, prompt_text="안녕하세요"))
        session.add(battle)
    session.flush()


def gaps(models: int, pairs: int, sides: int) -> dict:
    return {"models": models, "pairs": pairs, "sides": sides}


def test_round_level_and_category_breakdown(db):
    round_ = make_round(db, "rep", models=4, categories=("daily", "coding", "law"))
    battles(db, round_, make_user(db), [("daily", 0, 1), ("daily", 2, 3), ("daily", 0, 2), ("coding", 1, 3)])
    report = exposure_report(db, round_)
    assert report["round"] == "rep" and report["category"] is None
    assert [m["battles"] for m in report["models"]] == [2, 2, 2, 2]
    assert [(m["side_a"], m["side_b"]) for m in report["models"]] == [(2, 0), (1, 1), (1, 1), (0, 2)]
    assert len(report["pairs"]) == 6
    assert report["gaps"] == gaps(0, 1, 2) and report["within_bound"] and report["behind"] == []
    assert report["bound"] == {"aim": 1, "usual": 2, "limit": 2}
    daily, coding, law = report["categories"]
    assert [c["category"] for c in report["categories"]] == ["daily", "coding", "law"]
    assert daily["battles"] == 3 and [m["battles"] for m in daily["models"]] == [2, 1, 2, 1]
    assert daily["gaps"] == gaps(1, 1, 2) and daily["bound"] == {"aim": 1, "usual": 2, "limit": 3}
    assert coding["gaps"] == gaps(1, 1, 1) and coding["battles"] == 1
    assert law["battles"] == 0 and law["gaps"] == gaps(0, 0, 0)
    assert {"models": ["rep-m1", "rep-m3"], "battles": 1} in coding["pairs"]


def test_one_category_with_the_round_level_beside_it(db):
    round_ = make_round(db, "one", models=3, categories=("daily", "coding"))
    battles(db, round_, make_user(db), [("daily", 0, 1), ("daily", 0, 1), ("coding", 2, 0)])
    report = exposure_report(db, round_, "daily")
    assert report["category"] == "daily" and [m["battles"] for m in report["models"]] == [2, 2, 0]
    assert report["gaps"] == gaps(2, 2, 2) and report["within_bound"]
    assert report["round_level"]["gaps"] == gaps(2, 2, 2) and report["round_level"]["bound"]["limit"] == 2
    assert "categories" not in report


def test_a_model_far_behind_is_named_and_gaps_are_taken_among_the_others(db):
    round_ = make_round(db, "late", models=4, categories=("daily",))
    battles(db, round_, make_user(db), [("daily", 0, 1), ("daily", 1, 2), ("daily", 2, 0)] * 3)
    report = exposure_report(db, round_)
    assert report["behind"] == ["late-m3"] and report["gaps"] == gaps(0, 0, 0) and report["within_bound"]
    assert report["categories"][0]["behind"] == ["late-m3"]
    round_.roster[3].model.active = False  # an inactive model is not counted at all
    assert exposure_report(db, round_)["behind"] == []


def test_gaps_over_the_limit_show_as_out_of_bound(db):
    round_ = make_round(db, "bad", models=3, categories=("daily",))
    battles(db, round_, make_user(db), [("daily", 0, 1)] * 3)  # not the sampler's doing: sides 3 apart
    report = exposure_report(db, round_)
    assert report["gaps"]["sides"] == 3 and not report["within_bound"]


def test_route_gives_the_ministry_both_levels(client, db, login):
    round_ = make_round(db, "api", models=3, categories=("daily", "coding"))
    battles(db, round_, make_user(db), [("daily", 0, 1), ("coding", 1, 2)])
    login.as_user(make_user(db, "부처", roles=("ministry",)))
    body = client.get("/api/admin/contest/exposure?round=api").get_json()
    assert body["gaps"] == gaps(1, 1, 1) and [c["category"] for c in body["categories"]] == ["daily", "coding"]
    body = client.get("/api/admin/contest/exposure?round=api&category=coding").get_json()
    assert body["category"] == "coding" and body["round_level"]["gaps"] == gaps(1, 1, 1)
    resp = client.get("/api/admin/contest/exposure?round=api&category=law")
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "unknown_category"
