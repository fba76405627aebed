"""The detectors run over a round's stored votes and file their findings in the moderators' queue."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from anti_abuse.models import Flag
from anti_abuse.scan import scan_round
from tests.builders import make_battle, make_round, make_user
from voting import exclusions
from voting.service import cast_vote

STRENGTH = (0.8, 0.6, 0.4, 0.2)  # chance-ish ordering: model 0 best, model 3 (the rigger's target) weakest


@pytest.fixture
def world(any_db_url, make_app):
    app = make_app(any_db_url)
    with app.app_context():
        from app.db import new_session

        session = new_session()
        round_ = make_round(session, "r-scan", models=4)
        rng = random.Random(5)
        honest = [make_user(session, f"시민{i}") for i in range(14)]
        rigger = make_user(session, "조작")
        session.commit()
        start = round_.opens_at + timedelta(hours=1)
        for n, user in enumerate(honest):
            for k in range(8):
                a, b = rng.sample(range(4), 2)
                battle = make_battle(session, user, round_, a, b)
                p_a = STRENGTH[a] / (STRENGTH[a] + STRENGTH[b])
                when = start + timedelta(minutes=15 * k + n, seconds=40)
                battle.ready_at = when - timedelta(seconds=40)  # read for 40 s
                cast_vote(session, battle.id, user, "a" if rng.random() < p_a else "b", when, client=f"home-{n}")
                session.commit()
        for k in range(24):  # always the weakest model, within a second of the answers
            other = k % 3
            a, b = (3, other) if k % 2 else (other, 3)
            battle = make_battle(session, rigger, round_, a, b)
            when = start + timedelta(minutes=3 * k, seconds=1)
            battle.ready_at = when - timedelta(milliseconds=600)
            cast_vote(session, battle.id, rigger, "a" if a == 3 else "b", when, client="bot-net")
            session.commit()
        yield {"session": session, "round": round_, "honest": honest, "rigger": rigger,
               "now": start + timedelta(days=1)}
        session.close()


def detector_items(session):
    return list(session.scalars(select(Flag).where(Flag.source == "detector").order_by(Flag.id)))


def test_a_rigger_is_found_with_evidence_and_no_honest_voter_is(world):
    s, rigger = world["session"], world["rigger"]
    report = scan_round(s, world["round"].id, world["now"])
    s.commit()
    assert report.votes == 14 * 8 + 24 and report.filed == report.findings >= 1
    items = detector_items(s)
    concerned = {v for item in items for v in item.evidence["voters"]}
    assert concerned == {rigger.id}, [(i.reason, i.evidence) for i in items]
    kinds = {i.reason for i in items}
    assert kinds & {"too_fast", "favoured_model"}, kinds
    rigger_votes = set(exclusions.votes_of(s, rigger.id))
    for item in items:
        assert item.status == "open" and 0 < item.score <= 1 and item.round_id == world["round"].id
        assert set(item.vote_ids) <= rigger_votes and item.vote_ids  # real vote ids, not detector indexes
        examples = item.evidence.get("example_vote_ids", [])
        assert set(examples) <= rigger_votes


def test_scanning_again_files_nothing_new_and_a_voided_voter_drops_out(world):
    s, rigger, round_id = world["session"], world["rigger"], world["round"].id
    first = scan_round(s, round_id, world["now"])
    s.commit()
    again = scan_round(s, round_id, world["now"])
    s.commit()
    assert again.filed == 0 and again.updated == 0 and len(detector_items(s)) == first.filed
    changes = exclusions.plan_void(s, exclusions.votes_of(s, rigger.id), "anomaly")
    exclusions.apply(s, changes, world["now"], "test")
    s.commit()
    after = scan_round(s, round_id, world["now"] + timedelta(minutes=1))
    s.commit()
    assert after.votes == 14 * 8 and after.findings == 0 and len(detector_items(s)) == first.filed


def test_an_empty_round_is_scanned_without_findings(any_db_url, make_app):
    app = make_app(any_db_url)
    with app.app_context():
        from app.db import new_session, utcnow

        with new_session() as session:
            make_round(session, "r-empty")
            session.commit()
            assert scan_round(session, "r-empty", utcnow()).findings == 0


def test_the_cli_scans_every_open_round(world, any_db_url, make_app):
    app = make_app(any_db_url)
    result = app.test_cli_runner().invoke(args=["moderation", "scan"])
    assert result.exit_code == 0, result.output
    assert "r-scan: 136 counted votes" in result.output and "new in the queue" in result.output


def test_a_moderator_scans_now_through_the_api(world, any_db_url, make_app, login):
    app = make_app(any_db_url)
    client = app.test_client()
    Login = type(login)
    Login(client, world["session"]).as_user(make_user(world["session"], "검토자", roles=("moderator",)), client=client)
    resp = client.post("/api/moderation/scan?round=r-scan")
    assert resp.status_code == 200, resp.get_json()
    scan = resp.get_json()["scans"][0]
    assert scan["round"] == "r-scan" and scan["votes"] == 136 and scan["filed"] >= 1
    assert client.post("/api/moderation/scan?round=nope").status_code == 404
    assert client.post("/api/moderation/scan?round=%00").status_code == 404
    assert client.post("/api/moderation/scan").get_json()["scans"][0]["filed"] == 0  # nothing new


def test_a_bank_answer_naming_its_model_is_filed_once(any_db_url, make_app):
    from contest.models import BankAnswer, Prompt

    app = make_app(any_db_url)
    with app.app_context():
        from app.db import new_session, utcnow

        with new_session() as session:
            round_ = make_round(session, "r-bank", models=2)
            session.add(Prompt(id="p-bank", language="ko", category="daily", text="자기소개 해줘"))
            session.flush()
            leaky, clean = (rm.model for rm in round_.roster)
            session.add_all([BankAnswer(prompt_id="p-bank", model_id=leaky.id, sample=1,
                                        text=f"안녕하세요, 저는 {leaky.display_name}입니다."),
                             BankAnswer(prompt_id="p-bank", model_id=clean.id, sample=1,
                                        text="저는 AI 어시스턴트입니다. 무엇을 도와드릴까요?")])
            session.commit()
            first = scan_round(session, "r-bank", utcnow())
            session.commit()
            assert first.bank_leaks == 1
            item = session.scalars(select(Flag).where(Flag.reason == "bank_identity_leak")).one()
            assert item.evidence["model"] == leaky.slug and item.evidence["prompt_id"] == "p-bank"
            assert item.evidence["matched"] in (leaky.display_name, "Model 0")
            assert scan_round(session, "r-bank", utcnow()).bank_leaks == 0  # filed once


def test_one_voter_favouring_two_models_makes_two_items(world):
    """favoured_model files one finding per model over the same votes: both reach the queue."""
    from anti_abuse.detectors import Finding
    from anti_abuse.scan import file_finding

    s, rigger = world["session"], world["rigger"]
    ids = exclusions.votes_of(s, rigger.id)
    outcomes = [file_finding(s, "r-scan", Finding("favoured_model", rigger.id, (rigger.id,), 0.9, {"model": m},
                                                  tuple(range(len(ids)))), ids, world["now"]) for m in ("m1", "m2")]
    s.commit()
    assert outcomes == ["filed", "filed"]
    assert sorted(i.evidence["model"] for i in detector_items(s)) == ["m1", "m2"]
