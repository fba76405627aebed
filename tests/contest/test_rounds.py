"""The ministry's rounds: drafts, the lifecycle, frozen terms and their public, versioned changes.

Every test runs on SQLite and on the real PostgreSQL; every refused change is checked to store nothing.
"""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry
from contest.demo import DEMO_ACTOR, DEMO_ROUND_ID, seed_demo
from contest.models import Model, Round, RoundModel, RoundProtocol, Team
from contest.protocol import DEFAULT_PROTOCOL
from app.db import utcnow
from tests.builders import make_user

DEMO_MODELS = ["ax-demo", "exaone-demo", "newcall-demo", "solar-demo"]


@pytest.fixture
def app(any_db_url, make_app):
    return make_app(any_db_url)


@pytest.fixture
def ministry(client, demo, login):
    """The ministry logged in, beside the seeded demo contest (four bank-backed models, one open round)."""
    user = make_user(demo, "부처", roles=("ministry",))
    login.as_user(user)
    return user


def draft(**changes) -> dict:
    body = {"id": "r-2027h1", "title": "2027년 상반기", "opens_at": "2026-01-01T00:00:00Z",
            "closes_at": "2030-01-01T09:00:00+09:00", "categories": ["daily", "coding"],
            "roster": ["exaone-demo", "solar-demo"]}
    return {**body, **changes}


def stored(db) -> tuple:
    """Everything a round change could write."""
    db.expire_all()
    tables = (Round, RoundModel, RoundProtocol, AuditEntry)
    counts = tuple(db.scalar(select(func.count()).select_from(t)) for t in tables)
    rounds = [(r.id, r.title, r.status, r.opens_at, r.closes_at, r.categories, r.free_prompts, r.protocol,
               r.protocol_version, r.opened_at, r.closed_at, sorted(rm.model_id for rm in r.roster))
              for r in db.scalars(select(Round).order_by(Round.id))]
    return counts, rounds


def refused(client, db, method: str, url: str, status: int, code: str, json=None):
    """The request is refused with `status` and `code`, and nothing is stored."""
    before = stored(db)
    resp = client.open(url, method=method, json=json)
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.get_json()["error"]["code"] == code
    assert stored(db) == before
    return resp.get_json()["error"]["message"]


def audit(db, action: str) -> list[AuditEntry]:
    db.expire_all()
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_create_a_draft_and_read_it_back(client, demo, ministry):
    resp = client.post("/api/admin/rounds", json=draft(protocol={"bootstrap_rounds": 200}))
    assert resp.status_code == 201, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["status"] == "draft" and body["protocol_version"] == 0 and body["opened_at"] is None
    assert body["closes_at"] == "2030-01-01T00:00:00Z"  # +09:00 kept as the same instant, in UTC
    assert body["roster"] == ["exaone-demo", "solar-demo"] and body["free_prompts"] is False
    assert body["protocol"] == {**DEFAULT_PROTOCOL, "bootstrap_rounds": 200}
    assert "pseudonym_salt" not in body
    assert client.get("/api/admin/rounds/r-2027h1").get_json() == body
    listed = client.get("/api/admin/rounds").get_json()["rounds"]
    assert [r["id"] for r in listed if r["id"] == "r-2027h1"] == ["r-2027h1"]
    salt = demo.get(Round, "r-2027h1").pseudonym_salt
    assert salt not in client.get("/api/admin/rounds").get_data(as_text=True)
    (entry,) = audit(demo, "round.create")[-1:]
    assert entry.actor == f"user:{ministry.id}" and entry.target_id == "r-2027h1" and entry.after == body


def test_invalid_drafts_are_refused_and_store_nothing(client, demo, ministry):
    message = refused(client, demo, "POST", "/api/admin/rounds", 422, "unknown_roster_model",
                      draft(roster=["exaone-demo", "no-such-model"]))
    assert "no-such-model" in message
    refused(client, demo, "POST", "/api/admin/rounds", 409, "round_exists", draft(id=DEMO_ROUND_ID))
    refused(client, demo, "POST", "/api/admin/rounds", 422, "invalid_window",
            draft(closes_at="2026-01-01T09:00:00+09:00"))  # the same instant as opens_at
    refused(client, demo, "POST", "/api/admin/rounds", 422, "no_categories", draft(categories=[]))
    refused(client, demo, "POST", "/api/admin/rounds", 422, "duplicate_category", draft(categories=["a", "a"]))
    refused(client, demo, "POST", "/api/admin/rounds", 422, "duplicate_model", draft(roster=["ax-demo", "ax-demo"]))
    message = refused(client, demo, "POST", "/api/admin/rounds", 422, "invalid_protocol",
                      draft(protocol={"confidence": 2}))
    assert "confidence" in message
    refused(client, demo, "POST", "/api/admin/rounds", 422, "invalid_protocol", draft(protocol={"colour": 1}))
    for literal in ("Infinity", "NaN", "-Infinity"):  # JSON extensions Python's parser lets through
        raw = json.dumps(draft())[:-1] + f', "protocol": {{"seed": {literal}}}}}'
        before = stored(demo)
        resp = client.post("/api/admin/rounds", data=raw, content_type="application/json")
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (422, "invalid_protocol"), literal
        assert stored(demo) == before
    for field in ("seed", "scale", "confidence"):  # past a float's range: no OverflowError, a 422
        message = refused(client, demo, "POST", "/api/admin/rounds", 422, "invalid_protocol",
                          draft(protocol={field: 10**400}))
        assert field in message and "must be between" in message
    for bad_time in ("2026-01-01T00:00:00", "2026-01-01", "next tuesday", "0001-01-01T00:00:00+01:00",
                     "9999-12-31T23:59:59-01:00"):  # no offset, no time, no sense, before and after the calendar
        refused(client, demo, "POST", "/api/admin/rounds", 422, "invalid_field", draft(opens_at=bad_time))
    refused(client, demo, "POST", "/api/admin/rounds", 422, "invalid_field", draft(id="Has Spaces"))
    refused(client, demo, "POST", "/api/admin/rounds", 422, "missing_field",
            {k: v for k, v in draft().items() if k != "categories"})


def test_a_draft_is_edited_freely(client, demo, ministry):
    client.post("/api/admin/rounds", json=draft())
    resp = client.patch("/api/admin/rounds/r-2027h1", json={"roster": DEMO_MODELS, "categories": ["culture"],
                                                            "protocol": {"seed": 7}, "title": "바뀐 제목"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["roster"] == DEMO_MODELS and body["categories"] == ["culture"] and body["title"] == "바뀐 제목"
    assert body["protocol"]["seed"] == 7
    resp = client.patch("/api/admin/rounds/r-2027h1", json={"roster": ["ax-demo"], "protocol": {"min_battles": 5}})
    assert resp.get_json()["roster"] == ["ax-demo"]
    assert resp.get_json()["protocol"]["seed"] == 7, "protocol fields given replace those in force; others stay"
    entry = audit(demo, "round.update")[-1]
    assert entry.before["roster"] == DEMO_MODELS and entry.after["roster"] == ["ax-demo"]
    refused(client, demo, "PATCH", "/api/admin/rounds/r-2027h1", 422, "invalid_window",
            {"closes_at": "2025-01-01T00:00:00Z"})
    refused(client, demo, "PATCH", "/api/admin/rounds/r-2027h1", 422, "unknown_roster_model", {"roster": ["nope"]})
    refused(client, demo, "PATCH", "/api/admin/rounds/r-2027h1", 422, "nothing_to_change", {})
    refused(client, demo, "PATCH", "/api/admin/rounds/r-2027h1", 422, "unknown_field", {"id": "other"})
    refused(client, demo, "PATCH", "/api/admin/rounds/nope", 404, "unknown_round", {"title": "x"})


def test_titles_are_trimmed_before_their_length_is_checked(client, demo, ministry):
    for blank in ("", "  ", "\u3000\t"):  # a full-width space is whitespace too
        refused(client, demo, "POST", "/api/admin/rounds", 422, "invalid_field", draft(title=blank))
    refused(client, demo, "POST", "/api/admin/rounds", 422, "invalid_field", draft(title=" " + "가" * 201 + " "))
    padded = " " + "가" * 199 + "  "  # 202 characters, 199 once trimmed
    resp = client.post("/api/admin/rounds", json=draft(title=padded, title_en=" " + "e" * 200 + " "))
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert (resp.get_json()["title"], resp.get_json()["title_en"]) == ("가" * 199, "e" * 200)
    for blank in ("", "   "):
        refused(client, demo, "PATCH", "/api/admin/rounds/r-2027h1", 422, "invalid_field", {"title": blank})
    resp = client.patch("/api/admin/rounds/r-2027h1", json={"title": "  새 제목 ", "title_en": "   "})
    assert (resp.get_json()["title"], resp.get_json()["title_en"]) == ("새 제목", None)  # blank English clears it


def test_opening_freezes_the_terms_as_version_1(client, demo, ministry):
    client.post("/api/admin/rounds", json=draft(protocol={"bootstrap_rounds": 300}))
    refused(client, demo, "POST", "/api/admin/rounds/r-2027h1/close", 409, "invalid_transition")
    resp = client.post("/api/admin/rounds/r-2027h1/open")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["status"] == "open" and body["protocol_version"] == 1 and body["opened_at"]
    (v1,) = demo.scalars(select(RoundProtocol).where(RoundProtocol.round_id == "r-2027h1")).all()
    assert (v1.version, v1.reason, v1.created_by) == (1, "opened", f"user:{ministry.id}")
    assert v1.protocol == body["protocol"] and v1.protocol["bootstrap_rounds"] == 300
    assert v1.roster == ["exaone-demo", "solar-demo"] and v1.categories == ["daily", "coding"]
    entry = audit(demo, "round.open")[-1]
    assert entry.before["status"] == "draft" and entry.after["status"] == "open"
    refused(client, demo, "POST", "/api/admin/rounds/r-2027h1/open", 409, "invalid_transition")
    assert client.get("/api/rounds/current").status_code == 200  # several rounds open at once: fine
    resp = client.post("/api/admin/rounds/r-2027h1/close")
    assert resp.status_code == 200 and resp.get_json()["status"] == "closed" and resp.get_json()["closed_at"]
    assert audit(demo, "round.close")[-1].after["status"] == "closed"
    refused(client, demo, "POST", "/api/admin/rounds/r-2027h1/close", 409, "invalid_transition")
    refused(client, demo, "POST", "/api/admin/rounds/r-2027h1/open", 409, "invalid_transition")
    refused(client, demo, "POST", "/api/admin/rounds/nope/open", 404, "unknown_round")


def test_a_round_that_cannot_run_is_not_opened(client, demo, ministry):
    client.post("/api/admin/rounds", json=draft(roster=["ax-demo"], closes_at="2026-02-01T00:00:00Z"))
    refused(client, demo, "POST", "/api/admin/rounds/r-2027h1/open", 422, "window_passed")
    client.patch("/api/admin/rounds/r-2027h1", json={"closes_at": "2030-01-01T00:00:00Z"})
    refused(client, demo, "POST", "/api/admin/rounds/r-2027h1/open", 422, "roster_too_small")
    client.patch("/api/admin/rounds/r-2027h1", json={"roster": ["ax-demo", "solar-demo"], "free_prompts": True})
    # a bank answers only the prompts it holds: it can never take a citizen's own prompt
    refused(client, demo, "POST", "/api/admin/rounds/r-2027h1/open", 422, "free_prompts_with_bank")
    for slug in ("ax-demo", "solar-demo"):
        demo.scalars(select(Model).where(Model.slug == slug)).one().backend = {
            "kind": "openai", "base_url": "http://127.0.0.1:9/v1", "model": slug}
    demo.commit()
    assert client.post("/api/admin/rounds/r-2027h1/open").status_code == 200


def test_frozen_terms_change_only_through_a_public_version_with_a_reason(client, demo, ministry):
    client.post("/api/admin/rounds", json=draft())
    client.post("/api/admin/rounds/r-2027h1/open")
    url = "/api/admin/rounds/r-2027h1"
    for frozen in ({"protocol": {"seed": 1}}, {"roster": DEMO_MODELS}, {"categories": ["daily"]},
                   {"free_prompts": True}, {"title": "새 제목", "categories": ["daily"]}):
        refused(client, demo, "PATCH", url, 409, "round_frozen", frozen)
    assert client.patch(url, json={"title": "새 제목"}).get_json()["title"] == "새 제목"  # not a term
    refused(client, demo, "POST", url + "/protocol", 422, "missing_field", {"protocol": {"seed": 1}})
    refused(client, demo, "POST", url + "/protocol", 422, "reason_required", {"reason": "  ", "protocol": {"seed": 1}})
    refused(client, demo, "POST", url + "/protocol", 422, "nothing_to_change", {"reason": "없음"})
    refused(client, demo, "POST", url + "/protocol", 422, "roster_too_small", {"reason": "x", "roster": ["ax-demo"]})
    refused(client, demo, "POST", url + "/protocol", 422, "invalid_protocol",
            {"reason": "x", "protocol": {"bootstrap_rounds": 0}})
    resp = client.post(url + "/protocol", json={"reason": "신규 공모 선정팀 합류", "roster": DEMO_MODELS,
                                                "protocol": {"min_battles": 50}})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    v2 = resp.get_json()
    assert v2["version"] == 2 and v2["reason"] == "신규 공모 선정팀 합류" and v2["roster"] == DEMO_MODELS
    assert v2["protocol"]["min_battles"] == 50 and v2["protocol"]["bootstrap_rounds"] == 1000
    round_ = client.get(url).get_json()
    assert round_["protocol_version"] == 2 and round_["roster"] == DEMO_MODELS and round_["protocol"] == v2["protocol"]
    entry = audit(demo, "round.protocol")[-1]
    assert entry.reason == "신규 공모 선정팀 합류" and entry.before["roster"] == ["exaone-demo", "solar-demo"]
    public = client.get("/api/rounds/r-2027h1/protocols").get_json()
    assert [(v["version"], v["reason"]) for v in public["versions"]] == [(1, "opened"), (2, "신규 공모 선정팀 합류")]
    assert public["versions"][0]["roster"] == ["exaone-demo", "solar-demo"], "version 1 stays as it was"
    assert all(v["created_at"].endswith("Z") for v in public["versions"])
    client.post(url + "/close")
    refused(client, demo, "POST", url + "/protocol", 409, "round_not_open", {"reason": "x", "protocol": {"seed": 2}})


def test_a_draft_takes_no_protocol_version(client, demo, ministry):
    client.post("/api/admin/rounds", json=draft())
    refused(client, demo, "POST", "/api/admin/rounds/r-2027h1/protocol", 409, "round_not_open",
            {"reason": "x", "protocol": {"seed": 2}})


def test_the_demo_round_is_opened_through_the_service(demo):
    round_ = demo.get(Round, DEMO_ROUND_ID)
    assert round_.status == "open" and round_.protocol_version == 1 and round_.protocol == DEFAULT_PROTOCOL
    (v1,) = demo.scalars(select(RoundProtocol).where(RoundProtocol.round_id == DEMO_ROUND_ID)).all()
    assert v1.created_by == DEMO_ACTOR and v1.reason == "opened" and v1.roster == DEMO_MODELS
    actions = demo.scalars(select(AuditEntry.action).where(AuditEntry.target_id == DEMO_ROUND_ID)).all()
    assert actions == ["round.create", "round.open"]
    before = stored(demo)
    assert seed_demo(demo, utcnow())["rounds"] == 0
    demo.commit()
    assert stored(demo) == before


def test_an_actor_from_the_command_line_is_named_in_the_log(demo):
    from contest.rounds import RoundError, close_round

    close_round(demo, "cli:admin", DEMO_ROUND_ID, utcnow())
    demo.commit()
    assert audit(demo, "round.close")[-1].actor == "cli:admin"
    with pytest.raises(RoundError) as refusal:
        close_round(demo, "cli:admin", DEMO_ROUND_ID, utcnow())
    assert (refusal.value.code, refusal.value.status) == ("invalid_transition", 409)


def test_a_new_team_joins_the_next_round(client, demo, ministry):
    team = Team(slug="newteam", name_ko="새 팀", name_en="New team")
    demo.add(Model(slug="new-1", team=team, display_name="New", version="1", backend={"kind": "bank"}))
    demo.commit()
    client.post("/api/admin/rounds", json=draft(roster=["exaone-demo", "new-1"]))
    assert client.post("/api/admin/rounds/r-2027h1/open").get_json()["roster"] == ["exaone-demo", "new-1"]


def test_two_models_sharing_a_name_and_version_are_refused_on_one_roster(client, demo, ministry):
    solar = demo.scalars(select(Model).where(Model.slug == "solar-demo")).one()
    team = Team(slug="copycat", name_ko="따라쟁이", name_en="Copycat")
    demo.add(Model(slug="solar-copy", team=team, display_name=solar.display_name, version=solar.version,
                   backend={"kind": "bank"}))
    demo.commit()
    message = refused(client, demo, "POST", "/api/admin/rounds", 422, "duplicate_model_name",
                      draft(roster=["exaone-demo", "solar-demo", "solar-copy"]))
    assert "solar-demo" in message and "solar-copy" in message
    assert client.post("/api/admin/rounds", json=draft(roster=["exaone-demo", "solar-copy"])).status_code == 201


def test_concurrent_changes_are_serialised_on_postgresql(pg_url, make_app):
    """Two ministry staff at once: one opening wins and the other is told so; two protocol changes
    both land, one after the other, as versions 2 and 3 (the round row is locked, never raced)."""
    from contest.rounds import RoundError, change_protocol, create_round, open_round

    maker = make_app(pg_url).extensions["db_sessionmaker"]
    with maker() as session:
        seed_demo(session, utcnow())
        data = {"id": "r-race", "title": "경합", "opens_at": utcnow().replace(year=2026, month=1, day=1),
                "closes_at": utcnow().replace(year=2030), "categories": ["daily"], "roster": DEMO_MODELS}
        create_round(session, "cli:test", data, utcnow())
        session.commit()
    barrier = threading.Barrier(2)

    def attempt(change) -> str:
        with maker() as session:
            barrier.wait()
            try:
                change(session)
            except RoundError as exc:
                return exc.code
            session.commit()
            return "ok"

    def opening(session):
        open_round(session, "cli:test", "r-race", utcnow())

    def protocol(seed):
        change = {"protocol": {"seed": seed}}
        return lambda session: change_protocol(session, "cli:test", "r-race", f"seed {seed}", change, utcnow())

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(attempt, [opening, opening])) == ["invalid_transition", "ok"]
        assert list(pool.map(attempt, [protocol(1), protocol(2)])) == ["ok", "ok"]
    with maker() as session:
        versions = session.scalars(select(RoundProtocol).where(RoundProtocol.round_id == "r-race")
                                   .order_by(RoundProtocol.version)).all()
        assert [v.version for v in versions] == [1, 2, 3]
        assert sorted(v.reason for v in versions[1:]) == ["seed 1", "seed 2"]
        round_ = session.get(Round, "r-race")
        assert round_.protocol_version == 3 and round_.protocol == versions[-1].protocol


def test_publishing_follows_closing(demo):
    from contest.rounds import RoundError, close_round, mark_published

    with pytest.raises(RoundError) as refusal:
        mark_published(demo, "cli:admin", DEMO_ROUND_ID, utcnow())  # still open
    assert refusal.value.code == "invalid_transition"
    close_round(demo, "cli:admin", DEMO_ROUND_ID, utcnow())
    published = mark_published(demo, "cli:admin", DEMO_ROUND_ID, utcnow())
    demo.commit()
    assert published.status == "published" and published.published_at is not None
    again = mark_published(demo, "cli:admin", DEMO_ROUND_ID, utcnow())  # a correcting snapshot: no change
    assert again.published_at == published.published_at and len(audit(demo, "round.publish")) == 1


def test_the_document_declares_the_refusals_of_each_round_route(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    declared = {(method, path): {code for code in op["responses"] if code != "default"}
                for path, ops in paths.items() if path.startswith("/api/admin/rounds") for method, op in ops.items()}
    assert declared == {("get", "/api/admin/rounds"): {"200"}, ("post", "/api/admin/rounds"): {"201", "409", "422"},
                        ("get", "/api/admin/rounds/{round_id}"): {"200", "404"},
                        ("patch", "/api/admin/rounds/{round_id}"): {"200", "404", "409", "422"},
                        ("post", "/api/admin/rounds/{round_id}/open"): {"200", "404", "409", "422"},
                        ("post", "/api/admin/rounds/{round_id}/close"): {"200", "404", "409"},
                        ("post", "/api/admin/rounds/{round_id}/protocol"): {"201", "404", "409", "422"}}
    for action in ("open", "close"):
        assert "invalid_transition" in paths[f"/api/admin/rounds/{{round_id}}/{action}"]["post"]["responses"]["409"][
            "description"]


def test_every_refusal_has_a_message_in_both_languages(app):
    import re
    from pathlib import Path

    from app.catalogs import defined_keys
    from app.i18n import text

    sources = [Path(__file__).parents[2] / "contest" / name for name in ("rounds.py", "round_terms.py")]
    codes = {code for path in sources for code in re.findall(r'RoundError\("(\w+)"', path.read_text())}
    assert {"round_frozen", "invalid_transition", "invalid_protocol"} <= codes
    for lang in ("ko", "en"):
        assert not [c for c in codes if not text(f"error.{c}", lang, "contest")], lang
    assert not [c for c in codes if f"error.{c}" not in defined_keys()["contest"]]  # contest's own words
