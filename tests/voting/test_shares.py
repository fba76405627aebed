"""Sharing a finished battle: only its owner, only once voted, revocable, unguessable, and telling nothing
about the owner or anyone else; and the reveal reads the same in the vote response, the page and the share."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import func, select

from app.db import korean_date, utcnow
from contest.models import Prompt, Round, RoundModel
from tests.builders import make_battle, make_user
from voting.models import BattleShare


def text_of(html: str) -> str:
    """The page's visible text, roughly: tags dropped, entities decoded, spaces collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def close(db, round_) -> None:
    """The round stops taking votes (its answers can no longer be shown to a voter)."""
    db.get(type(round_), round_.id).status = "closed"
    db.commit()


def voted_and_shared(client, login, arena, index: int, winner: str) -> tuple:
    """The owner votes on battle `index` and shares it: (battle, token)."""
    battle = arena["battles"][index]
    login.as_user(arena["user"])
    client.post(f"/api/battles/{battle.id}/vote", json={"winner": winner})
    return battle, client.post(f"/api/battles/{battle.id}/share").get_json()["token"]


def shares(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(BattleShare))


def test_a_battle_is_shared_only_after_the_vote_and_only_by_its_owner(client, login, db, arena, app):
    owner, battle = arena["user"], arena["battles"][0]
    stranger = make_user(db, "남의 시민")
    db.commit()
    assert client.post(f"/api/battles/{battle.id}/share").status_code == 401  # anonymous
    login.as_user(stranger)
    for method in ("post", "delete"):
        resp = getattr(client, method)(f"/api/battles/{battle.id}/share")
        assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "battle_not_found"
    login.as_user(owner)
    resp = client.post(f"/api/battles/{battle.id}/share")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "battle_not_voted"
    assert client.post("/api/battles/no-such-battle/share").status_code == 404
    assert client.post("/api/battles/" + "x" * 300 + "/share").status_code == 404
    assert shares(db) == 0  # nothing is shared by default, and no refusal left a row
    assert client.post(f"/api/battles/{battle.id}/vote", json={"winner": "b"}).status_code == 200
    assert shares(db) == 0  # voting shares nothing
    made = client.post(f"/api/battles/{battle.id}/share")
    assert made.status_code == 201
    token = made.get_json()["token"]
    assert len(token) >= 43 and made.get_json()["url"].endswith("/s/" + token)
    again = client.post(f"/api/battles/{battle.id}/share")  # one link per battle
    assert again.status_code == 200 and again.get_json()["token"] == token and shares(db) == 1


def test_the_shared_page_shows_the_battle_and_nothing_about_its_owner(app, client, login, db, arena):
    owner, battle, other = arena["user"], arena["battles"][0], arena["battles"][1]
    login.as_user(owner)
    voted = client.post(f"/api/battles/{battle.id}/vote", json={"winner": "b"}).get_json()
    token = client.post(f"/api/battles/{battle.id}/share").get_json()["token"]
    close(db, arena["round"])
    anonymous = app.test_client()
    page = anonymous.get(f"/s/{token}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = text_of(page.get_data(as_text=True))
    turn = battle.turns[0]
    assert turn.prompt_text in text and turn.answer_a in text and turn.answer_b in text
    for side in ("a", "b"):  # the reveal exactly as the vote response named it
        model = voted["models"][side]
        assert f"답변 {side.upper()}: {model['name']} ({model['team']})" in text
    assert "공유한 참여자의 선택: B가 더 낫다" in text
    assert owner.display_name not in text  # nothing about who shared it
    assert other.turns[0].answer_a not in text and other.id not in page.get_data(as_text=True)
    assert battle.id not in page.get_data(as_text=True)  # the battle's own id is not handed out either


def test_revoking_stops_the_link_at_once_and_a_new_link_has_a_new_token(app, client, login, db, arena):
    battle, token = voted_and_shared(client, login, arena, 0, "tie")
    anonymous = app.test_client()
    assert anonymous.get(f"/s/{token}").status_code == 200
    assert client.delete(f"/api/battles/{battle.id}/share").status_code == 204
    gone = anonymous.get(f"/s/{token}", headers={"Accept": "text/html"})
    assert gone.status_code == 404 and "공유가 중지되었거나" in gone.get_data(as_text=True)
    assert client.delete(f"/api/battles/{battle.id}/share").status_code == 204  # idempotent
    fresh = client.post(f"/api/battles/{battle.id}/share").get_json()["token"]
    assert fresh != token and anonymous.get(f"/s/{fresh}").status_code == 200
    for bogus in ("x", "x" * 65, token[:-1], "%00"):
        assert anonymous.get(f"/s/{bogus}").status_code == 404


def test_the_reloaded_battle_page_reads_exactly_like_the_vote_response(app, client, login, db, arena):
    owner, battle = arena["user"], arena["battles"][2]
    login.as_user(owner)
    for lang in ("ko", "en"):
        battle = make_battle(db, owner, arena["round"], 0, 2)
        db.commit()
        voted = client.post(f"/api/battles/{battle.id}/vote?lang={lang}", json={"winner": "a"}).get_json()
        text = text_of(client.get(f"/arena/b/{battle.id}?lang={lang}").get_data(as_text=True))
        label = "답변" if lang == "ko" else "Answer"
        for side in ("a", "b"):
            model = voted["models"][side]
            assert f"{label} {side.upper()}: {model['name']} ({model['team']})" in text  # the reveal list
            assert text.count(f"{model['name']} ({model['team']})") >= 2  # and on the answer card
        assert ("내 선택: A가 더 낫다" if lang == "ko" else "Your choice: A is better") in text


def test_an_unvoted_battle_page_names_no_model(client, login, db, arena):
    login.as_user(arena["user"])
    battle = arena["battles"][3]
    html = client.get(f"/arena/b/{battle.id}").get_data(as_text=True)
    for model in arena["models"]:
        assert model.display_name not in html and model.team.name_ko not in html
    assert "answer-model" not in html and "share-url\" readonly value=\"\"" in html


def curated(db, battle, round_) -> None:
    """Put the battle on a curated prompt of its round (the builder's battles have the citizen's own)."""
    prompt = Prompt(id=f"p-{battle.id[:8]}", language="ko", category=round_.categories[0], text="준비된 질문")
    db.add(prompt)
    db.flush()
    battle.prompt_id = prompt.id
    db.commit()


def test_a_curated_battle_shared_while_its_round_runs_opens_only_after_the_close(app, client, login, db, arena):
    """Answers to a curated prompt recur (a bank's samples, a deterministic model): read early, a shared
    battle would tell other voters which model wrote one."""
    curated(db, arena["battles"][4], arena["round"])
    battle, token = voted_and_shared(client, login, arena, 4, "a")
    anonymous = app.test_client()
    early = anonymous.get(f"/s/{token}")
    assert early.status_code == 200 and early.headers["Cache-Control"] == "no-store"
    text = text_of(early.get_data(as_text=True))
    assert "경연이 끝난 뒤" in text and korean_date(arena["round"].closes_at) in text
    assert battle.turns[0].answer_a not in text and battle.turns[0].prompt_text not in text
    for model in arena["models"]:
        assert model.display_name not in text and model.team.name_ko not in text
    owner_page = text_of(client.get(f"/arena/b/{battle.id}").get_data(as_text=True))
    assert "공유한 대결은 경연이 끝난 뒤" in owner_page  # the owner is told before making the link
    close(db, arena["round"])
    assert battle.turns[0].answer_a in text_of(anonymous.get(f"/s/{token}").get_data(as_text=True))


def test_a_curated_battle_stays_closed_while_another_open_round_serves_its_prompt_and_models(
        app, client, login, db, arena):
    """The round of the battle has closed, but a second round with the same entrants and prompt pool is
    open: its voters would meet the same answers, so the link still names nothing."""
    curated(db, arena["battles"][4], arena["round"])
    battle, token = voted_and_shared(client, login, arena, 4, "a")
    close(db, arena["round"])
    again = Round(id="r-again", title="다시", opens_at=utcnow() - timedelta(days=1),
                  closes_at=utcnow() + timedelta(days=9), categories=list(arena["round"].categories), status="open")
    db.add(again)
    db.flush()
    again.roster.append(RoundModel(model_id=battle.model_a_id))
    db.commit()
    text = text_of(app.test_client().get(f"/s/{token}").get_data(as_text=True))
    assert battle.turns[0].answer_a not in text
    for model in arena["models"]:
        assert model.display_name not in text
    assert "공유한 대결은 경연이 끝난 뒤" in text_of(client.get(f"/arena/b/{battle.id}").get_data(as_text=True))


def test_a_battle_on_the_citizens_own_prompt_opens_at_once(app, client, login, db, arena):
    battle, token = voted_and_shared(client, login, arena, 5, "b")
    text = text_of(app.test_client().get(f"/s/{token}").get_data(as_text=True))
    assert battle.turns[0].answer_a in text


def test_deleting_the_account_ends_its_links_and_the_data_copy_lists_them(app, client, login, db, arena):
    battle, token = voted_and_shared(client, login, arena, 5, "a")
    data = client.get("/api/me/data").get_json()
    assert [s["battle_id"] for s in data["shares"]] == [battle.id]
    assert app.test_client().get(f"/s/{token}").status_code == 200
    assert client.delete("/api/me").status_code in (200, 204)
    assert app.test_client().get(f"/s/{token}").status_code == 404


def test_reading_shared_battles_is_rate_limited_per_address(make_app, sqlite_url, login, db, arena):
    limited = make_app(sqlite_url, LIMIT_SHARE_PAGE_ADDRESS="3 per minute")
    reader = limited.test_client()
    statuses = [reader.get("/s/no-such-token").status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
