"""What a round compares stays as it was from opening until publication (contest.catalog, catalog_uploads),
the battle's demo flag is the round's, and inputs that used to crash the console answer 4xx.

On SQLite and the real PostgreSQL; every refusal stores nothing and logs nothing.
"""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, update

from app.db import new_session, utcnow
from app.models import User
from contest.models import BankAnswer, Battle, Model, Prompt, Round, Team
from contest.rounds import open_round
from tests.builders import make_user
from tests.contest.test_admin_catalog import (NDJSON, app, as_file, audit_log, jsonl, minister, prompt,  # noqa: F401
                                              refused, snapshot)

ROUND = "demo-2026h2"


def set_status(db, status: str) -> None:
    db.rollback()
    round_ = db.get(Round, ROUND)
    round_.status = status
    setattr(round_, f"{status}_at", utcnow())
    db.commit()


def answer_of(db, slug: str) -> BankAnswer:
    db.rollback()
    return db.scalars(select(BankAnswer).join(Model).where(Model.slug == slug).order_by(BankAnswer.id)).first()


def bank_row(answer: BankAnswer, slug: str, text: str, sample: int | None = None) -> dict:
    return {"prompt_id": answer.prompt_id, "model": slug, "answer": text, "sample": sample or answer.sample}


# ---------------------------------------------------------------- the demo flag (finding 1)
def test_the_demo_flag_is_the_rounds_whichever_pair_is_drawn(client, demo, login):
    """Only one entrant holds demo answers: every battle of the round says demo, whether drawn or not."""
    demo.execute(update(BankAnswer).values(is_demo=False))
    solar = demo.scalars(select(Model.id).where(Model.slug == "solar-demo")).one()
    demo.execute(update(BankAnswer).where(BankAnswer.model_id == solar).values(is_demo=True))
    demo.commit()
    seen: dict[bool, set[bool]] = {True: set(), False: set()}  # solar drawn -> demo flags answered
    for n in range(12):
        login.as_user(make_user(demo, f"시민 {n}"))  # a citizen each, below the per-account limit
        resp = client.post("/api/battles", json={})
        assert resp.status_code == 201, resp.get_data(as_text=True)
        battle = demo.get(Battle, resp.get_json()["battle_id"])
        seen[solar in (battle.model_a_id, battle.model_b_id)].add(resp.get_json()["demo"])
    assert seen == {True: {True}, False: {True}}, "two battles with different pairs, the same flag"

    demo.execute(update(BankAnswer).values(is_demo=False))
    demo.commit()
    assert client.post("/api/battles", json={}).get_json()["demo"] is False


# ---------------------------------------------------------------- the freeze (findings 2 and 3)
def test_answers_of_a_rounds_entrants_stay_until_it_is_published(client, minister, db):
    answer = answer_of(db, "exaone-demo")
    changed = jsonl(bank_row(answer, "exaone-demo", "바뀐 답변"))
    added = jsonl(bank_row(answer, "exaone-demo", "새 표본", sample=99))
    flag_only = jsonl(bank_row(answer, "exaone-demo", answer.text))  # ?demo=0 over demo text
    for status in ("open", "closed"):
        set_status(db, status)
        before = snapshot(db)
        for body, query in ((changed, "?demo=1"), (added, "?demo=1"), (flag_only, "")):
            resp = client.post("/api/admin/bank" + query, data=body.encode(), content_type=NDJSON)
            refused(resp, 409, "answers_frozen")
            assert resp.get_json()["errors"][0].endswith(f": {ROUND}")
            assert snapshot(db) == before
    same = client.post("/api/admin/bank?demo=1", data=flag_only.encode(), content_type=NDJSON)
    assert same.status_code == 200 and same.get_json()["updated"] == 0, "nothing changes: nothing refused"
    assert snapshot(db) == before, "and nothing logged"

    set_status(db, "published")
    resp = client.post("/api/admin/bank?demo=1", data=changed.encode(), content_type=NDJSON)
    assert resp.status_code == 200 and resp.get_json()["updated"] == 1
    assert answer_of(db, "exaone-demo").text == "바뀐 답변"


def test_prompts_of_a_rounds_categories_stay_but_new_ones_may_join(client, minister, db):
    db.rollback()
    held = db.get(Prompt, "p001")
    assert held.category in db.get(Round, ROUND).categories
    moved_out = jsonl(prompt("p001", held.text, "travel"))
    reworded = jsonl(prompt("p001", "다른 질문", held.category))
    assert client.post("/api/admin/prompts", data=jsonl(prompt("t001", category="travel")).encode(),
                       content_type=NDJSON).status_code == 201
    moved_in = jsonl(prompt("t001", category=held.category))
    for status in ("open", "closed"):
        set_status(db, status)
        before = snapshot(db)
        for body in (moved_out, reworded, moved_in):
            resp = client.post("/api/admin/prompts", data=body.encode(), content_type=NDJSON)
            refused(resp, 409, "prompts_frozen")
            assert snapshot(db) == before
    new = client.post("/api/admin/prompts", data=jsonl(prompt("n001", category=held.category)).encode(),
                      content_type=NDJSON)
    assert new.status_code == 201, "a new prompt may join a closed round's category"
    set_status(db, "published")
    assert client.post("/api/admin/prompts", data=reworded.encode(), content_type=NDJSON).status_code == 200


def test_a_teams_names_stay_while_its_model_is_on_a_roster(client, minister, db):
    for status in ("open", "closed"):
        set_status(db, status)
        before = snapshot(db)
        refused(client.patch("/api/admin/teams/upstage", json={"name_en": "Upstage AI"}), 409, "team_in_round")
        assert snapshot(db) == before
        resp = client.patch("/api/admin/models/solar-demo", json={"active": False})
        assert resp.status_code == 200, "withdrawal is always possible"
        assert client.patch("/api/admin/models/solar-demo", json={"active": True}).status_code == 200
    set_status(db, "published")
    assert client.patch("/api/admin/teams/upstage", json={"name_en": "Upstage AI"}).status_code == 200
    db.rollback()
    assert db.scalars(select(Team.name_en).where(Team.slug == "upstage")).one() == "Upstage AI"


# ---------------------------------------------------------------- races (findings 4 and 5)
def _in_thread(call) -> tuple[threading.Thread, list]:
    out: list = []
    thread = threading.Thread(target=lambda: out.append(call()))
    thread.start()
    return thread, out


@pytest.mark.parametrize("url,body,code", [("/api/admin/models/ax-demo", {"version": "9"}, "model_in_open_round"),
                                           ("/api/admin/teams/skt", {"name_en": "SKT"}, "team_in_round")])
def test_a_patch_waits_for_an_opening_and_sees_it(client, minister, db, app, url, body, code):
    """The opening holds its round row (and, on SQLite, the writer's lock); the PATCH locks the row it
    changes, then reads the rounds FOR SHARE, so it waits for the opening's commit and refuses."""
    set_status(db, "draft")
    with app.app_context():
        opener = new_session()
    try:
        open_round(opener, "cli:test", ROUND, utcnow())
        thread, out = _in_thread(lambda: client.patch(url, json=body))
        time.sleep(0.5)
        assert thread.is_alive(), "the PATCH waits for the opening"
        opener.commit()
    finally:
        opener.close()
    thread.join(20)
    refused(out[0], 409, code)
    db.rollback()
    assert db.scalars(select(Model.version).where(Model.slug == "ax-demo")).one() != "9"
    assert db.scalars(select(Team.name_en).where(Team.slug == "skt")).one() != "SKT"


def test_two_identical_uploads_at_once_answer_409_not_500(client, minister, db, app, any_db_url):
    if not any_db_url.startswith("postgresql"):
        pytest.skip("SQLite's single writer makes the second upload wait and find the rows")
    with app.app_context():
        first = new_session()
    try:
        first.add(Prompt(id="d001", language="ko", category="travel", text="먼저 온 질문"))
        first.flush()  # the same key, uncommitted: the upload's insert waits for it
        body = jsonl(prompt("d001", category="travel"))
        thread, out = _in_thread(lambda: client.post("/api/admin/prompts", data=body.encode(),
                                                     content_type=NDJSON))
        time.sleep(0.5)
        first.commit()
    finally:
        first.close()
    thread.join(20)
    refused(out[0], 409, "upload_conflict")
    assert [e for e in audit_log(db) if e.action == "prompts.upload"] == []


# ---------------------------------------------------------------- inputs that used to crash (finding 4)
@pytest.mark.parametrize("route", ["/api/admin/prompts", "/api/admin/bank"])
@pytest.mark.parametrize("depth", [500, 5000])
def test_deeply_nested_lines_are_bad_lines(client, minister, db, route, depth):
    before = snapshot(db)
    resp = client.post(route, data=("[" * depth + "]" * depth + "\n").encode(), content_type=NDJSON)
    refused(resp, 422, "invalid_lines")
    assert resp.get_json()["errors"][0].startswith("line 1:")
    assert snapshot(db) == before


@pytest.mark.parametrize("ref", ["²", "1²", "١", "１", "99999999999"])
def test_only_ascii_digits_name_an_account_by_id(client, minister, db, ref):
    db.rollback()
    assert db.get(User, 1) is not None, "account 1 exists: '١' must not reach it"
    before = snapshot(db)
    refused(client.post("/api/admin/roles", json={"user": ref, "role": "moderator", "grant": True}), 404,
            "unknown_user")
    assert snapshot(db) == before
