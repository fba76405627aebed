"""The citizen panel over HTTP, on SQLite and the real PostgreSQL: the ministry's design and codes, a
citizen's redemption (single use, unguessable, rate-limited, revocable), the balanced assignments, and
the weighted report beside the open board."""
from __future__ import annotations

import csv
import io
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry
from contest.demo import DEMO_ROUND_ID
from contest.models import Battle, Model, Team
from contest.panel_models import Panel, PanelAssignment, PanelInvitation, PanelMember
from contest.panels import CODE_ALPHABET, code_hash, new_code, normalise_code
from tests.builders import make_user
from tests.clients import CsrfClient

ANNOUNCED = {
    "round": DEMO_ROUND_ID,
    "strata": {"sex": ["female", "male"], "age": ["20s", "30s", "40s", "50s", "60+"],
               "region": ["capital", "other"], "ai_use": ["advanced", "intermediate", "beginner"]},
    "margins": {"sex": {"female": 0.504, "male": 0.496},
                "age": {"20s": 0.16, "30s": 0.16, "40s": 0.19, "50s": 0.20, "60+": 0.29},
                "region": {"capital": 0.505, "other": 0.495},
                "ai_use": {"advanced": 0.1, "intermediate": 0.45, "beginner": 0.45}},
    "targets": {"sex": {"female": 250, "male": 250},
                "age": {"20s": 100, "30s": 100, "40s": 100, "50s": 100, "60+": 100},
                "region": {"capital": 250, "other": 250},
                "ai_use": {"advanced": 100, "intermediate": 250, "beginner": 150}},
    "quota": 6,
}
STRATUM = {"sex": "female", "age": "60+", "region": "other", "ai_use": "beginner"}


@pytest.fixture
def app(any_db_url, make_app):
    return make_app(any_db_url, LIMIT_PANEL_REDEEM_ACCOUNT="4 per hour")


@pytest.fixture
def ministry(demo, client, login):
    user = make_user(demo, "부처 담당자", roles=("ministry",))
    login.as_user(user)
    return user


def create(client, **changes) -> str:
    resp = client.post("/api/admin/panels", json={**ANNOUNCED, **changes})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def invite(client, panel_id: str, count: int = 1, stratum: dict | None = None) -> list[str]:
    resp = client.post(f"/api/admin/panels/{panel_id}/invitations", json={"count": count, "stratum": stratum or STRATUM})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["codes"]


def test_the_ministry_creates_the_announced_panel_and_it_is_audited(client, ministry, db):
    panel_id = create(client)
    db.rollback()
    panel = db.get(Panel, panel_id)
    assert panel.round_id == DEMO_ROUND_ID and panel.quota == 6 and panel.targets["ai_use"]["beginner"] == 150
    shown = client.get(f"/api/admin/panels/{panel_id}").get_json()
    assert shown["size"] == 500 and shown["trim"] == [0.2, 5.0] and shown["max_points"] == 25.0
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "panel.create")).one()
    assert entry.target_id == panel_id and entry.after["strata"] == ANNOUNCED["strata"]
    assert client.post("/api/admin/panels", json=ANNOUNCED).status_code == 409  # same id again


@pytest.mark.parametrize("change, status, code", [
    ({"margins": {**ANNOUNCED["margins"], "sex": {"female": 0.6, "male": 0.6}}}, 422, "margins_sum"),
    ({"targets": {**ANNOUNCED["targets"], "sex": {"female": 250, "male": 200}}}, 422, "targets_sizes"),
    ({"targets": {**ANNOUNCED["targets"], "region": {"capital": 500, "other": 0}}}, 422, "targets_margins"),
    ({"margins": {k: v for k, v in ANNOUNCED["margins"].items() if k != "sex"}}, 422, "invalid_field"),
    ({"round": "no-such-round"}, 404, "unknown_round"),
    ({"quota": 0}, 422, None),
    ({"trim": [2.0, 5.0]}, 422, "invalid_field"),
])
def test_a_design_that_does_not_add_up_is_refused_and_stores_nothing(client, ministry, db, change, status, code):
    resp = client.post("/api/admin/panels", json={**ANNOUNCED, **change})
    assert resp.status_code == status, resp.get_json()
    if code:
        assert resp.get_json()["error"]["code"] == code
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Panel)) == 0
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("panel.%"))) == 0


def test_codes_are_random_typable_and_stored_only_as_hashes(client, ministry, db):
    panel_id = create(client)
    codes = invite(client, panel_id, count=50)
    assert len(set(codes)) == 50
    for code in codes:
        assert len(code) == 19 and code.count("-") == 3
        assert set(code.replace("-", "")) <= set(CODE_ALPHABET)
    db.rollback()
    stored = db.scalars(select(PanelInvitation)).all()
    assert {i.code_hash for i in stored} == {code_hash(normalise_code(c)) for c in codes}
    assert not any(c.replace("-", "") in (i.code_hash + str(i.stratum)) for c in codes for i in stored)
    assert normalise_code(codes[0].lower().replace("-", " ")) == codes[0].replace("-", "")
    assert normalise_code("too short") is None and normalise_code("U" * 16) is None
    bad = client.post(f"/api/admin/panels/{panel_id}/invitations", json={"count": 2, "stratum": {"sex": "female"}})
    assert (bad.status_code, bad.get_json()["error"]["code"]) == (422, "invalid_field")


def test_lookalike_letters_read_as_the_digits_they_resemble():
    code = new_code()
    raw = code.replace("-", "")
    typed = raw.replace("0", "O").replace("1", "l")
    assert normalise_code(typed) == raw


def test_a_code_is_redeemed_once_by_one_account_and_gives_the_invitations_stratum(app, client, ministry, db, login):
    panel_id = create(client)
    code = invite(client, panel_id)[0]
    citizen = make_user(db, "시민 하나")
    login.as_user(citizen)
    resp = client.post("/api/panel/redeem", json={"code": code.lower()})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"panel": panel_id, "stratum": STRATUM}
    again = client.post("/api/panel/redeem", json={"code": code})
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "invitation_used")
    other = CsrfClient(app, app.response_class, use_cookies=True)
    login.as_user(make_user(db, "시민 둘"), client=other)
    stolen = other.post("/api/panel/redeem", json={"code": code})
    assert (stolen.status_code, stolen.get_json()["error"]["code"]) == (409, "invitation_used")
    db.rollback()
    member = db.scalars(select(PanelMember)).one()
    assert member.user_id == citizen.id and member.stratum == STRATUM and member.seq == 0


def test_a_second_code_of_the_same_panel_does_not_make_a_second_membership(client, ministry, db, login):
    panel_id = create(client)
    first, second = invite(client, panel_id, count=2)
    login.as_user(make_user(db, "시민"))
    assert client.post("/api/panel/redeem", json={"code": first}).status_code == 200
    resp = client.post("/api/panel/redeem", json={"code": second})
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (409, "already_member")
    db.rollback()
    assert len(db.scalars(select(PanelInvitation).where(PanelInvitation.redeemed_at.is_not(None))).all()) == 1


def test_guessing_is_refused_then_rate_limited(client, ministry, db, login):
    panel_id = create(client)
    code = invite(client, panel_id)[0]
    login.as_user(make_user(db, "추측하는 시민"))
    assert client.post("/api/panel/redeem", json={"code": code}).status_code == 200
    statuses = [client.post("/api/panel/redeem", json={"code": new_code()}).status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]  # every attempt counts, the successful one too
    limited = client.post("/api/panel/redeem", json={"code": new_code()})
    assert limited.get_json()["error"]["code"] == "rate_limited"


def test_a_revoked_code_cannot_be_redeemed_and_a_redeemed_one_cannot_be_revoked(client, ministry, db, login):
    panel_id = create(client)
    kept, withdrawn = invite(client, panel_id, count=2)
    resp = client.post(f"/api/admin/panels/{panel_id}/invitations/revoke", json={"codes": [withdrawn]})
    assert resp.get_json() == {"revoked": 1}
    minister_cookie = client.get_cookie("arena_session").value
    login.as_user(make_user(db, "시민"))
    refused = client.post("/api/panel/redeem", json={"code": withdrawn})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (404, "unknown_invitation")
    assert client.post("/api/panel/redeem", json={"code": kept}).status_code == 200
    client.set_cookie("arena_session", minister_cookie)
    late = client.post(f"/api/admin/panels/{panel_id}/invitations/revoke", json={"codes": [kept]})
    assert (late.status_code, late.get_json()["error"]["code"]) == (409, "invitation_used")
    unknown = client.post(f"/api/admin/panels/{panel_id}/invitations/revoke", json={"codes": [new_code()]})
    assert unknown.status_code == 404


def join(client, login, db, code: str, name: str):
    user = make_user(db, name)
    login.as_user(user)
    assert client.post("/api/panel/redeem", json={"code": code}).status_code == 200
    return user


def test_a_member_works_through_the_assigned_battles_and_sees_progress(client, ministry, db, login):
    panel_id = create(client, quota=3)
    code = invite(client, panel_id)[0]
    join(client, login, db, code, "평가단원")
    seen_pairs = []
    for step in range(3):
        nxt = client.get("/api/panel/next")
        assert nxt.status_code == 200, nxt.get_json()
        body = nxt.get_json()
        assert body["progress"] == {"done": step, "quota": 3} and body["position"] == step + 1
        assert body["battle"] is None and body["prompt"]["text"]
        started = client.post("/api/panel/battles")
        assert started.status_code == 201, started.get_json()
        battle_id = started.get_json()["battle_id"]
        db.rollback()
        assignment = db.scalars(select(PanelAssignment).where(PanelAssignment.battle_id == battle_id)).one()
        battle = assignment_battle(db, battle_id)
        assert (battle.model_a_id, battle.model_b_id) == (assignment.model_a_id, assignment.model_b_id)
        assert battle.prompt_id == body["prompt"]["id"] and battle.pair_propensity is None
        seen_pairs.append((battle.model_a_id, battle.model_b_id))
        again = client.post("/api/panel/battles")  # one at a time
        assert (again.status_code, again.get_json()["error"]["code"]) == (409, "battle_in_progress")
        assert client.get("/api/panel/next").get_json()["battle"] == battle_id
        assert client.post(f"/api/battles/{battle_id}/vote", json={"winner": "a"}).status_code == 200
    assert client.get("/api/panel/next").status_code == 204
    done = client.post("/api/panel/battles")
    assert (done.status_code, done.get_json()["error"]["code"]) == (409, "quota_done")
    assert len(set(seen_pairs)) == 3


def assignment_battle(db, battle_id):
    return db.get(Battle, battle_id)


def test_a_citizen_on_no_panel_gets_404(client, demo, login, db):
    login.as_user(make_user(db, "시민"))
    assert client.get("/api/panel/next").get_json()["error"]["code"] == "not_a_member"
    assert client.post("/api/panel/battles").status_code == 404


def test_assignments_cover_every_ordered_pair_and_category_evenly_across_the_panel(client, ministry, db, login):
    """The demo round: 4 models (12 ordered pairs) and 5 categories, so a block of the deck is 60 cells;
    9 members x 7 = 63 cells is one block and 3 cells of the next."""
    panel_id = create(client, quota=7)
    codes = invite(client, panel_id, count=9)
    for k, code in enumerate(codes):
        join(client, login, db, code, f"단원{k}")  # an open round: the sequence is dealt at redemption
    db.rollback()
    rows = db.scalars(select(PanelAssignment)).all()
    assert len(rows) == 63
    ordered = Counter((r.model_a_id, r.model_b_id) for r in rows)
    models = {m for pair in ordered for m in pair}
    every = [(a, b) for a in models for b in models if a != b]
    counts = [ordered.get(p, 0) for p in every]
    assert len(every) == 12 and max(counts) - min(counts) <= 1  # every pair and both its sides
    cells = Counter((r.model_a_id, r.model_b_id, r.category) for r in rows)
    assert len(cells) == 60 and max(cells.values()) - min(cells.values()) <= 1  # every pair meets every category
    categories = Counter(r.category for r in rows)
    assert max(categories.values()) - min(categories.values()) <= 3  # 12 each, and the 3 cells beyond
    for member_id in {r.member_id for r in rows}:  # a member does not see a prompt twice
        prompts = [r.prompt_id for r in rows if r.member_id == member_id]
        assert len(set(prompts)) == len(prompts)


def test_the_deal_is_secret_two_identical_panels_give_different_sequences(client, ministry, db, login):
    sequences = []
    for panel_id in ("twin-a", "twin-b"):
        create(client, id=panel_id, quota=12)
    for panel_id in ("twin-a", "twin-b"):
        code = invite(client, panel_id)[0]
        minister_cookie = client.get_cookie("arena_session").value
        join(client, login, db, code, f"쌍둥이 {panel_id}")
        client.set_cookie("arena_session", minister_cookie)
        db.rollback()
        member = db.scalars(select(PanelMember).where(PanelMember.panel_id == panel_id)).one()
        sequences.append([(r.model_a_id, r.model_b_id, r.category) for r in
                          db.scalars(select(PanelAssignment).where(PanelAssignment.member_id == member.id)
                                     .order_by(PanelAssignment.position))])
    assert len(sequences[0]) == 12 and sequences[0] != sequences[1]  # equal by chance: 1 in 60!/48!


def vote_assigned(client, times: int, winner: str = "a") -> None:
    for _ in range(times):
        started = client.post("/api/panel/battles")
        assert started.status_code == 201, started.get_json()
        assert client.post(f"/api/battles/{started.get_json()['battle_id']}/vote",
                           json={"winner": winner}).status_code == 200


def test_report_and_panel_board_weight_members_to_the_population(client, ministry, db, login):
    panel_id = create(client, quota=2)
    cells = [("20s", "capital"), ("20s", "capital"), ("20s", "other"), ("60+", "capital"), ("60+", "other")]
    codes = [invite(client, panel_id, stratum={**STRATUM, "age": age, "region": region})[0] for age, region in cells]
    minister_cookie = client.get_cookie("arena_session").value
    for k, code in enumerate(codes):
        join(client, login, db, code, f"단원{k}")
        vote_assigned(client, 2)
    # A member's battles in the open contest are not the panel's.
    assert client.post(f"/api/battles/{client.post('/api/battles', json={}).get_json()['battle_id']}/vote",
                       json={"winner": "b"}).status_code == 200
    client.set_cookie("arena_session", minister_cookie)
    resp = client.get(f"/api/admin/panels/{panel_id}/report")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["members"], body["respondents"], body["votes"], body["size"]) == (5, 5, 10, 500)
    assert body["recruitment"]["age"]["20s"] == {"target": 100, "members": 3, "respondents": 3, "assigned": 6,
                                                 "completed": 6, "completion": 1.0}
    assert body["recruitment"]["age"]["30s"]["completion"] is None
    weights = body["weights"]
    # Raked over the levels respondents hold (the others' shares spread over them, and named): the two
    # members aged 60+ carry that band's larger share, the three in their 20s the smaller one.
    assert weights["respondents"] == 5 and weights["max"] > weights["min"] and weights["margin_error"] < 1e-6
    assert body["problem"].startswith("empty_levels:") and "age:30s" in body["problem"]
    assert {"board", "open_board", "difference"} <= set(body)
    assert body["warnings"] == [] and len(body["components"]) <= 1  # one group at most: points on one scale
    assert all(r["component"] == 0 for r in body["board"] if r["status"] == "ranked")
    names = {d["name"] for d in body["difference"]}
    assert names == {r["name"] for r in body["board"]} | {r["name"] for r in body["open_board"]}
    table = list(csv.reader(io.StringIO(client.get(f"/api/admin/panels/{panel_id}/report.csv").text.lstrip("\ufeff"))))
    assert table[0][:3] == ["model", "panel_rank", "panel_rating"] and len(table) == 1 + len(body["difference"])
    strata = client.get(f"/api/admin/panels/{panel_id}/report.csv?part=strata").text
    assert "age,20s,100,3,3,6,6,1.0" in strata
    assert client.get(f"/api/admin/panels/{panel_id}/report.csv?part=x").status_code == 422
    public = client.get(f"/api/leaderboard?panel={panel_id}").get_json()
    assert public["panel"] == panel_id and public["votes"] == 10
    assert public["effective_sample_size"] == pytest.approx(5 / weights["design_effect"], abs=0.05)
    assert client.get(f"/api/leaderboard?panel={panel_id}&round=other-round").status_code == 404
    assert client.get("/api/leaderboard?panel=nope").status_code == 404
    assert client.get("/api/admin/panels/nope/report").status_code == 404


def test_respondents_that_cannot_be_weighted_to_the_margins_give_no_board(client, ministry, db, login):
    """Every member in their 20s lives in the capital and every older one elsewhere: no weights can give
    both the age and the region margins, so the report says so instead of showing a board."""
    panel_id = create(client, quota=1)
    codes = [invite(client, panel_id, stratum={**STRATUM, "age": age, "region": region})[0]
             for age, region in (("20s", "capital"), ("60+", "other"))]
    minister_cookie = client.get_cookie("arena_session").value
    for k, code in enumerate(codes):
        join(client, login, db, code, f"단원{k}")
        vote_assigned(client, 1)
    client.set_cookie("arena_session", minister_cookie)
    body = client.get(f"/api/admin/panels/{panel_id}/report").get_json()
    assert body["problem"] == "cannot_weight" and body["weights"] is None and body["board"] == []


def test_one_assignment_starts_one_battle_however_many_requests_race(app, client, ministry, db, login):
    panel_id = create(client, quota=3)
    code = invite(client, panel_id)[0]
    join(client, login, db, code, "서두르는 단원")
    cookie = client.get_cookie("arena_session").value
    token = client.csrf_token()
    results: list[int] = []
    barrier = threading.Barrier(6)

    def start():
        racer = app.test_client()
        racer.set_cookie("arena_session", cookie)
        barrier.wait()
        resp = racer.post("/api/panel/battles", headers={"X-CSRF-Token": token})
        results.append(resp.status_code)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(201) == 1 and set(results) <= {201, 409}, results
    db.rollback()
    member = db.scalars(select(PanelMember)).one()
    battles = db.scalars(select(Battle).where(Battle.user_id == member.user_id)).all()
    assert len(battles) == 1
    first = db.scalars(select(PanelAssignment).where(PanelAssignment.position == 0)).one()
    assert first.battle_id == battles[0].id


def test_a_member_in_a_draft_round_waits_for_it_to_open(client, ministry, db, login):
    draft = client.post("/api/admin/rounds", json={
        "id": "r-later", "title": "다음 경연", "opens_at": "2030-01-01T00:00:00Z", "closes_at": "2030-02-01T00:00:00Z",
        "categories": ["daily"], "roster": []})
    assert draft.status_code == 201, draft.get_json()
    create(client, id="later-panel", round="r-later")
    code = invite(client, "later-panel")[0]
    join(client, login, db, code, "기다리는 단원")
    waiting = client.get("/api/panel/next")
    assert (waiting.status_code, waiting.get_json()["error"]["code"]) == (409, "round_not_started")
    assert "아직 시작하지 않았습니다" in client.get("/panel").text


def test_an_assignment_whose_model_was_dropped_is_played_with_an_available_pair(client, ministry, db, login):
    panel_id = create(client, quota=2)
    code = invite(client, panel_id)[0]
    join(client, login, db, code, "단원")
    db.rollback()
    first = db.scalars(select(PanelAssignment).where(PanelAssignment.position == 0)).one()
    dropped = db.get(Model, first.model_a_id)
    dropped.active = False
    db.commit()
    started = client.post("/api/panel/battles")
    assert started.status_code == 201, started.get_json()
    db.rollback()
    db.expire_all()
    battle = db.get(Battle, started.get_json()["battle_id"])
    assert dropped.id not in (battle.model_a_id, battle.model_b_id)
    first = db.get(PanelAssignment, first.id)
    assert (first.model_a_id, first.model_b_id, first.battle_id) == (battle.model_a_id, battle.model_b_id, battle.id)


def test_assigned_battles_avoid_the_teams_a_member_declared_ties_to(client, ministry, db, login):
    panel_id = create(client, quota=6)
    code = invite(client, panel_id)[0]
    join(client, login, db, code, "LG 직원")
    db.rollback()
    tied = db.scalars(select(Team).join(Model, Model.team_id == Team.id)
                      .where(Model.id == db.scalars(select(PanelAssignment.model_a_id)).first())).first()
    assert client.put("/api/me/conflicts", json={"teams": [tied.slug]}).status_code == 200
    for _ in range(6):
        started = client.post("/api/panel/battles")
        assert started.status_code == 201, started.get_json()
        battle = db.get(Battle, started.get_json()["battle_id"])
        assert tied.id not in (db.get(Model, battle.model_a_id).team_id, db.get(Model, battle.model_b_id).team_id)
        vote = client.post(f"/api/battles/{battle.id}/vote", json={"winner": "a"}).get_json()
        assert vote["counted"] is True


def test_the_report_page_shows_boards_split_into_groups(client, ministry, db, monkeypatch):
    """Models that never met across two groups: the page says so, names each rank's group and shows no
    points (it used to fail formatting the missing points)."""
    import numpy as np

    from voting import panel_report, panel_routes
    from voting.panel_maths import PanelVotes, panel_board
    from voting.rating import A_WINS, B_WINS

    panel_id = create(client)
    pairs = [(0, 1, A_WINS)] * 30 + [(0, 1, B_WINS)] * 10 + [(2, 3, A_WINS)] * 20 + [(2, 3, B_WINS)] * 20
    a, b, outcome = (np.array(x) for x in zip(*pairs))
    split = panel_board(PanelVotes(a, b, outcome, np.arange(a.size) % 8, np.ones(8), 4), rounds=20,
                        rng=np.random.default_rng(1))
    real = panel_routes._report

    def split_report(pid):
        body = real(pid)
        roster = panel_report.panel_data(db, db.get(Panel, pid)).models[:4]
        rows = panel_report.board_rows(roster, split, "ko", 25.0)
        return {**body, "board": rows, "open_board": rows, **panel_report._groups(roster, split.components),
                **panel_report._groups(roster, split.components, "open_")}

    monkeypatch.setattr(panel_routes, "_report", split_report)
    page = client.get(f"/admin/panels/{panel_id}")
    assert page.status_code == 200, page.text[:500]
    assert page.text.count("서로 맞붙은 적 없는 묶음") == 2 and "묶음 2" in page.text
