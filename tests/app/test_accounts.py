"""Accounts: pseudonyms, the account page, /api/me, the roles CLI and provider configuration."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from app.accounts import AccountError, generate_pseudonym, normalise_display_name
from app.config import ConfigError
from app.models import AuditEntry, User
from app.oauth import load_providers
from tests.builders import make_user


def test_pseudonyms_are_random_and_valid():
    rng = random.Random(7)
    names = {generate_pseudonym(rng) for _ in range(50)}
    assert len(names) > 40
    assert all(normalise_display_name(n) == n for n in names)


@pytest.mark.parametrize("raw,code", [("a", "invalid_display_name"), ("x" * 21, "invalid_display_name"),
                                      ("<script>", "invalid_display_name"), (None, "invalid_display_name"),
                                      ("관리자 김씨", "reserved_display_name"), ("Ad min", "reserved_display_name")])
def test_bad_display_names(raw, code):
    with pytest.raises(AccountError) as err:
        normalise_display_name(raw)
    assert err.value.code == code


def test_api_me_shape(client, login, db):
    user = make_user(db, roles=("moderator",))
    login.as_user(user)
    me = client.get("/api/me").get_json()
    assert set(me) == {"id", "display_name", "roles", "csrf_token", "votes_today", "vote_limit"}
    assert me["id"] == str(user.id) and me["roles"] == ["citizen", "moderator"]
    assert me["votes_today"] == 0 and me["vote_limit"] > 0


def test_change_display_name_api(client, login, db):
    user = make_user(db)
    login.as_user(user)
    assert client.patch("/api/me", json={"display_name": "  별빛  수달 "}).get_json()["display_name"] == "별빛 수달"
    bad = client.patch("/api/me", json={"display_name": "!"})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_display_name"
    assert client.patch("/api/me", data="not json").status_code == 400
    db.expire_all()
    assert db.get(User, user.id).display_name == "별빛 수달"


def test_account_page_form(client, login, db):
    user = make_user(db)
    login.as_user(user)
    page = client.get("/account")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="csrf_token"' in html and user.display_name in html
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    saved = client.post("/account", data={"display_name": "새 별명", "csrf_token": token},
                        headers={"X-CSRF-Token": ""})
    assert saved.status_code == 303
    invalid = client.post("/account", data={"display_name": "x", "csrf_token": token}, headers={"X-CSRF-Token": ""})
    assert invalid.status_code == 422 and 'aria-invalid="true"' in invalid.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, user.id).display_name == "새 별명"


def test_account_page_needs_login(client):
    page = client.get("/account")
    assert page.status_code == 401 and "text/html" in page.content_type


def test_nav_shows_login_or_account_and_the_account_page_logs_out(client, login, db):
    assert "/login" in client.get("/").get_data(as_text=True)
    login.as_user(make_user(db))
    html = client.get("/").get_data(as_text=True)
    assert "/account" in html and "/login" not in html
    account = client.get("/account").get_data(as_text=True)
    assert account.count('action="/auth/logout"') == 2  # this device, and every device (issue 12, defect 11)


def test_roles_cli_grant_revoke_list(runner, db, caplog):
    user = make_user(db, name="검토자")
    db.commit()
    result = runner.invoke(args=["roles", "grant", str(user.id), "moderator"])
    assert result.exit_code == 0, result.output
    assert "granted" in result.output
    assert "unchanged" in runner.invoke(args=["roles", "grant", str(user.id), "moderator"]).output
    listed = runner.invoke(args=["roles", "list"]).output
    assert f"{user.id}\tmoderator\t검토자" in listed
    db.expire_all()
    assert db.get(User, user.id).has_role("moderator")
    assert runner.invoke(args=["roles", "revoke", str(user.id), "moderator"]).exit_code == 0
    db.expire_all()
    assert not db.get(User, user.id).has_role("moderator")
    events = [getattr(r, "fields", {}).get("event") for r in caplog.records]
    assert "role_granted" in events and "role_revoked" in events
    db.rollback()
    entries = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.before, e.after) for e in entries] == [
        ("role.grant", {"roles": []}, {"roles": ["moderator"]}),
        ("role.revoke", {"roles": ["moderator"]}, {"roles": []})]  # "unchanged" logged nothing
    assert all(e.actor.startswith("cli:") and e.target_id == str(user.id) for e in entries)


def test_roles_cli_failures(runner):
    missing = runner.invoke(args=["roles", "grant", "999", "ministry"])
    assert missing.exit_code != 0 and "no account" in missing.output
    assert runner.invoke(args=["roles", "grant", "1", "emperor"]).exit_code != 0


def test_roles_cli_finds_provider_subject(runner, db):
    from app.models import OAuthIdentity

    user = make_user(db)
    db.add(OAuthIdentity(user_id=user.id, provider="local", subject="alice"))
    db.commit()
    assert runner.invoke(args=["roles", "grant", "local:alice", "ministry"]).exit_code == 0


BASE = {"ENV": "development"}


def test_presets_switch_on_with_their_secrets():
    config = {**BASE, "NAVER_CLIENT_ID": "id", "NAVER_CLIENT_SECRET": "s", "KAKAO_CLIENT_ID": "k"}
    providers = load_providers(config)
    assert set(providers) == {"naver"}
    assert providers["naver"].kind == "oauth2" and providers["naver"].subject_path == "response.id"


def test_provider_list_from_json():
    raw = '[{"name": "corp", "issuer": "https://id.example.kr", "client_id": "c", "client_secret": "s"}]'
    corp = load_providers({**BASE, "OIDC_PROVIDERS": raw})["corp"]
    assert corp.discovery_url == "https://id.example.kr/.well-known/openid-configuration"


@pytest.mark.parametrize("entry", [
    {"name": "local", "issuer": "https://id.example.kr", "client_id": "c"},
    {"name": "corp", "issuer": "http://id.example.kr", "client_id": "c"},
    {"name": "corp", "issuer": "https://127.0.0.1:9000", "client_id": "c"},
])
def test_production_refuses_local_or_insecure_providers(entry):
    with pytest.raises(ConfigError):
        load_providers({"ENV": "production", "OIDC_PROVIDERS": [entry]})


NO_OPENID_SCOPE = '[{"name": "x", "issuer": "https://a.kr", "client_id": "c", "client_secret": "s", "scopes": "email"}]'
TWICE = '[{"name": "x", "issuer": "https://a.kr", "client_id": "c", "client_secret": "s"}, ' \
        '{"name": "x", "issuer": "https://b.kr", "client_id": "d", "client_secret": "s"}]'


@pytest.mark.parametrize("raw", ["not json", '{"name": "x"}', '[{"name": "Bad Name", "client_id": "c"}]',
                                 '[{"name": "x", "client_id": "c", "color": "red"}]', '[{"name": "x", "client_id": "c"}]',
                                 NO_OPENID_SCOPE, TWICE])
def test_bad_provider_config_is_refused(raw):
    with pytest.raises(ConfigError):
        load_providers({**BASE, "OIDC_PROVIDERS": raw})


def test_a_preset_cannot_be_configured_twice():
    raw = '[{"name": "google", "issuer": "https://accounts.google.com", "client_id": "c", "client_secret": "s"}]'
    with pytest.raises(ConfigError, match="twice"):
        load_providers({**BASE, "OIDC_PROVIDERS": raw, "GOOGLE_CLIENT_ID": "g", "GOOGLE_CLIENT_SECRET": "s"})


def test_account_service_imports_nothing_from_flask():
    import ast
    import inspect

    import app.accounts

    tree = ast.parse(inspect.getsource(app.accounts))
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m and m.split(".")[0] == "flask" for m in modules)
