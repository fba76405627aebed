"""Display names through the real routes: reserved words and look-alikes refused, unique by skeleton."""
from __future__ import annotations

import pytest

from app.models import User
from tests.builders import make_round, make_user


def rename(client, name):
    return client.patch("/api/me", json={"display_name": name})


@pytest.mark.parametrize("name", ["운영자", "공식 운영팀", "admin_kim", "аdmin", "과기부 직원", "Model 1", "팀0"],
                         ids=["operator", "official-team", "admin-token", "cyrillic-admin", "ministry",
                              "model-name", "team-name"])
def test_reserved_names_and_their_look_alikes_are_refused(client, login, db, name):
    make_round(db, "r-names", models=2)  # "Model 0/1" and "팀0/팀1" are contest names
    user = make_user(db, "별빛 수달")
    login.as_user(user)
    resp = rename(client, name)
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "reserved_display_name", name
    db.expire_all()
    assert db.get(User, user.id).display_name == "별빛 수달"


@pytest.mark.parametrize("name", ["모던 재즈", "배드민턴 동호회", "LG전자 팬"], ids=["modern", "badminton", "brand-fan"])
def test_near_misses_are_allowed(client, login, db, name):
    login.as_user(make_user(db))
    assert rename(client, name).status_code == 200, name


def test_a_name_that_reads_as_another_accounts_is_taken(client, login, db, app):
    first, second = make_user(db, "갑"), make_user(db, "을")
    login.as_user(first)
    assert rename(client, "푸른고래").status_code == 200
    other = app.test_client()
    login.as_user(second, client=other)
    for look_alike in ("푸른고래", "푸른 고래", "푸른\u200b고래"):
        resp = rename(other, look_alike)
        assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "display_name_taken", look_alike
    assert rename(other, "blue whale").status_code == 200
    assert rename(client, "푸른고래").status_code == 200  # keeping one's own name is no clash
    page = other.post("/account", data={"display_name": "푸른 고래"}, headers={"Accept": "text/html"})
    assert page.status_code == 422 and "헷갈리는 별명" in page.get_data(as_text=True)
