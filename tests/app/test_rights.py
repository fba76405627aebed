"""Consent before the account, and the citizen's rights: a copy of my data, my consents, deleting my account
(issue 12: "expected" consent and rights, defect 11)."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.consent import POLICY_VERSION
from app.db import utcnow
from app.models import AuditEntry, OAuthIdentity, User, UserConsent, WebSession
from contest.models import BattleTurn, Prompt
from tests.builders import make_battle, make_round, make_user
from tests.conftest import Login
from tests.oidc_provider import AGREE, answer_consent, authorize_at_provider, local_path, log_in
from tests.voting.snapshot_world import build_world, client_as, export, publish
from voting.log_audit import verify_round
from voting.models import Vote
from voting.verify import verify_dir

BROWSER = "text/html,application/xhtml+xml"


@pytest.fixture
def app(oidc_app):
    return oidc_app


def accounts(db) -> tuple[int, int, int]:
    db.expire_all()
    return tuple(db.scalar(select(func.count()).select_from(t)) for t in (User, OAuthIdentity, UserConsent))


def start_first_login(client, subject: str, next_path: str = "/arena"):
    start = client.get("/auth/login/local", query_string={"next": next_path})
    return client.get(local_path(authorize_at_provider(start.headers["Location"], subject)))


# ---------------------------------------------------------------- consent at first login
def test_first_login_asks_consent_before_any_account(client, db):
    asked = start_first_login(client, "minji")
    assert asked.status_code == 303 and asked.headers["Location"] == "/auth/consent"
    assert accounts(db) == (0, 0, 0)
    page = client.get("/auth/consent").get_data(as_text=True)
    for text in ("개인정보 수집·이용", "보유 기간", "필수", "선택", "만 14세 이상", "공개 데이터"):
        assert text in page
    assert client.get("/api/me").status_code == 401  # not logged in while being asked


def test_agreeing_creates_the_account_with_each_choice_its_time_and_policy_version(client, db):
    start_first_login(client, "minji")
    done = answer_consent(client, {**AGREE, "release": "yes"})
    assert done.status_code == 302 and done.headers["Location"] == "/arena"
    assert accounts(db) == (1, 1, 4)
    rows = {c.item: c for c in db.scalars(select(UserConsent))}
    assert {item: c.granted for item, c in rows.items()} == {"privacy": True, "terms": True, "release": True,
                                                            "age_14": True}
    assert {c.policy_version for c in rows.values()} == {POLICY_VERSION}
    assert all(abs(c.decided_at - utcnow()) < timedelta(minutes=1) for c in rows.values())
    consents = client.get("/api/me/consents").get_json()
    assert consents["policy_version"] == POLICY_VERSION and consents["consents"]["release"]["granted"] is True
    log_in(client.application.test_client(), "minji")  # the next login asks nothing
    assert accounts(db) == (1, 1, 4)


def test_the_optional_release_can_be_refused(client, db):
    start_first_login(client, "junho")
    assert answer_consent(client, AGREE).status_code == 302
    assert db.scalars(select(UserConsent.granted).where(UserConsent.item == "release")).one() is False


@pytest.mark.parametrize("form,code", [
    ({"terms": "yes", "age_14": "yes"}, "required_consent"),
    ({"privacy": "yes", "age_14": "yes"}, "required_consent"),
    ({"privacy": "yes", "terms": "yes"}, "age_unanswered"),
])
def test_missing_required_answers_create_nothing_and_keep_the_choices(client, db, form, code):
    start_first_login(client, "sora")
    resp = answer_consent(client, {**form, "release": "yes"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'role="alert"' in html and re.search(r'name="release" value="yes"\s+checked', html)
    assert accounts(db) == (0, 0, 0)
    assert answer_consent(client, AGREE).status_code == 302  # the same login can still agree
    assert accounts(db) == (1, 1, 4)


def test_under_14_is_told_why_and_nothing_is_stored(client, db):
    start_first_login(client, "child")
    resp = answer_consent(client, {"privacy": "yes", "terms": "yes", "age_14": "no"})
    assert resp.status_code == 403
    html = resp.get_data(as_text=True)
    assert "만 14세 미만" in html and "법정대리인" in html
    assert accounts(db) == (0, 0, 0)
    assert client.get("/auth/consent").status_code == 400  # the login under way is gone
    assert client.get("/api/me").status_code == 401


def test_cancel_creates_nothing(client, db):
    start_first_login(client, "maybe")
    resp = answer_consent(client, {**AGREE, "action": "cancel"})
    assert resp.status_code == 303 and accounts(db) == (0, 0, 0)
    assert client.get("/auth/consent").status_code == 400


def test_consent_form_needs_its_csrf_token(client, db):
    start_first_login(client, "forged")
    resp = client.post("/auth/consent", data=AGREE, headers={"Accept": "application/json"})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "csrf_failed"
    assert accounts(db) == (0, 0, 0)


def test_consent_without_a_login_under_way_is_400_in_the_error_shape(client):
    resp = client.get("/auth/consent", headers={"Accept": "application/json"})
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "signup_expired"


def test_a_held_login_expires_after_ten_minutes(client, db):
    start_first_login(client, "slow")
    row = db.scalars(select(WebSession)).one()
    data = json.loads(row.data)
    data["signup"]["at"] = (utcnow() - timedelta(minutes=11)).isoformat()
    row.data = json.dumps(data)
    db.commit()
    assert client.get("/auth/consent").status_code == 400
    assert accounts(db) == (0, 0, 0)


def test_the_session_token_changes_when_a_verified_login_is_held(client):
    client.get("/auth/login/local")
    before = client.get_cookie("arena_session").value
    start_first_login(client, "fixed")
    assert client.get_cookie("arena_session").value != before


def test_an_account_from_before_consents_is_asked_at_its_next_login(client, db):
    user = make_user(db, "옛 시민")
    db.add(OAuthIdentity(user=user, provider="local", subject="old-timer"))
    db.commit()
    asked = start_first_login(client, "old-timer")
    assert asked.headers["Location"] == "/auth/consent"
    assert answer_consent(client, AGREE).status_code == 302
    assert client.get("/api/me").get_json()["id"] == str(user.id)
    assert accounts(db) == (1, 1, 4)


# ---------------------------------------------------------------- consents on the account page
def test_release_consent_changes_on_the_account_page_and_keeps_history(client, db):
    log_in(client, "hana")
    resp = client.post("/account/consents", data={"release": "yes"})
    assert resp.status_code == 303 and "consent_saved=1" in resp.headers["Location"]
    assert client.patch("/api/me/consents", json={"release": False}).get_json()["consents"]["release"]["granted"] is False
    history = [(c.item, c.granted) for c in db.scalars(select(UserConsent).where(UserConsent.item == "release")
                                                        .order_by(UserConsent.id))]
    assert history == [("release", False), ("release", True), ("release", False)]
    page = client.get("/account?consent_saved=1").get_data(as_text=True)
    assert "선택 동의를 저장했습니다" in page and "KST · 방침 1.0" in page


@pytest.mark.parametrize("body,status", [({"release": "yes"}, 422), ({}, 422), ({"release": True, "x": 1}, 422)])
def test_bad_consent_bodies_are_refused_in_the_error_shape(client, body, status):
    log_in(client, "bad-body")
    resp = client.patch("/api/me/consents", json=body)
    assert resp.status_code == status and "error" in resp.get_json()


# ---------------------------------------------------------------- account page (defect 11)
def test_the_typed_nickname_is_kept_on_an_error(client, db, login):
    login.as_user(make_user(db, "원래 별명"))
    resp = client.post("/account", data={"display_name": "관리자 김씨"})
    assert resp.status_code == 422
    assert 'value="관리자 김씨"' in resp.get_data(as_text=True)


def test_logout_here_ends_one_session_everywhere_ends_all(app, db):
    user = make_user(db)
    db.commit()
    phone, laptop, tablet = (app.test_client() for _ in range(3))
    for c in (phone, laptop, tablet):
        Login(c, db).as_user(user, client=c)
    assert phone.post("/auth/logout", headers={"Accept": BROWSER}).status_code == 303
    assert phone.get("/api/me").status_code == 401 and laptop.get("/api/me").status_code == 200
    assert laptop.post("/auth/logout", data={"everywhere": "1"}, headers={"Accept": BROWSER}).status_code == 303
    assert tablet.get("/api/me").status_code == 401
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(WebSession).where(WebSession.user_id == user.id)) == 0


# ---------------------------------------------------------------- my data
def test_my_data_has_account_consents_battles_votes_and_flags_and_names_no_model_before_a_vote(client, db):
    log_in(client, "data-owner")
    user = db.scalars(select(User)).one()
    round_ = make_round(db, "r-data")
    voted, open_ = make_battle(db, user, round_), make_battle(db, user, round_, 1, 2)
    db.commit()
    assert client.post(f"/api/battles/{voted.id}/vote", json={"winner": "a"}).status_code == 200
    assert client.post("/api/flags", json={"battle_id": open_.id, "reason": "spam", "note": "광고 같아요"}).status_code == 201
    resp = client.get("/api/me/data")
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].startswith("attachment;")
    data = resp.get_json()
    assert data["account"]["identities"][0]["subject"] == "data-owner"
    assert data["consents"]["privacy"]["granted"] is True and len(data["history"]) == 4
    assert [b["battle_id"] for b in data["battles"]] == [voted.id, open_.id]
    assert data["battles"][0]["turns"][0]["prompt"] == "안녕하세요"
    assert [v["battle_id"] for v in data["votes"]] == [voted.id] and data["votes"][0]["counted"] is True
    assert data["votes"][0]["models"]["a"]["name"] == "Model 0 1"
    assert data["flags"][0]["note"] == "광고 같아요"
    unvoted = json.dumps(data["battles"][1], ensure_ascii=False)
    assert "Model 1" not in unvoted and "Model 2" not in unvoted and "r-data-m" not in unvoted
    assert client.get("/account/data").get_json()["account"] == data["account"]


def test_my_data_needs_login(client):
    resp = client.get("/api/me/data", headers={"Accept": "application/json"})
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "login_required"


# ---------------------------------------------------------------- deleting the account
def test_deleting_ends_every_session_and_forgets_the_login(client, db):
    log_in(client, "leaver")
    other = client.application.test_client()
    log_in(other, "leaver")
    user = db.scalars(select(User)).one()
    round_ = make_round(db, "r-del")
    db.add(Prompt(id="p-del", language="ko", category="daily", text="안녕하세요"))
    battle = make_battle(db, user, round_)
    battle.prompt_id = "p-del"  # a curated prompt: the pool's, not the citizen's
    own = make_battle(db, user, round_, 1, 2)
    own.turns[0].prompt_text = "제 전화번호는 비밀이에요"  # a prompt the citizen wrote (no prompt_id)
    db.commit()
    assert client.post(f"/api/battles/{battle.id}/vote", json={"winner": "b"}).status_code == 200
    resp = client.delete("/api/me")
    assert resp.status_code == 200 and resp.get_json() == {"deleted": True, "sessions_ended": 2}
    assert client.get("/api/me").status_code == 401 and other.get("/api/me").status_code == 401
    db.expire_all()
    gone = db.get(User, user.id)
    assert gone.status == "deleted" and gone.deleted_at and gone.display_name == "탈퇴한 참여자"
    assert accounts(db) == (1, 0, 0)
    assert db.scalars(select(Vote.excluded).where(Vote.user_id == user.id)).all() == [False]  # still counted
    texts = {t.battle_id: t.prompt_text for t in db.scalars(select(BattleTurn))}
    assert texts == {battle.id: "안녕하세요", own.id: ""}
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "account.delete")).one()
    assert entry.target_id == str(user.id)
    again = log_in(client.application.test_client(), "leaver")  # the same login makes a new account
    assert again.status_code == 302 and accounts(db)[0] == 2


def test_delete_form_needs_its_confirmation(client, db):
    log_in(client, "unsure")
    resp = client.post("/account/delete", data={})
    assert resp.status_code == 303 and "delete_unconfirmed=1" in resp.headers["Location"]
    assert client.get("/api/me").status_code == 200
    page = client.post("/account/delete", data={"confirm": "yes"})
    assert page.status_code == 200 and "계정을 삭제했습니다" in page.get_data(as_text=True)
    assert client.get("/api/me").status_code == 401


def test_staff_cannot_delete_their_account(client, db, login):
    login.as_user(make_user(db, "부처", roles=("ministry",)))
    resp = client.delete("/api/me")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "staff_account"
    assert client.get("/api/me").status_code == 200


def test_deletion_leaves_the_vote_log_and_published_snapshots_valid(any_db_url, make_app, tmp_path):
    world = build_world(make_app(any_db_url, CODE_VERSION="test-rights"))
    first = publish(world).get_json()
    voter = world.db.get(User, world.votes[0].user_id)
    resp = client_as(world, voter).delete("/api/me")
    assert resp.status_code == 200
    world.db.expire_all()
    assert not verify_round(world.db, world.round.id).problems
    export(world, first["id"], tmp_path / "before")
    assert verify_dir(tmp_path / "before").startswith("match: snapshot " + first["id"])
    second = publish(world).get_json()
    assert second["supersedes"] == first["id"]
    assert second["vote_set_sha256"] == first["vote_set_sha256"] and second["votes"] == first["votes"]
    export(world, second["id"], tmp_path / "after")
    assert verify_dir(tmp_path / "after").startswith("match")
    world.db.close()


@pytest.mark.parametrize("action", ["reinstate_user", "suspend_user"])
def test_moderation_cannot_bring_a_deleted_account_back(client, db, login, action):
    citizen = make_user(db, "떠난 시민")
    login.as_user(citizen)
    assert client.delete("/api/me").status_code == 200
    moderator = client.application.test_client()
    login.as_user(make_user(db, "검토자", roles=("moderator",)), client=moderator)
    resp = moderator.post("/api/moderation/actions", json={"action": action, "target": {"user_id": citizen.id},
                                                            "reason": "점검"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "account_deleted"
    db.expire_all()
    assert db.get(User, citizen.id).status == "deleted"
