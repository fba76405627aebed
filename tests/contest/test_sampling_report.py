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


def gaps(models: int, pairs: int, sides: int, pair_sides: int = 1) -> dict:
    return {"models": models, "pairs": pairs, "sides": sides, "pair_sides": pair_sides}


def test_round_level_and_category_breakdown(db):
    round_ = make_round(db, "rep", models=4, categories=("daily", "coding", "law"))
    battles(db, round_, make_user(db), [("daily", 0, 1), ("daily", 2, 3), ("daily", 0, 2), ("coding", 1, 3)])
    report = exposure_report(db, round_)
    assert report["round"] == "rep" and report["category"] is None
    assert [m["battles"] for m in report["models"]] == [2, 2, 2, 2]
    assert [(m["side_a"], m["side_b"]) for m in report["models"]] == [(2, 0), (1, 1), (1, 1), (0, 2)]
    assert len(report["pairs"]) == 6
    assert report["gaps"] == gaps(0, 1, 2) and report["within_bound"] and report["behind"] == []
    assert report["bound"] == {"aim": 1, "usual": 2, "limit": 2, "pair_sides": 2}
    daily, coding, law = report["categories"]
    assert [c["category"] for c in report["categories"]] == ["daily", "coding", "law"]
    assert daily["battles"] == 3 and [m["battles"] for m in daily["models"]] == [2, 1, 2, 1]
    assert daily["gaps"] == gaps(1, 1, 2) and daily["bound"] == {"aim": 1, "usual": 2, "limit": 3, "pair_sides": None}
    assert coding["gaps"] == gaps(1, 1, 1) and coding["battles"] == 1
    assert law["battles"] == 0 and law["gaps"] == gaps(0, 0, 0, 0)
    assert {"models": ["rep-m1", "rep-m3"], "battles": 1} in coding["pairs"]


def test_one_category_with_the_round_level_beside_it(db):
    round_ = make_round(db, "one", models=3, categories=("daily", "coding"))
    battles(db, round_, make_user(db), [("daily", 0, 1), ("daily", 0, 1), ("coding", 2, 0)])
    report = exposure_report(db, round_, "daily")
    assert report["category"] == "daily" and [m["battles"] for m in report["models"]] == [2, 2, 0]
    assert report["gaps"] == gaps(2, 2, 2, 2) and report["within_bound"]  # a category's pair sides: not held
    round_level = report["round_level"]
    assert round_level["gaps"] == gaps(2, 2, 2, 2) and round_level["bound"]["limit"] == 2
    assert round_level["within_bound"]  # m0 was on side A against m1 twice: the round holds a pair's orders to two
    assert "categories" not in report


def test_a_model_far_behind_is_named_and_the_raw_gaps_are_out_of_bound_until_it_catches_up(db):
    round_ = make_round(db, "late", models=4, categories=("daily",))
    battles(db, round_, make_user(db), [("daily", 0, 1), ("daily", 1, 2), ("daily", 2, 0)] * 3)
    report = exposure_report(db, round_)
    assert report["behind"] == ["late-m3"] and report["gaps"] == gaps(6, 3, 0, 3) and not report["within_bound"]
    assert report["level_gaps"] == gaps(0, 0, 0, 3) and not report["level_within_bound"]  # 0-1 always in that order
    assert report["categories"][0]["behind"] == ["late-m3"]
    assert report["categories"][0]["level_within_bound"] and not report["categories"][0]["within_bound"]
    round_.roster[3].model.active = False  # an inactive model is not counted at all
    assert exposure_report(db, round_)["behind"] == []


def test_models_there_all_along_but_short_make_the_round_out_of_bound(db):
    # Like the review's 112/112/102/102/20: short of the most by more than two is named, and
    # the raw gaps (not the gaps among the rest) decide within_bound.
    round_ = make_round(db, "short", models=5, categories=("daily",))
    draws = [(0, 1)] * 5 + [(1, 0)] * 5 + [(0, 2), (2, 0), (1, 3), (3, 1)] * 25 + [(0, 3), (1, 2)] * 1
    draws += [(2, 3), (3, 2)] * 1 + [(4, 0), (0, 4), (4, 1), (1, 4)] * 5
    battles(db, round_, make_user(db), [("daily", a, b) for a, b in draws])
    report = exposure_report(db, round_)
    assert [m["battles"] for m in report["models"]] == [71, 71, 53, 53, 20]
    assert report["behind"] == ["short-m2", "short-m3", "short-m4"]
    assert report["gaps"]["models"] == 51 and not report["within_bound"]
    assert report["level_gaps"]["models"] == 0


def test_a_model_in_outage_is_left_out_when_the_time_is_given(db):
    from datetime import timedelta

    from app.db import utcnow
    round_ = make_round(db, "out", models=3, categories=("daily",))
    battles(db, round_, make_user(db), [("daily", 0, 1), ("daily", 1, 0)] * 2)
    assert exposure_report(db, round_)["behind"] == ["out-m2"]
    now = utcnow()
    round_.roster[2].model.outage_until = now + timedelta(minutes=5)
    report = exposure_report(db, round_, now=now)
    assert report["behind"] == [] and report["gaps"] == gaps(0, 0, 0, 0) and report["within_bound"]
    assert exposure_report(db, round_, now=now + timedelta(minutes=6))["behind"] == ["out-m2"]


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
    assert body["gaps"] == gaps(1, 1, 1) and body["within_bound"]
    assert [c["category"] for c in body["categories"]] == ["daily", "coding"]
    body = client.get("/api/admin/contest/exposure?round=api&category=coding").get_json()
    assert body["category"] == "coding" and body["round_level"]["gaps"] == gaps(1, 1, 1)
    resp = client.get("/api/admin/contest/exposure?round=api&category=law")
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "unknown_category"
