"""Identity lexicon versions: the ministry adds them, a round's protocol pins one, probing prompts count."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from anti_abuse.identity import BUILTIN_VERSIONS, LEXICON
from anti_abuse.lexicon_versions import LexiconRejected, create_version, lexicon_version
from anti_abuse.models import IdentityLexicon
from app.db import utcnow
from app.models import AuditEntry
from contest.models import Round
from tests.builders import make_battle, make_round, make_user


@pytest.fixture
def voting_round(db):
    round_ = make_round(db, "r-lex", models=2)
    voter = make_user(db, "투표자")
    db.commit()
    return round_, voter


def vote_on(client, login, voter, battle_id):
    login.as_user(voter)
    return client.post(f"/api/battles/{battle_id}/vote", json={"winner": "a"}).get_json()


@pytest.mark.parametrize("prompt, counted", [
    ("너 누구야?", False),
    ("어느 회사 모델이야?", False),
    ("Who made you?", False),
    ("너 엑사원이야?", False),
    ("LG전자 냉장고 추천해줘", True),
    ("이 배우 누구야?", True),
], ids=["who-are-you", "which-company", "who-made-you", "are-you-exaone", "lg-fridge", "third-person"])
def test_a_probing_prompt_is_stored_but_not_counted(client, login, db, voting_round, prompt, counted):
    round_, voter = voting_round
    battle = make_battle(db, voter, round_)
    battle.turns[0].prompt_text = prompt
    db.commit()
    body = vote_on(client, login, voter, battle.id)
    assert body["counted"] is counted, body
    if not counted:
        assert body["excluded_reason"] == "identity_leak"


def test_a_follow_up_that_probes_counts_too(client, login, db, voting_round):
    from contest.models import BattleTurn

    round_, voter = voting_round
    battle = make_battle(db, voter, round_)
    battle.turns.append(BattleTurn(turn_no=2, prompt_text="그런데 넌 누가 만들었어?", answer_a="비밀입니다.",
                                   answer_b="말씀드릴 수 없어요.", completed_at=utcnow()))
    db.commit()
    assert vote_on(client, login, voter, battle.id)["excluded_reason"] == "identity_leak"


def test_a_round_uses_the_version_its_protocol_names(client, login, db, voting_round):
    """A name only the ministry's new version holds counts in a round pinned to it, not in one pinned to
    the built-in version."""
    round_, voter = voting_round
    version = create_version(db, "cli:test", ["별빛모델"], [], "새 공모 팀", utcnow()).version
    assert version == max(BUILTIN_VERSIONS) + 1
    leaking = make_battle(db, voter, round_)
    leaking.turns[0].answer_a = "저는 별빛모델입니다. 무엇이든 물어보세요."
    pinned_old = make_battle(db, voter, round_)
    pinned_old.turns[0].answer_a = "저는 별빛모델입니다. 도와드릴게요."
    db.commit()
    round_row = db.get(Round, round_.id)
    round_row.protocol = {**(round_row.protocol or {}), "identity_lexicon": LEXICON.version}
    db.commit()
    assert vote_on(client, login, voter, pinned_old.id)["counted"] is True
    round_row.protocol = {**round_row.protocol, "identity_lexicon": version}
    db.commit()
    assert vote_on(client, login, voter, leaking.id)["excluded_reason"] == "identity_leak"


def test_a_version_is_audited_numbered_after_every_other_and_never_changes(db):
    first = create_version(db, "cli:test", ["가나다모델", " 가나다모델 ", "ABC-1"], ["너 혹시"], None, utcnow())
    second = create_version(db, "cli:test", ["라마바"], [], "정정", utcnow())
    db.commit()
    assert second.version == first.version + 1 and first.names.names == ("가나다모델", "ABC-1")
    entries = db.query(AuditEntry).filter(AuditEntry.action == "lexicon.create").all()
    assert [e.target_id for e in entries] == [str(first.version), str(second.version)]
    with pytest.raises(DBAPIError):
        db.execute(text("UPDATE identity_lexicons SET note = 'x'"))
        db.flush()
    db.rollback()
    with pytest.raises(DBAPIError):
        db.execute(text("DELETE FROM identity_lexicons"))
        db.flush()
    db.rollback()
    assert db.get(IdentityLexicon, first.version).names == ["가나다모델", "ABC-1"]


@pytest.mark.parametrize("names, probes", [([], []), (["x" * 81], []), (["ok"], [""]), ("EXAONE", [])],
                         ids=["no-names", "too-long", "empty-probe", "not-a-list"])
def test_a_bad_version_is_refused_and_nothing_is_written(db, names, probes):
    with pytest.raises(LexiconRejected):
        create_version(db, "cli:test", names, probes, None, utcnow())
    assert db.query(IdentityLexicon).count() == 0


def test_an_unknown_version_falls_back_to_the_newest_builtin(db):
    assert lexicon_version(db, 999).version == LEXICON.version


def test_the_ministry_api_adds_and_reads_versions(client, login, db):
    login.as_user(make_user(db, "부처", roles=("ministry",)))
    created = client.post("/api/admin/lexicons", json={"names": ["새모델"], "probes": ["너 정체가"], "note": "공모"})
    assert created.status_code == 201, created.get_json()
    version = created.get_json()["version"]
    listed = client.get("/api/admin/lexicons").get_json()["versions"]
    assert listed[0]["version"] == version and {v["version"] for v in listed} >= set(BUILTIN_VERSIONS)
    one = client.get(f"/api/admin/lexicons/{version}").get_json()
    assert one["names"] == ["새모델"] and one["probes"] == ["너 정체가"]
    assert client.get("/api/admin/lexicons/1").get_json()["builtin"] is True
    assert client.get("/api/admin/lexicons/4242").status_code == 404
    for bad in ({"names": []}, {"names": "x"}, {"names": ["a"], "extra": 1}, {"names": [""]}):
        resp = client.post("/api/admin/lexicons", json=bad)
        assert resp.status_code == 422 and set(resp.get_json()["error"]) == {"code", "message"}, bad
    assert client.post("/api/admin/lexicons", data="{", content_type="application/json").status_code == 400


def test_a_round_cannot_freeze_a_lexicon_version_that_does_not_exist(client, login, db):
    """Else it would fall back to another list now and switch to whatever later takes that number."""
    login.as_user(make_user(db, "부처", roles=("ministry",)))
    round_ = make_round(db, "r-pin", models=2)
    db.get(Round, round_.id).status = "draft"
    db.commit()
    patched = client.patch(f"/api/admin/rounds/{round_.id}", json={"protocol": {"identity_lexicon": 9}})
    assert patched.status_code == 200, patched.get_json()
    refused = client.post(f"/api/admin/rounds/{round_.id}/open")
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "unknown_lexicon"
    version = client.post("/api/admin/lexicons", json={"names": ["새모델"]}).get_json()["version"]
    client.patch(f"/api/admin/rounds/{round_.id}", json={"protocol": {"identity_lexicon": version}})
    assert client.post(f"/api/admin/rounds/{round_.id}/open").status_code == 200
    changed = client.post(f"/api/admin/rounds/{round_.id}/protocol",
                          json={"reason": "오타", "protocol": {"identity_lexicon": 77}})
    assert changed.status_code == 422 and changed.get_json()["error"]["code"] == "unknown_lexicon"
    assert client.post(f"/api/admin/rounds/{round_.id}/protocol",
                       json={"reason": "내장 목록으로", "protocol": {"identity_lexicon": 2}}).status_code == 201
