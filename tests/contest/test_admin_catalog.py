"""The ministry console's catalogue API (contest.admin_catalog), on SQLite and the real PostgreSQL.

Every accepted change lands exactly one audit entry with its before and after; every refused one
(404/409/413/415/422) stores nothing and logs nothing. The behaviour tests speak HTTP only.
"""
from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from app.models import AuditEntry, OAuthIdentity, User, UserRole
from contest.models import BankAnswer, Model, Prompt, Round, RoundModel, Team
from tests.builders import make_user

NDJSON = "application/x-ndjson"
KT_MODEL = {"slug": "midm-2", "team": "kt", "display_name": "Mi:dm", "version": "2.0",
            "backend": {"kind": "openai", "base_url": "https://llm.kt.example/v1", "model": "midm-2.0",
                        "api_key_env": "KT_API_KEY", "max_tokens": 2048}}


@pytest.fixture
def app(any_db_url, make_app):
    return make_app(any_db_url, ADMIN_UPLOAD_MAX_BYTES=200_000, BANK_MIN_SAMPLES=2)


@pytest.fixture
def minister(client, demo, login):
    """The demo contest, and `client` logged in as a ministry account."""
    user = make_user(demo, "부처 담당자", roles=("ministry",))
    login.as_user(user)
    return user


def audit_log(db) -> list[AuditEntry]:
    db.rollback()  # a fresh snapshot: the requests committed in sessions of their own
    return list(db.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def count(db, model) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(model))


def snapshot(db) -> tuple:
    """What a refused request must leave untouched: the catalogue, the pool, the bank, roles, the log."""
    db.rollback()
    teams = sorted((t.slug, t.name_ko, t.name_en) for t in db.scalars(select(Team)))
    models = sorted((m.slug, m.team_id, m.display_name, m.version, m.active, json.dumps(m.backend, sort_keys=True))
                    for m in db.scalars(select(Model)))
    prompts = sorted((p.id, p.text) for p in db.scalars(select(Prompt)))
    bank = sorted((a.prompt_id, a.model_id, a.sample, a.text) for a in db.scalars(select(BankAnswer)))
    roles = sorted((r.user_id, r.role) for r in db.scalars(select(UserRole)))
    return teams, models, prompts, bank, roles, count(db, AuditEntry)


def refused(resp, status: int, code: str) -> None:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.get_json()["error"]["code"] == code, resp.get_json()


def send(client, method: str, url: str, body):
    """JSON escaped as a client writes it ("\\ud800" on the wire, never raw surrogate bytes)."""
    return client.open(url, method=method, data=json.dumps(body), content_type="application/json")


def one_new_entry(db, entries_before: int) -> AuditEntry:
    entries = audit_log(db)
    assert len(entries) == entries_before + 1, [(e.action, e.target_id) for e in entries[entries_before:]]
    return entries[-1]


# ---------------------------------------------------------------- teams
def test_team_create_list_rename_each_audited_once(client, minister, db):
    resp = client.post("/api/admin/teams", json={"slug": "kt", "name_ko": "KT", "name_en": "KT Corp."})
    assert resp.status_code == 201 and resp.get_json() == {"slug": "kt", "name_ko": "KT", "name_en": "KT Corp."}
    entry = one_new_entry(db, 0)
    assert (entry.action, entry.target_type, entry.target_id) == ("team.create", "team", "kt")
    assert entry.actor == f"user:{minister.id}" and entry.actor_id == minister.id
    assert entry.before is None and entry.after == {"slug": "kt", "name_ko": "KT", "name_en": "KT Corp."}

    listed = client.get("/api/admin/teams").get_json()["teams"]
    assert [t["slug"] for t in listed] == ["kt", "lg", "newcall", "skt", "upstage"]

    resp = client.patch("/api/admin/teams/kt", json={"name_ko": "케이티"})
    assert resp.status_code == 200 and resp.get_json()["name_ko"] == "케이티"
    entry = one_new_entry(db, 1)
    assert entry.action == "team.update" and entry.before["name_ko"] == "KT" and entry.after["name_ko"] == "케이티"
    assert entry.after["name_en"] == entry.before["name_en"] == "KT Corp."

    # The same names again change nothing, so nothing is logged.
    assert client.patch("/api/admin/teams/kt", json={"name_ko": "케이티", "name_en": "KT Corp."}).status_code == 200
    assert len(audit_log(db)) == 2


@pytest.mark.parametrize("method,url,body,status,code", [
    ("POST", "/api/admin/teams", {"slug": "lg", "name_ko": "엘지", "name_en": "LG"}, 409, "team_exists"),
    ("POST", "/api/admin/teams", {"slug": "K T", "name_ko": "케이티", "name_en": "KT"}, 422, "invalid_field"),
    ("POST", "/api/admin/teams", {"slug": "-kt", "name_ko": "케이티", "name_en": "KT"}, 422, "invalid_field"),
    ("POST", "/api/admin/teams", {"slug": "k" * 41, "name_ko": "케이티", "name_en": "KT"}, 422, "invalid_field"),
    ("POST", "/api/admin/teams", {"slug": "kt", "name_ko": "   ", "name_en": "KT"}, 422, "invalid_field"),
    ("POST", "/api/admin/teams", {"slug": "kt", "name_ko": "케이티"}, 422, "missing_field"),
    ("POST", "/api/admin/teams", {"slug": "kt", "name_ko": "케\ud800", "name_en": "KT"}, 422, "invalid_field"),
    ("PATCH", "/api/admin/teams/nobody", {"name_ko": "누구"}, 404, "unknown_team"),
    ("PATCH", "/api/admin/teams/NO%00BODY", {"name_ko": "누구"}, 404, "unknown_team"),
    ("PATCH", "/api/admin/teams/lg", {"slug": "lg2"}, 422, "unknown_field"),
    ("PATCH", "/api/admin/teams/lg", {"name_en": None}, 422, "invalid_field"),
])
def test_team_refusals_store_and_log_nothing(client, minister, db, method, url, body, status, code):
    before = snapshot(db)
    refused(send(client, method, url, body), status, code)
    assert snapshot(db) == before


# ---------------------------------------------------------------- models
def test_a_team_from_a_new_call_joins_and_a_dropped_team_withdraws(client, minister, db):
    """Ordinary operations between rounds: a new team and its model come in; a dropped team's model goes."""
    assert client.post("/api/admin/teams", json={"slug": "kt", "name_ko": "KT", "name_en": "KT"}).status_code == 201
    resp = client.post("/api/admin/models", json=KT_MODEL)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.get_json() == {**KT_MODEL, "active": True}
    entry = one_new_entry(db, 1)
    assert (entry.action, entry.target_id, entry.before, entry.after) == ("model.create", "midm-2", None,
                                                                          {**KT_MODEL, "active": True})

    # The demo round is open, and withdrawing is always allowed (a team dropped, or an outage).
    resp = client.patch("/api/admin/models/solar-demo", json={"active": False})
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    entry = one_new_entry(db, 2)
    assert entry.action == "model.update" and entry.before["active"] is True and entry.after["active"] is False
    assert {k: v for k, v in entry.before.items() if k != "active"} == \
           {k: v for k, v in entry.after.items() if k != "active"}
    db.rollback()
    assert db.scalars(select(Model).where(Model.slug == "solar-demo")).one().active is False
    models = {m["slug"]: m for m in client.get("/api/admin/models").get_json()["models"]}
    assert models["solar-demo"]["active"] is False and models["midm-2"]["team"] == "kt"


@pytest.mark.parametrize("change", [{"display_name": "EXAONE 4"}, {"version": "demo-2"}, {"team": "skt"},
                                    {"backend": {"kind": "openai", "base_url": "http://10.0.0.5:8000/v1",
                                                 "model": "exaone"}}])
def test_a_model_in_an_open_round_keeps_what_it_is_until_the_round_closes(client, minister, db, change):
    before = snapshot(db)
    refused(client.patch("/api/admin/models/exaone-demo", json={**change, "active": False}), 409,
            "model_in_open_round")
    assert snapshot(db) == before, "the refusal stored nothing, not even the `active` change beside it"

    round_ = db.get(Round, "demo-2026h2")
    round_.status, round_.closed_at = "closed", utcnow()
    db.commit()
    resp = client.patch("/api/admin/models/exaone-demo", json=change)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    entry = one_new_entry(db, before[-1])
    (field, value), = change.items()
    assert entry.after[field] == value and entry.before[field] != value


def test_a_model_only_on_a_draft_roster_may_change(client, minister, db):
    assert client.post("/api/admin/teams", json={"slug": "kt", "name_ko": "KT", "name_en": "KT"}).status_code == 201
    assert client.post("/api/admin/models", json=KT_MODEL).status_code == 201
    db.rollback()
    draft = Round(id="r-draft", title="next round", opens_at=utcnow() + timedelta(days=30),
                  closes_at=utcnow() + timedelta(days=60), categories=["daily"], status="draft")
    db.add(draft)
    draft.roster.append(RoundModel(model_id=db.scalars(select(Model.id).where(Model.slug == "midm-2")).one()))
    db.commit()
    resp = client.patch("/api/admin/models/midm-2", json={"version": "2.1", "backend": {"kind": "bank"}})
    assert resp.status_code == 200 and resp.get_json()["backend"] == {"kind": "bank"}
    assert resp.get_json()["version"] == "2.1"


BAD_BACKENDS = [
    {"base_url": "https://x.example/v1", "model": "m"},  # no kind
    {"kind": "vllm", "base_url": "https://x.example/v1", "model": "m"},
    {"kind": "bank", "base_url": "https://x.example/v1"},
    {"kind": "openai", "model": "m"},
    {"kind": "openai", "base_url": "ftp://x.example/v1", "model": "m"},
    {"kind": "openai", "base_url": "https://", "model": "m"},
    {"kind": "openai", "base_url": "https://user:sk-secret@x.example/v1", "model": "m"},
    {"kind": "openai", "base_url": "https://x.example/v1", "model": " "},
    {"kind": "openai", "base_url": "https://x.example/v1", "model": "m", "api_key_env": "sk-live-1234abcd"},
    {"kind": "openai", "base_url": "https://x.example/v1", "model": "m", "api_key_env": "1KEY"},
    {"kind": "openai", "base_url": "https://x.example/v1", "model": "m", "max_tokens": 0},
    {"kind": "openai", "base_url": "https://x.example/v1", "model": "m", "max_tokens": 32769},
    {"kind": "openai", "base_url": "https://x.example/v1", "model": "m", "max_tokens": True},
    {"kind": "openai", "base_url": "https://x.example/v1", "model": "m", "api_key": "sk-live-1234"},
    "bank",
]


@pytest.mark.parametrize("backend", BAD_BACKENDS, ids=[str(i) for i in range(len(BAD_BACKENDS))])
def test_a_bad_backend_is_refused_on_create_and_on_patch(client, minister, db, backend):
    before = snapshot(db)
    body = {**KT_MODEL, "team": "lg", "backend": backend}
    resp = client.post("/api/admin/models", json=body)
    refused(resp, 422, "invalid_field")
    assert "'backend'" in resp.get_json()["error"]["message"]
    db.get(Round, "demo-2026h2").status = "closed"  # so only validation can refuse the PATCH
    db.commit()
    refused(client.patch("/api/admin/models/exaone-demo", json={"backend": backend}), 422, "invalid_field")
    assert snapshot(db) == before


@pytest.mark.parametrize("method,url,body,status,code", [
    ("POST", "/api/admin/models", {**KT_MODEL, "team": "nobody"}, 422, "unknown_team"),
    ("POST", "/api/admin/models", {**KT_MODEL, "slug": "exaone-demo", "team": "lg"}, 409, "model_exists"),
    ("POST", "/api/admin/models", {**KT_MODEL, "slug": "Mi dm", "team": "lg"}, 422, "invalid_field"),
    ("POST", "/api/admin/models", {**KT_MODEL, "team": "lg", "version": ""}, 422, "invalid_field"),
    ("POST", "/api/admin/models", {**KT_MODEL, "team": "lg", "active": "yes"}, 422, "invalid_field"),
    ("POST", "/api/admin/models", {k: v for k, v in KT_MODEL.items() if k != "backend"}, 422, "missing_field"),
    ("PATCH", "/api/admin/models/nobody", {"active": False}, 404, "unknown_model"),
    ("PATCH", "/api/admin/models/exaone-demo", {"slug": "exaone-2"}, 422, "unknown_field"),
    ("PATCH", "/api/admin/models/exaone-demo", {"active": None}, 422, "invalid_field"),
])
def test_model_refusals_store_and_log_nothing(client, minister, db, method, url, body, status, code):
    before = snapshot(db)
    refused(send(client, method, url, body), status, code)
    assert snapshot(db) == before


def test_patching_a_model_onto_an_unknown_team_is_refused(client, minister, db):
    db.get(Round, "demo-2026h2").status = "closed"
    db.commit()
    before = snapshot(db)
    refused(client.patch("/api/admin/models/exaone-demo", json={"team": "nobody"}), 422, "unknown_team")
    assert snapshot(db) == before
