"""One write lock per round: a vote never lands after its round closed or after a final snapshot,
publications of a round form one line, and `flask log verify` reports every bad round."""
from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.db import new_session, utcnow
from contest.models import Battle
from tests.builders import make_battle, make_round
from tests.voting.log_builder import make_logged_vote
from tests.voting.snapshot_world import build_world, client_as, publish
from tests.voting.test_vote_log import as_superuser
from voting import service
from voting.models import Snapshot, Vote, VoteLogEntry, VoteOutbox


@pytest.fixture
def world(any_db_url, make_app):
    w = build_world(make_app(any_db_url, WORKER_IN_PROCESS=False))
    yield w
    w.db.close()


def pause(monkeypatch, name: str, after: bool) -> tuple[threading.Event, threading.Event]:
    """Hold the vote path at voting.service.`name` (just after or just before it) until `go` is set."""
    reached, go = threading.Event(), threading.Event()
    original = getattr(service, name)

    def paused(*args, **kwargs):
        result = original(*args, **kwargs) if after else None
        reached.set()
        assert go.wait(30)
        return result if after else original(*args, **kwargs)

    monkeypatch.setattr(service, name, paused)
    return reached, go


def in_thread(call) -> tuple[threading.Thread, dict]:
    out: dict = {}
    thread = threading.Thread(target=lambda: out.update(resp=call()))
    thread.start()
    return thread, out


def counts(world) -> tuple[int, int, int]:
    with world.app.app_context(), new_session() as s:
        return (s.scalar(select(func.count()).select_from(Vote)), s.scalar(select(func.max(VoteLogEntry.seq))),
                s.scalar(select(func.count()).select_from(VoteOutbox)))


def test_a_vote_checked_before_the_close_is_refused_after_it(world, monkeypatch):
    """The reviewer's race: status read, then close (200) and the final snapshot (201), then the insert."""
    battle = make_battle(world.db, world.citizen, world.round)
    world.db.commit()
    voter, ministry = client_as(world, world.citizen), client_as(world, world.ministry)
    before = counts(world)
    reached, go = pause(monkeypatch, "_check_votable", after=True)
    thread, out = in_thread(lambda: voter.post(f"/api/battles/{battle.id}/vote", json={"winner": "a"}))
    assert reached.wait(30)
    assert ministry.post(f"/api/admin/rounds/{world.round.id}/close").status_code == 200
    snap = publish(world)
    assert snap.status_code == 201, snap.get_json()
    go.set()
    thread.join(30)
    resp = out["resp"]
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (409, "round_closed")
    assert counts(world) == before  # no vote, no record, no outbox row
    world.db.expire_all()
    assert world.db.get(Battle, battle.id).status == "ready"
    assert snap.get_json()["log_seq"] == before[1] and snap.get_json()["vote_count"] == before[0]


@pytest.mark.postgres
@pytest.mark.parametrize("any_db_url", ["postgresql"], indirect=True)  # SQLite: one writer, nothing to overlap
def test_a_vote_holding_the_lock_makes_the_close_wait_and_is_in_the_final_snapshot(world, monkeypatch):
    battle = make_battle(world.db, world.citizen, world.round)
    world.db.commit()
    voter, ministry = client_as(world, world.citizen), client_as(world, world.ministry)
    before = counts(world)
    reached, go = pause(monkeypatch, "_check_still_open", after=False)  # appended: the lock is held
    vote_thread, vote = in_thread(lambda: voter.post(f"/api/battles/{battle.id}/vote", json={"winner": "a"}))
    assert reached.wait(30)
    close_thread, close = in_thread(lambda: ministry.post(f"/api/admin/rounds/{world.round.id}/close"))
    time.sleep(0.5)
    assert close_thread.is_alive()  # waiting for the vote's lock
    go.set()
    vote_thread.join(30)
    close_thread.join(30)
    assert vote["resp"].status_code == 200 and close["resp"].status_code == 200
    snap = publish(world).get_json()
    assert (snap["log_seq"], snap["vote_count"]) == (before[1] + 1, before[0] + 1)


@pytest.mark.postgres
@pytest.mark.parametrize("any_db_url", ["postgresql"], indirect=True)
def test_an_open_rounds_snapshot_does_not_stall_its_votes(world, monkeypatch):
    """A provisional snapshot takes the round's row lock only: it is of the head it reads, and a vote
    holding the write lock neither waits for it nor is waited for."""
    battle = make_battle(world.db, world.citizen, world.round)
    world.db.commit()
    voter = client_as(world, world.citizen)
    before = counts(world)
    reached, go = pause(monkeypatch, "_check_still_open", after=False)
    thread, vote = in_thread(lambda: voter.post(f"/api/battles/{battle.id}/vote", json={"winner": "a"}))
    assert reached.wait(30)
    snap = publish(world)
    go.set()
    thread.join(30)
    assert snap.status_code == 201 and snap.get_json()["log_seq"] == before[1]
    assert vote["resp"].status_code == 200 and counts(world)[1] == before[1] + 1


def race(world, n: int, **body) -> list:
    """`n` ministry clients publishing the same body at once; their responses."""
    clients = [client_as(world, world.ministry) for _ in range(n)]
    round_id = world.round.id  # read here: the threads must not share the test's session
    start, out = threading.Barrier(n), [None] * n

    def go(i):
        start.wait()
        out[i] = clients[i].post("/api/admin/snapshots", json={"round": round_id, **body})

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


@pytest.mark.postgres
@pytest.mark.parametrize("any_db_url", ["postgresql"], indirect=True)
def test_concurrent_publications_and_corrections_exactly_one_wins(world):
    # Without `supersedes` each publication supersedes the latest: five at once still form one line.
    first = race(world, 5)
    assert sorted(r.status_code for r in first) == [201] * 5
    world.db.expire_all()
    line = world.db.execute(select(Snapshot.id, Snapshot.supersedes_id).order_by(Snapshot.published_at)).all()
    assert [old for _, old in line] == [None] + [new for new, _ in line[:-1]]
    latest = line[-1][0]
    second = race(world, 5, supersedes=latest)  # five corrections of the same snapshot: exactly one wins
    assert sorted(r.status_code for r in second) == [201, 409, 409, 409, 409]
    assert {r.get_json()["error"]["code"] for r in second if r.status_code == 409} == {"already_superseded"}


def test_a_later_snapshot_supersedes_the_latest_named_or_not(world):
    """API.md's `{"round"}` still publishes (201); the new snapshot then supersedes the round's latest.
    Naming an older one is refused: a round's snapshots form one line."""
    first = publish(world).get_json()
    assert first["supersedes"] is None
    second = publish(world)
    assert second.status_code == 201 and second.get_json()["supersedes"] == first["id"]
    resp = publish(world, supersedes=first["id"])
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (409, "already_superseded")
    third = publish(world, supersedes=second.get_json()["id"])
    assert third.status_code == 201 and third.get_json()["supersedes"] == second.get_json()["id"]
    assert world.db.scalar(select(func.count()).select_from(Snapshot)) == 3


def test_the_database_refuses_two_corrections_of_one_snapshot(world):
    first = world.db.get(Snapshot, publish(world).get_json()["id"])
    fields = {c.name: getattr(first, c.name) for c in Snapshot.__table__.columns}
    world.db.add(Snapshot(**{**fields, "id": "copy-1", "supersedes_id": first.id}))
    world.db.commit()
    world.db.add(Snapshot(**{**fields, "id": "copy-2", "supersedes_id": first.id}))
    with pytest.raises(IntegrityError):
        world.db.commit()
    world.db.rollback()


# ---------------------------------------------------------------- flask log verify
def test_log_verify_reports_every_bad_round(world):
    other, clean = make_round(world.db, "r-other", models=2), make_round(world.db, "r-clean", models=2)
    make_logged_vote(world.db, other, world.citizen, 0, 1, "a")
    make_logged_vote(world.db, clean, world.citizen, 0, 1, "b")
    world.db.commit()
    arena = SimpleNamespace(app=world.app, dialect=world.db.get_bind().dialect.name)
    forge = "UPDATE vote_log SET record = replace(record, '\"winner\":\"model_a\"', '\"winner\":\"model_b\"') " \
            "WHERE round_id = :r AND seq = 1"
    for round_id in (world.round.id, "r-other"):
        as_superuser(arena, forge, r=round_id)
    from tests.conftest import ContextCliRunner
    result = ContextCliRunner(world.app).invoke(args=["log", "verify"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["ok", "round r-other", "round r-snap"], result.output
    assert "round r-clean" in lines[0]
