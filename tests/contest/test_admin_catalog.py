"""The ministry console's catalogue API (contest.admin_catalog), on SQLite and the real PostgreSQL.

Every accepted change lands exactly one audit entry with its before and after; every refused one
(404/409/413/415/422) stores nothing and logs nothing. The behaviour tests speak HTTP only.
"""
from __future__ import annotations

import io
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from app.models import AuditEntry, OAuthIdentity, User, UserRole
from contest.models import BankAnswer, Battle, Model, Prompt, Round, RoundModel, Team
from tests.builders import make_user

NDJSON = "application/x-ndjson"
KT_MODEL = {"slug": "midm-2", "team": "kt", "display_name": "Mi:dm", "version": "2.0",
            "backend": {"kind": "openai", "base_url": "https://llm.kt.example/v1", "model": "midm-2.0",
                        "api_key_env": "MODEL_KEY_KT", "max_tokens": 2048}}


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
    # the demo seed opens its round through the round service, which is audited too: not ours to count
    return list(db.scalars(select(AuditEntry).where(AuditEntry.actor != "cli:seed-demo").order_by(AuditEntry.id)))


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
    return teams, models, prompts, bank, roles, len(audit_log(db))


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


TEAM_REFUSALS = [
    ("POST", "/api/admin/teams", {"slug": "lg", "name_ko": "엘지", "name_en": "LG"}, 409, "team_exists"),
    ("POST", "/api/admin/teams", {"slug": "K T", "name_ko": "케이티", "name_en": "KT"}, 422, "invalid_field"),
    ("POST", "/api/admin/teams", {"slug": "-kt", "name_ko": "케이티", "name_en": "KT"}, 422, "invalid_field"),
    ("POST", "/api/admin/teams", {"slug": "k" * 41, "name_ko": "케이티", "name_en": "KT"}, 422, "invalid_field"),
    ("POST", "/api/admin/teams", {"slug": "kt", "name_ko": "   ", "name_en": "KT"}, 422, "invalid_field"),
    ("POST", "/api/admin/teams", {"slug": "kt", "name_ko": "케이티"}, 422, "missing_field"),
    ("POST", "/api/admin/teams", {"slug": "kt", "name_ko": "케\ud800", "name_en": "KT"}, 422, "invalid_field"),
    ("PATCH", "/api/admin/teams/nobody", {"name_ko": "누구"}, 404, "unknown_team"),
    ("PATCH", "/api/admin/teams/NO%00BODY", {"name_ko": "누구"}, 404, "unknown_team"),
    ("PATCH", "/api/admin/teams/%ED%A0%80", {"name_ko": "누구"}, 404, "unknown_team"),
    ("PATCH", "/api/admin/teams/" + "t" * 41, {"name_ko": "누구"}, 404, "unknown_team"),
    ("PATCH", "/api/admin/teams/lg", {"slug": "lg2"}, 422, "unknown_field"),
    ("PATCH", "/api/admin/teams/lg", {"name_en": None}, 422, "invalid_field"),
]


def test_a_slug_made_before_the_api_can_still_be_edited(client, minister, db):
    db.add(Team(slug="Old_Team", name_ko="옛 팀", name_en="Old team"))
    db.commit()
    resp = client.patch("/api/admin/teams/Old_Team", json={"name_en": "Old team (renamed)"})
    assert resp.status_code == 200 and resp.get_json()["slug"] == "Old_Team"


# ---------------------------------------------------------------- models
def test_a_team_from_a_new_call_joins_and_a_dropped_team_withdraws(client, minister, db, app, login):
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

    # Withdrawn means withdrawn: the open round's battles no longer draw it.
    citizen = app.test_client()
    login.as_user(make_user(db, "시민"), client=citizen)
    for _ in range(6):
        assert citizen.post("/api/battles", json={"category": "daily"}).status_code == 201
    db.rollback()
    drawn = {slug for battle in db.scalars(select(Battle)) for slug in (battle.model_a.slug, battle.model_b.slug)}
    assert drawn and "solar-demo" not in drawn


@pytest.mark.parametrize("change", [{"display_name": "EXAONE 4"}, {"version": "demo-2"}, {"team": "skt"},
                                    {"backend": {"kind": "openai", "base_url": "http://10.0.0.5:8000/v1",
                                                 "model": "exaone"}}])
def test_a_model_in_an_open_round_keeps_what_it_is_until_the_round_is_published(client, minister, db, change):
    before = snapshot(db)
    refused(client.patch("/api/admin/models/exaone-demo", json={**change, "active": False}), 409,
            "model_in_open_round")
    assert snapshot(db) == before, "the refusal stored nothing, not even the `active` change beside it"

    round_ = db.get(Round, "demo-2026h2")
    round_.status, round_.closed_at = "closed", utcnow()
    db.commit()
    # Closed but not yet published: the snapshot to come names the model as it was compared.
    refused(client.patch("/api/admin/models/exaone-demo", json=change), 409, "model_in_open_round")
    assert snapshot(db) == before
    round_.status, round_.published_at = "published", utcnow()
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
    {"kind": "openai", "base_url": "http://[::1/v1", "model": "m"},
    {"kind": "openai", "base_url": "http://x.example:99999/v1", "model": "m"},
    {"kind": "openai", "base_url": "https://x.example/v1", "model": " "},
    {"kind": "openai", "base_url": "https://x.example/v1", "model": "m", "api_key_env": "sk-live-1234abcd"},
    {"kind": "openai", "base_url": "https://x.example/v1", "model": "m", "api_key_env": "1KEY"},
    # only a team key's own namespace: never the platform's secrets sent to a URL the account chose
    {"kind": "openai", "base_url": "https://x.example/v1", "model": "m", "api_key_env": "ARENA_SECRET_KEY"},
    {"kind": "openai", "base_url": "https://x.example/v1", "model": "m", "api_key_env": "KT_API_KEY"},
    {"kind": "openai", "base_url": "https://x.example/v1", "model": "m", "api_key_env": "MODEL_KEY_"},
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


MODEL_REFUSALS = [
    ("POST", "/api/admin/models", {**KT_MODEL, "team": "nobody"}, 422, "unknown_team"),
    ("POST", "/api/admin/models", {**KT_MODEL, "slug": "exaone-demo", "team": "lg"}, 409, "model_exists"),
    ("POST", "/api/admin/models", {**KT_MODEL, "slug": "Mi dm", "team": "lg"}, 422, "invalid_field"),
    ("POST", "/api/admin/models", {**KT_MODEL, "team": "lg", "version": ""}, 422, "invalid_field"),
    ("POST", "/api/admin/models", {**KT_MODEL, "team": "lg", "active": "yes"}, 422, "invalid_field"),
    ("POST", "/api/admin/models", {k: v for k, v in KT_MODEL.items() if k != "backend"}, 422, "missing_field"),
    ("PATCH", "/api/admin/models/nobody", {"active": False}, 404, "unknown_model"),
    ("PATCH", "/api/admin/models/exaone-demo", {"slug": "exaone-2"}, 422, "unknown_field"),
    ("PATCH", "/api/admin/models/exaone-demo", {"active": None}, 422, "invalid_field"),
]


@pytest.mark.parametrize("method,url,body,status,code", TEAM_REFUSALS + MODEL_REFUSALS)
def test_refusals_store_and_log_nothing(client, minister, db, method, url, body, status, code):
    before = snapshot(db)
    refused(send(client, method, url, body), status, code)
    assert snapshot(db) == before


def test_patching_a_model_onto_an_unknown_team_is_refused(client, minister, db):
    db.get(Round, "demo-2026h2").status = "closed"
    db.commit()
    before = snapshot(db)
    refused(client.patch("/api/admin/models/exaone-demo", json={"team": "nobody"}), 422, "unknown_team")
    assert snapshot(db) == before


# ---------------------------------------------------------------- uploads
def jsonl(*rows) -> str:
    return "".join((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n" for row in rows)


def as_file(text: str | bytes) -> dict:
    data = text.encode() if isinstance(text, str) else text
    return {"file": (io.BytesIO(data), "pool.jsonl")}


def prompt(pid: str, text: str = "서울에서 가 볼 만한 도서관을 추천해 주세요.", category: str = "daily") -> dict:
    return {"id": pid, "language": "ko", "category": category, "text": text}


def test_prompt_upload_as_json_lines_then_as_a_form_file_each_audited_once(client, minister, db):
    held = count(db, Prompt)
    # "travel" is no category of the open demo round, so its prompts may change.
    body = jsonl(prompt("x001", category="travel"), prompt("x002", "김치찌개 끓이는 법을 알려 주세요.", "travel"))
    resp = client.post("/api/admin/prompts", data=body.encode(), content_type=NDJSON)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.get_json() == {"created": 2, "updated": 0, "min_samples": 0, "short": []}
    entry = one_new_entry(db, 0)
    assert (entry.action, entry.target_type, entry.actor) == ("prompts.upload", "prompts", f"user:{minister.id}")
    assert entry.before == {"rows": held, "replaced": {}}
    assert entry.after["created"] == 2 and entry.after["updated"] == 0 and entry.after["rows"] == held + 2
    assert entry.after["created_keys"] == ["x001", "x002"] and entry.after["updated_keys"] == []
    assert entry.after["written"]["x002"] == {"language": "ko", "category": "travel",
                                              "text": "김치찌개 끓이는 법을 알려 주세요."}
    assert entry.after["bytes"] == len(body.encode()) and len(entry.after["sha256"]) == 64

    changed = jsonl(prompt("x001", category="travel"), prompt("x002", "된장찌개 끓이는 법을 알려 주세요.", "travel"))
    resp = client.post("/api/admin/prompts", data=as_file(changed), content_type="multipart/form-data")
    assert resp.status_code == 200 and resp.get_json()["created"] == 0 and resp.get_json()["updated"] == 1
    entry = one_new_entry(db, 1)
    assert entry.after["updated"] == 1 and entry.after["rows"] == held + 2
    assert entry.after["created_keys"] == [] and entry.after["updated_keys"] == ["x002"]
    assert entry.before["replaced"] == {"x002": {"language": "ko", "category": "travel",
                                                 "text": "김치찌개 끓이는 법을 알려 주세요."}}
    assert entry.after["written"] == {"x002": {"language": "ko", "category": "travel",
                                               "text": "된장찌개 끓이는 법을 알려 주세요."}}
    assert db.get(Prompt, "x002").text == "된장찌개 끓이는 법을 알려 주세요."


def test_any_bad_line_rejects_the_whole_file_with_every_line_number(client, minister, db):
    lines = jsonl(prompt("x001"),
                  {**prompt("x002"), "language": "fr"},
                  '{"id": "x003", "language": "ko", ',
                  '{"id": "x004", "language": "ko", "category": "daily", "text": "봄\\ud800"}',
                  '{"id": "x005", "language": "ko", "category": "daily", "text": "a\\u0000b"}',
                  "[" * 5000 + "]" * 5000,
                  '{"id": "x007", "language": "ko", "category": "daily", "text": "t", "n": ' + "9" * 5000 + "}",
                  prompt("x008"), prompt("x001", "다시"))
    before = snapshot(db)
    for resp in (client.post("/api/admin/prompts", data=lines.encode(), content_type=NDJSON),
                 client.post("/api/admin/prompts", data=as_file(lines), content_type="multipart/form-data")):
        refused(resp, 422, "invalid_lines")
        errors = resp.get_json()["errors"]
        assert [int(e.split(":")[0].removeprefix("line ")) for e in errors] == [2, 3, 4, 5, 6, 7, 9], errors
        assert "language" in errors[0] and "duplicate" in errors[-1] and resp.get_json()["error_count"] == 7
        assert resp.get_json()["error"]["message"].endswith(errors[0])
    assert snapshot(db) == before


def test_a_prompt_category_a_round_could_never_name_is_refused_with_its_line(client, minister, db):
    """Rounds name categories as lowercase slugs; "Coding" or "daily " would sit in the pool unused."""
    before = snapshot(db)
    lines = jsonl(prompt("x001"), {**prompt("x002"), "category": "Coding"}, {**prompt("x003"), "category": "daily "},
                  {**prompt("x004"), "category": "생활"}, {**prompt("x005"), "category": "long-form_2"})
    resp = client.post("/api/admin/prompts", data=lines.encode(), content_type=NDJSON)
    refused(resp, 422, "invalid_lines")
    assert [e.split(":")[0] for e in resp.get_json()["errors"]] == ["line 2", "line 3", "line 4"]
    assert "'Coding' must be lowercase letters" in resp.get_json()["errors"][0]
    assert snapshot(db) == before


@pytest.mark.parametrize("data,content_type,status,code", [
    ("\ufeff".encode("utf-16-le") + jsonl(prompt("x001")).encode("utf-16-le"), NDJSON, 422, "not_utf8"),
    (b"\n \n", NDJSON, 422, "empty_upload"),
    (jsonl(prompt("x001")).encode(), "application/json", 415, "unsupported_media_type"),
    (jsonl(prompt("x001") | {"text": "긴 질문 " * 60}).encode() * 700, NDJSON, 413, "too_large"),
])
def test_unreadable_or_oversized_uploads_store_and_log_nothing(client, minister, db, data, content_type, status,
                                                                code):
    before = snapshot(db)
    refused(client.post("/api/admin/prompts", data=data, content_type=content_type), status, code)
    refused(client.post("/api/admin/bank", data=data, content_type=content_type), status, code)
    if content_type == NDJSON:
        refused(client.post("/api/admin/bank", data=as_file(data), content_type="multipart/form-data"), status, code)
    assert snapshot(db) == before


def test_a_form_without_the_file_field_is_refused(client, minister, db):
    before = snapshot(db)
    refused(client.post("/api/admin/prompts", data={"upload": "x"}, content_type="multipart/form-data"), 422,
            "missing_file")
    assert snapshot(db) == before


def new_bank_model(client) -> None:
    assert client.post("/api/admin/teams", json={"slug": "kt", "name_ko": "KT", "name_en": "KT"}).status_code == 201
    body = {**KT_MODEL, "backend": {"kind": "bank"}}
    assert client.post("/api/admin/models", json=body).status_code == 201


def test_bank_upload_larger_than_the_app_limit_reports_short_pairs(client, minister, db):
    new_bank_model(client)
    prompt_ids = sorted(db.scalars(select(Prompt.id)))
    rows = [{"prompt_id": pid, "model": "midm-2", "sample": n, "answer": f"{pid} 답변 {n}. " + "설명 " * 300}
            for pid in prompt_ids[1:] for n in (1, 2)] + [{"prompt_id": prompt_ids[0], "model": "midm-2",
                                                          "answer": "한 개뿐인 답변"}]
    data = jsonl(*rows).encode()
    assert 64 * 1024 < len(data) < 200_000, "above MAX_CONTENT_LENGTH, below ADMIN_UPLOAD_MAX_BYTES"
    resp = client.post("/api/admin/bank?demo=1", data=as_file(data), content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["created"] == len(rows) and body["min_samples"] == 2
    assert {"prompt_id": prompt_ids[0], "model": "midm-2", "samples": 1} in body["short"]
    assert not [s for s in body["short"] if s["model"] == "midm-2" and s["prompt_id"] != prompt_ids[0]]
    entry = one_new_entry(db, 2)
    assert entry.action == "bank.upload" and entry.after["demo"] is True and entry.after["created"] == len(rows)
    assert entry.after["rows"] == entry.before["rows"] + len(rows) and entry.before["replaced"] == {}
    assert len(entry.after["created_keys"]) == len(rows) and f"{prompt_ids[0]}/midm-2/1" in entry.after["created_keys"]
    assert entry.after["written"][f"{prompt_ids[0]}/midm-2/1"] == {"answer": "한 개뿐인 답변", "demo": True}

    # The same file without ?demo=1: every answer's flag changes; the log keeps what each held.
    resp = client.post("/api/admin/bank", data=as_file(data), content_type="multipart/form-data")
    assert resp.status_code == 200 and resp.get_json()["updated"] == len(rows)
    entry = one_new_entry(db, 3)
    assert entry.after["updated_keys"] == sorted(entry.before["replaced"])
    assert len(entry.after["updated_keys"]) == len(rows)
    assert entry.before["replaced"][f"{prompt_ids[0]}/midm-2/1"] == {"answer": "한 개뿐인 답변", "demo": True}
    demo_flags = set(db.scalars(select(BankAnswer.is_demo).join(Model).where(Model.slug == "midm-2")))
    assert demo_flags == {False}


def test_bank_upload_refuses_unknown_models_and_a_bad_demo_flag(client, minister, db):
    before = snapshot(db)
    rows = jsonl({"prompt_id": "p001", "model": "exaone-demo", "sample": 9, "answer": "좋아요"},
                 {"prompt_id": "p001", "model": "nobody", "answer": "좋아요"},
                 {"prompt_id": "p999", "model": "exaone-demo", "answer": "좋아요"})
    resp = client.post("/api/admin/bank", data=rows.encode(), content_type="text/plain")
    refused(resp, 422, "invalid_lines")
    assert [e.split(":")[0] for e in resp.get_json()["errors"]] == ["line 2", "line 3"]
    good = jsonl({"prompt_id": "p001", "model": "exaone-demo", "sample": 9, "answer": "좋아요"})
    refused(client.post("/api/admin/bank?demo=yes", data=good.encode(), content_type=NDJSON), 422,
            "invalid_parameter")
    assert snapshot(db) == before


def test_only_the_ministry_may_send_a_large_upload(client, demo, login, db):
    """The raised size limit is the ministry's: anyone else's large body is refused before it is read."""
    citizen = make_user(demo, "시민")
    login.as_user(citizen)
    small = jsonl(prompt("x001")).encode()
    refused(client.post("/api/admin/prompts", data=as_file(small), content_type="multipart/form-data"), 403,
            "forbidden")
    large = small * 1000
    refused(client.post("/api/admin/prompts", data=as_file(large), content_type="multipart/form-data"), 413,
            "too_large")
    assert count(db, Prompt) == 40 and audit_log(db) == []


# ---------------------------------------------------------------- roles
def staff_account(db, subject: str, roles=(), status: str = "active") -> User:
    user = make_user(db, f"직원 {subject}", roles=roles)
    user.status = status
    db.add(OAuthIdentity(user_id=user.id, provider="local", subject=subject))
    db.commit()
    return user


def role_change(client, user, role: str, grant: bool):
    return client.post("/api/admin/roles", json={"user": user, "role": role, "grant": grant})


def test_grant_and_revoke_by_login_or_id_each_audited_once(client, minister, db):
    staffer = staff_account(db, "staff-1")
    resp = role_change(client, "local:staff-1", "moderator", True)
    assert resp.status_code == 200 and resp.get_json()["changed"] is True
    assert resp.get_json()["account"]["roles"] == ["moderator"]
    entry = one_new_entry(db, 0)
    assert (entry.action, entry.target_type, entry.target_id) == ("role.grant", "user", str(staffer.id))
    assert entry.before == {"roles": []} and entry.after == {"roles": ["moderator"]}
    accounts = {a["id"]: a for a in client.get("/api/admin/roles").get_json()["accounts"]}
    assert accounts[staffer.id]["identities"] == ["local:staff-1"] and accounts[minister.id]["roles"] == ["ministry"]
    assert accounts[staffer.id]["grants"][0]["granted_by"] == f"user:{minister.id}"

    assert role_change(client, "local:staff-1", "moderator", True).get_json()["changed"] is False
    assert len(audit_log(db)) == 1, "granting a role held already changes nothing and logs nothing"

    resp = role_change(client, staffer.id, "moderator", False)
    assert resp.status_code == 200 and resp.get_json()["account"]["roles"] == []
    entry = one_new_entry(db, 1)
    assert entry.action == "role.revoke" and entry.before == {"roles": ["moderator"]} and entry.after == {"roles": []}
    assert role_change(client, str(staffer.id), "moderator", False).get_json()["changed"] is False
    assert len(audit_log(db)) == 2
    assert staffer.id not in {a["id"] for a in client.get("/api/admin/roles").get_json()["accounts"]}


@pytest.mark.parametrize("body,status,code", [
    ({"user": "local:nobody", "role": "moderator", "grant": True}, 404, "unknown_user"),
    ({"user": "nobody", "role": "moderator", "grant": True}, 404, "unknown_user"),
    ({"user": "99999999999999", "role": "moderator", "grant": True}, 404, "unknown_user"),
    ({"user": 2**40, "role": "moderator", "grant": True}, 404, "unknown_user"),
    ({"user": 0, "role": "moderator", "grant": True}, 422, "invalid_field"),
    ({"user": "local:staff-1", "role": "citizen", "grant": True}, 422, "invalid_field"),
    ({"user": "local:staff-1", "role": "moderator", "grant": "yes"}, 422, "invalid_field"),
    ({"user": "local:staff-1", "role": "moderator"}, 422, "missing_field"),
    ({"user": "local:\ud800", "role": "moderator", "grant": True}, 422, "invalid_field"),
    ({"user": "local:a\u0000", "role": "moderator", "grant": True}, 422, "invalid_field"),
])
def test_role_refusals_store_and_log_nothing(client, minister, db, body, status, code):
    staff_account(db, "staff-1")
    before = snapshot(db)
    refused(send(client, "POST", "/api/admin/roles", body), status, code)
    assert snapshot(db) == before


def test_the_last_ministry_account_cannot_lock_the_ministry_out(client, minister, db, login, app):
    before = snapshot(db)
    refused(role_change(client, minister.id, "ministry", False), 409, "last_ministry")
    staff_account(db, "suspended-minister", roles=("ministry",), status="suspended")
    refused(role_change(client, minister.id, "ministry", False), 409, "last_ministry")
    assert snapshot(db)[-2:] == (before[-2] + [(minister.id + 1, "ministry")], before[-1])

    deputy = staff_account(db, "deputy")
    assert role_change(client, "local:deputy", "ministry", True).status_code == 200
    resp = role_change(client, minister.id, "ministry", False)
    assert resp.status_code == 200 and resp.get_json()["account"]["roles"] == []
    assert client.get("/api/admin/teams").status_code == 403, "the role is gone at once"
    deputy_client = app.test_client()
    login.as_user(deputy, client=deputy_client)
    refused(role_change(deputy_client, deputy.id, "ministry", False), 409, "last_ministry")
    assert [e.action for e in audit_log(db)] == ["role.grant", "role.revoke"]


def test_two_ministers_revoking_each_other_at_once_never_both_succeed(client, minister, db, login, app):
    """The ministry role rows are locked while counted (PostgreSQL); SQLite lets one writer through."""
    deputy = staff_account(db, "deputy", roles=("ministry",))
    other = app.test_client()
    login.as_user(deputy, client=other)
    for _ in range(4):
        barrier = threading.Barrier(2)

        def revoke(caller, target, out: list) -> None:
            barrier.wait()
            out.append(role_change(caller, target, "ministry", False).status_code)

        statuses: list[int] = []
        threads = [threading.Thread(target=revoke, args=(client, deputy.id, statuses)),
                   threading.Thread(target=revoke, args=(other, minister.id, statuses))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses.count(200) <= 1 and set(statuses) <= {200, 403, 409, 503}, statuses
        db.rollback()
        holders = set(db.scalars(select(UserRole.user_id).where(UserRole.role == "ministry")))
        assert len(holders) == 1 or (holders == {minister.id, deputy.id} and 200 not in statuses), statuses
        restorer = client if minister.id in holders else other
        assert role_change(restorer, "local:deputy" if minister.id in holders else minister.id, "ministry",
                           True).status_code == 200
    assert len([e for e in audit_log(db) if e.action == "role.revoke"]) == \
           len([e for e in audit_log(db) if e.action == "role.grant"])


# ---------------------------------------------------------------- audit log
def test_audit_log_newest_first_paged_and_filtered(client, minister, db):
    for slug in ("t1", "t2", "t3"):
        assert client.post("/api/admin/teams", json={"slug": slug, "name_ko": slug, "name_en": slug}).status_code == 201
    staff_account(db, "staff-1")
    assert role_change(client, "local:staff-1", "moderator", True).status_code == 200
    page = client.get("/api/admin/audit", query_string={"limit": 2}).get_json()
    assert [e["action"] for e in page["entries"]] == ["role.grant", "team.create"]
    assert page["entries"][1]["target"] == {"type": "team", "id": "t3"} and page["entries"][1]["before"] is None
    assert page["entries"][1]["actor"] == f"user:{minister.id}" and page["entries"][1]["at"].endswith("Z")
    rest = client.get("/api/admin/audit", query_string={"limit": 2, "before": page["next_before"]}).get_json()
    assert [e["target"]["id"] for e in rest["entries"]] == ["t2", "t1"]
    seeded = client.get("/api/admin/audit", query_string={"limit": 2, "before": rest["next_before"]}).get_json()
    assert [e["action"] for e in seeded["entries"]] == ["round.open", "round.create"]  # the demo seed's own
    last = client.get("/api/admin/audit", query_string={"limit": 2, "before": seeded["next_before"]}).get_json()
    assert last == {"entries": [], "next_before": None}
    teams = client.get("/api/admin/audit", query_string={"target_type": "team"}).get_json()
    assert [e["target"]["id"] for e in teams["entries"]] == ["t3", "t2", "t1"] and teams["next_before"] is None


@pytest.mark.parametrize("query", [{"before": "abc"}, {"before": "0"}, {"before": "9" * 30}, {"limit": "500"},
                                   {"limit": "-1"}, {"limit": "１"}, {"target_type": "x" * 41}])
def test_audit_log_refuses_bad_parameters(client, minister, query):
    refused(client.get("/api/admin/audit", query_string=query), 422, "invalid_parameter")


CONSOLE_CODES = ("team_exists", "model_exists", "unknown_team", "unknown_model", "model_in_open_round",
                 "unknown_user", "unknown_role", "last_ministry", "invalid_lines", "not_utf8", "empty_upload",
                 "missing_file", "invalid_parameter")


def test_every_console_error_code_has_korean_and_english_text(client, minister):
    from app.catalogs import defined_keys
    from app.i18n import text

    assert all(text(f"error.{code}", lang, "contest") for code in CONSOLE_CODES for lang in ("ko", "en"))
    assert {f"error.{code}" for code in CONSOLE_CODES} <= defined_keys()["contest"]  # contest's own words
    resp = client.patch("/api/admin/models/nobody", json={"active": False})
    assert resp.get_json()["error"]["message"] == text("error.unknown_model", "ko", "contest"), "Korean first"
    resp = client.patch("/api/admin/models/nobody?lang=en", json={"active": False})
    assert resp.get_json()["error"]["message"] == text("error.unknown_model", "en", "contest")
