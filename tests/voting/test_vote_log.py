"""The hash-chained vote log: appended with each vote, refused edits, and tampering found and named."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from app.db import new_session, utcnow
from contest.models import Battle, Round
from tests.builders import make_battle, make_round, make_user
from tests.clients import CsrfClient
from tests.conftest import ContextCliRunner, Login
from voting import log_store
from voting.log import GENESIS, canonical, cast_record, compare_states, link_hash, verify_chain, voter_pseudonym
from voting.log_audit import verify_round
from voting.models import LogRoot, Vote, VoteLogEntry
from voting.service import cast_vote
from voting.worker import WorkerSettings

ROUND = "r-log"
WINNERS = ("a", "b", "tie", "bothbad", "a", "b")


@pytest.fixture
def arena(any_db_url, make_app):
    """An app on SQLite and on PostgreSQL, a round, a logged-in voter with six ready battles."""
    yield from _arena(any_db_url, make_app)


@pytest.fixture
def pg_arena(pg_url, make_app):
    """The same on PostgreSQL only (the vote log's one-call append, migration 0014)."""
    yield from _arena(pg_url, make_app)


def _arena(url, make_app):
    app = make_app(url, WORKER_IN_PROCESS=False)  # no thread holding a connection past the test
    with app.app_context():
        db = new_session()
    round_ = make_round(db, ROUND, models=3, opened_days_ago=5)
    voter = make_user(db, "기록자")
    battles = [make_battle(db, voter, round_, i % 3, (i + 1) % 3) for i in range(6)]
    db.commit()
    client = CsrfClient(app, app.response_class, use_cookies=True)
    Login(client, db).as_user(voter)
    yield SimpleNamespace(app=app, db=db, client=client, round=round_, voter=voter, battles=battles,
                          dialect=db.get_bind().dialect.name)
    db.close()


def vote_all(arena, count: int = 5) -> list[str]:
    """Vote through the API on the first `count` battles; the vote ids in order."""
    ids = []
    for battle, winner in zip(arena.battles[:count], WINNERS):
        resp = arena.client.post(f"/api/battles/{battle.id}/vote", json={"winner": winner})
        assert resp.status_code == 200, resp.get_json()
        ids.append(resp.get_json()["vote_id"])
    return ids


def log_rows(db, round_id: str = ROUND) -> list[VoteLogEntry]:
    db.expire_all()
    return list(db.scalars(select(VoteLogEntry).where(VoteLogEntry.round_id == round_id).order_by(VoteLogEntry.seq)))


def verify(arena, *args: str):
    return ContextCliRunner(arena.app).invoke(args=["log", "verify", *args])


def as_superuser(arena, *statements, **params) -> None:
    """What only a database owner can do: switch the append-only triggers off and run `statements`."""
    with arena.app.extensions["db_engine"].begin() as conn:
        for table in ("vote_log", "log_roots"):
            if arena.dialect == "postgresql":
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
            else:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
                conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
        for statement in statements:
            conn.execute(*((text(statement), params) if isinstance(statement, str) else (statement,)))


NOON = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)


def stamp_day_one():
    """The statement that dates every record of the round to 2026-01-01 (as if cast that day)."""
    return update(VoteLogEntry).where(VoteLogEntry.round_id == ROUND).values(created_at=NOON)


# ---------------------------------------------------------------- appending
def test_each_vote_appends_one_linked_cast_record(arena):
    arena.app.extensions["vote_exclusion_checks"].append(
        lambda session, target, user: "identity_leak" if target.battle_id == arena.battles[2].id else None)
    ids = vote_all(arena)
    rows = log_rows(arena.db)
    assert [(r.seq, r.kind, r.vote_id) for r in rows] == [(i + 1, "cast", v) for i, v in enumerate(ids)]
    prev = GENESIS
    for row in rows:
        assert (row.prev_hash, row.hash) == (prev, link_hash(prev, row.record.encode("utf-8")))
        prev = row.hash
    first, excluded = json.loads(rows[0].record), json.loads(rows[2].record)
    salt = arena.db.get(Round, ROUND).pseudonym_salt
    assert first == {"kind": "cast", "round": ROUND, "seq": 1, "vote_id": ids[0],
                     "voter": voter_pseudonym(salt, arena.voter.id), "category": "daily",
                     "model_a": "Model 0 1", "model_b": "Model 1 1", "model_a_slug": f"{ROUND}-m0",
                     "model_b_slug": f"{ROUND}-m1", "team_a": f"{ROUND}-t0", "team_b": f"{ROUND}-t1",
                     "winner": "model_a",
                     "tstamp": first["tstamp"], "counted": True, "excluded_reason": None}
    vote = arena.db.get(Vote, ids[0])
    assert first["tstamp"] == vote.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert (excluded["counted"], excluded["excluded_reason"], excluded["winner"]) == (False, "identity_leak", "tie")


def test_a_refused_vote_leaves_no_record(arena):
    vote_all(arena, 1)
    url = f"/api/battles/{arena.battles[0].id}/vote"
    assert arena.client.post(url, json={"winner": "b"}).status_code == 409
    assert arena.client.post(f"/api/battles/{arena.battles[1].id}/vote", json={"winner": "x"}).status_code == 422
    assert [r.seq for r in log_rows(arena.db)] == [1]


def test_a_failed_append_refuses_the_vote(arena):
    """The record is part of the vote: when the database refuses the record, the vote is not stored."""
    if arena.dialect == "postgresql":
        refuse = ("CREATE FUNCTION refuse_log() RETURNS trigger LANGUAGE plpgsql AS "
                  "$$ BEGIN RAISE EXCEPTION 'log refused'; END $$",
                  "CREATE TRIGGER refuse_log BEFORE INSERT ON vote_log FOR EACH ROW EXECUTE FUNCTION refuse_log()")
    else:
        refuse = ("CREATE TRIGGER refuse_log BEFORE INSERT ON vote_log BEGIN SELECT RAISE(ABORT, 'log refused'); END",)
    as_superuser(arena, *refuse)
    battle = arena.battles[0]
    with arena.app.app_context(), new_session() as session:
        with pytest.raises(DBAPIError, match="log refused"):
            cast_vote(session, battle.id, arena.voter, "a", utcnow())
        session.rollback()
    arena.db.expire_all()
    assert arena.db.scalar(select(func.count()).select_from(Vote)) == 0
    assert arena.db.get(Battle, battle.id).status == "ready" and log_rows(arena.db) == []


def test_exclusions_and_restorations_are_appended_and_replayed(arena):
    ids = vote_all(arena, 3)
    now = utcnow()
    with arena.app.app_context(), new_session() as session:
        session.execute(Vote.__table__.update().where(Vote.id == ids[1]).values(
            excluded=True, excluded_reason="moderation", excluded_at=now))
        head = log_store.append_change(session, ROUND, ids[1], "exclude", "moderation", now, action="17")
        session.commit()
    assert head.seq == 4
    record = json.loads(log_rows(arena.db)[3].record)
    assert record == {"kind": "exclude", "round": ROUND, "seq": 4, "vote_id": ids[1], "counted": False,
                      "excluded_reason": "moderation", "tstamp": record["tstamp"], "action": "17"}
    assert verify(arena).exit_code == 0
    with arena.app.app_context(), new_session() as session:
        session.execute(Vote.__table__.update().where(Vote.id == ids[1]).values(excluded=False, excluded_reason=None))
        log_store.append_change(session, ROUND, ids[1], "restore", None, now)
        session.commit()
    result = verify(arena)
    assert result.exit_code == 0 and result.output.startswith("ok: 5 records, head ")
    # The vote counted again without a record saying so: its state no longer replays from the log.
    as_superuser(arena, update(Vote).where(Vote.id == ids[1]).values(excluded=True, excluded_reason="anomaly"))
    result = verify(arena)
    assert result.exit_code == 1
    assert f"state: seq 5 (vote {ids[1]})" in result.output and "excluded (anomaly)" in result.output


def test_the_database_links_any_record_text_as_the_verifier_does(arena):
    """On PostgreSQL the seq and link hash are computed in SQL: Korean text, quotes, backslashes, a newline
    and a look-alike of the seq key in a record give the bytes and hash Python would."""
    ids = vote_all(arena, 2)
    action = '검토 "seq":0 \\ "seq": 1\n✓ 😀𝕏\x01\u2028'
    with arena.app.app_context(), new_session() as session:
        session.execute(Vote.__table__.update().where(Vote.id == ids[0]).values(
            excluded=True, excluded_reason="moderation", excluded_at=utcnow()))
        head = log_store.append_change(session, ROUND, ids[0], "exclude", "moderation", utcnow(), action=action)
        session.commit()
    rows = log_rows(arena.db)
    assert (head.seq, head.hash) == (3, rows[-1].hash) and json.loads(rows[-1].record)["action"] == action
    assert rows[-1].record.encode("utf-8") == canonical(json.loads(rows[-1].record))
    assert [r.prev_hash for r in rows] == [GENESIS, rows[0].hash, rows[1].hash]
    assert all(r.hash == link_hash(r.prev_hash, r.record.encode("utf-8")) for r in rows)
    assert verify(arena).exit_code == 0


def test_a_change_needs_a_valid_kind_and_reason(arena):
    ids = vote_all(arena, 1)
    with arena.app.app_context(), new_session() as session:
        for kind, reason in (("exclude", None), ("restore", "moderation"), ("delete", None)):
            with pytest.raises(ValueError):
                log_store.append_change(session, ROUND, ids[0], kind, reason, utcnow())
    assert len(log_rows(arena.db)) == 1


# ---------------------------------------------------------------- the database refuses rewrites
@pytest.mark.parametrize("statement", ["UPDATE vote_log SET record = '{}'", "DELETE FROM vote_log",
                                       "UPDATE log_roots SET root = 'x'", "DELETE FROM log_roots"])
def test_the_database_refuses_to_rewrite_the_log(arena, statement):
    vote_all(arena, 2)
    with arena.app.app_context(), new_session() as session:
        session.add(LogRoot(round_id=ROUND, day="2026-01-01", last_seq=1, root=log_rows(arena.db)[0].hash,
                            recorded_at=utcnow()))
        session.commit()
    with pytest.raises(Exception, match="append-only"):
        with arena.app.extensions["db_engine"].begin() as conn:
            conn.execute(text(statement))
    assert len(log_rows(arena.db)) == 2


# ---------------------------------------------------------------- tampering, found and named
def test_a_clean_chain_verifies(arena):
    vote_all(arena)
    result = verify(arena, "--round", ROUND)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"ok: 5 records, head {log_rows(arena.db)[-1].hash} (round {ROUND})"


def test_an_edited_record_is_named(arena):
    ids = vote_all(arena)
    record = json.loads(log_rows(arena.db)[1].record)
    record["winner"] = "model_a"  # was model_b
    as_superuser(arena, "UPDATE vote_log SET record = :rec WHERE round_id = :r AND seq = 2",
                 rec=canonical(record).decode(), r=ROUND)
    result = verify(arena)
    assert result.exit_code == 1
    assert f"round {ROUND}: edited: seq 2 (vote {ids[1]}): the record no longer matches its hash" in result.output


def test_a_deleted_record_is_named(arena):
    ids = vote_all(arena)
    as_superuser(arena, "DELETE FROM vote_log WHERE round_id = :r AND seq = 3", r=ROUND)
    result = verify(arena)
    assert result.exit_code == 1
    assert f"deleted: seq 3 (vote {ids[2]}): seq 3 missing" in result.output


def test_a_deleted_last_record_is_named_by_its_vote(arena):
    """Cutting the chain's tail leaves no gap; the vote without its record gives it away."""
    ids = vote_all(arena)
    as_superuser(arena, "DELETE FROM vote_log WHERE round_id = :r AND seq = 5", r=ROUND)
    result = verify(arena, "--round", ROUND)
    assert result.exit_code == 1
    assert result.output.strip() == f"round {ROUND}: deleted: chain (vote {ids[4]}): the vote has no cast record"


def test_an_inserted_record_is_named(arena):
    """A forger renumbers the later records and inserts a record with a correct hash of its own."""
    ids = vote_all(arena)
    rows = log_rows(arena.db)
    forged = json.loads(rows[4].record) | {"seq": 3, "winner": "model_b"}
    body = canonical(forged)
    as_superuser(arena, "UPDATE vote_log SET seq = seq + 1000 WHERE round_id = :r AND seq >= 3",
                 "UPDATE vote_log SET seq = seq - 999 WHERE round_id = :r AND seq >= 1003",
                 insert(VoteLogEntry).values(round_id=ROUND, seq=3, kind="cast", vote_id=ids[4], record=body.decode(),
                                             prev_hash=rows[1].hash, hash=link_hash(rows[1].hash, body),
                                             created_at=utcnow()), r=ROUND)
    result = verify(arena)
    assert result.exit_code == 1
    assert f"inserted: seq 3 (vote {ids[4]})" in result.output


def test_a_reordered_chain_is_named(arena):
    ids = vote_all(arena)
    as_superuser(arena, "UPDATE vote_log SET seq = 1000 WHERE round_id = :r AND seq = 2",
                 "UPDATE vote_log SET seq = 2 WHERE round_id = :r AND seq = 3",
                 "UPDATE vote_log SET seq = 3 WHERE round_id = :r AND seq = 1000", r=ROUND)
    result = verify(arena)
    assert result.exit_code == 1
    assert f"reordered: seq 2 (vote {ids[2]}): seq 2 and 3 swapped (vote {ids[1]} belongs here)" in result.output
    assert "(and" not in result.output  # one swap, one problem


def rewrite_from(arena, rows, seq: int, **changes) -> None:
    """What a database owner could do after the last root: change record `seq` and re-hash every later one."""
    prev, statements = rows[seq - 2].hash if seq > 1 else GENESIS, []
    for row in rows[seq - 1:]:
        record = json.loads(row.record) | (changes if row.seq == seq else {})
        body = canonical(record)
        digest = link_hash(prev, body)
        statements.append((row.seq, body.decode(), prev, digest))
        prev = digest
    as_superuser(arena, *[f"UPDATE vote_log SET record = :rec{s}, prev_hash = :p{s}, hash = :h{s} "
                          f"WHERE round_id = :r AND seq = {s}" for s, *_ in statements],
                 r=ROUND, **{k: v for s, rec, p, h in statements for k, v in ((f"rec{s}", rec), (f"p{s}", p), (f"h{s}", h))})


def test_a_rewritten_chain_is_caught_by_its_recorded_root(arena):
    """A forger who edits a vote in SQL and recomputes every later hash keeps the chain and the votes
    consistent, but not the published root."""
    ids = vote_all(arena, 3)
    rows = log_rows(arena.db)
    as_superuser(arena, insert(LogRoot).values(round_id=ROUND, day="2026-01-01", last_seq=3, root=rows[2].hash,
                                               recorded_at=NOON + timedelta(days=1)), stamp_day_one())
    assert verify(arena).exit_code == 0
    as_superuser(arena, "UPDATE votes SET winner = 'a' WHERE id = :v", v=ids[1])
    rewrite_from(arena, rows, 2, winner="model_a")
    result = verify(arena)
    assert result.exit_code == 1
    assert "root: seq 3" in result.output and "the root of 2026-01-01" in result.output


@pytest.mark.parametrize("changes, named", [
    ({"winner": "model_a"}, "winner ('model_a', the vote 'model_b')"),
    ({"voter": "0" * 20}, "voter ('00000000000000000000'"),
    ({"model_b_slug": "someone-else"}, "model_b_slug ('someone-else'"),
    ({"tstamp": "2026-01-01T00:00:00.000000Z"}, "tstamp ('2026-01-01T00:00:00.000000Z'"),
])
def test_a_chain_rewritten_after_its_last_root_still_has_to_agree_with_the_votes(arena, changes, named):
    """No root covers the tail yet, so a re-hashed chain is consistent; the votes in SQL give it away."""
    ids = vote_all(arena, 4)
    rewrite_from(arena, log_rows(arena.db), 2, **changes)
    result = verify(arena, "--round", ROUND)
    assert result.exit_code == 1
    assert result.output.startswith(f"round {ROUND}: edited: seq 2 (vote {ids[1]}): the cast record disagrees "
                                    f"with the vote on {named}"), result.output


def test_a_forged_root_is_caught(arena):
    vote_all(arena, 3)
    as_superuser(arena, stamp_day_one())
    with arena.app.app_context(), new_session() as session:
        assert [r.day for r in log_store.seal_roots(session, utcnow())] == ["2026-01-01"]
        session.commit()
    assert verify(arena).exit_code == 0
    as_superuser(arena, "UPDATE log_roots SET root = :forged WHERE round_id = :r", forged="ab" * 32, r=ROUND)
    result = verify(arena)
    assert result.exit_code == 1 and "root: seq 3" in result.output and "abababab" in result.output


def test_verify_refuses_an_unknown_round(arena):
    result = verify(arena, "--round", "nope")
    assert result.exit_code != 0 and "unknown round" in result.output


# ---------------------------------------------------------------- daily roots
def cast_on(arena, battle, winner: str, when: datetime) -> str:
    """A vote cast through the service at a given time (the API always votes now)."""
    with arena.app.app_context(), new_session() as session:
        vote = cast_vote(session, battle.id, arena.voter, winner, when).vote
        session.commit()
    return vote.id


def test_complete_days_are_sealed_once_and_published(arena):
    today = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=3), today - timedelta(days=3, hours=-1), today - timedelta(days=1), today]
    for battle, when in zip(arena.battles, days):
        cast_on(arena, battle, "a", when)
    rows = log_rows(arena.db)
    with arena.app.app_context(), new_session() as session:
        sealed = log_store.seal_roots(session, today)
        session.commit()
        assert log_store.seal_roots(session, today) == []  # nothing new: a root is recorded once
    expected = [((today - timedelta(days=3)).date().isoformat(), 2, rows[1].hash),
                ((today - timedelta(days=1)).date().isoformat(), 3, rows[2].hash)]
    assert [(r.day, r.last_seq, r.root) for r in sealed] == expected
    body = arena.client.get(f"/api/log/roots?round={ROUND}").get_json()
    assert [(r["round"], r["day"], r["last_seq"], r["root"]) for r in body["roots"]] == [(ROUND, *e) for e in expected]
    assert body["roots"][0]["recorded_at"].endswith("Z")
    assert body["heads"] == [{"round": ROUND, "seq": 4, "hash": rows[3].hash}]
    assert verify(arena).exit_code == 0


def test_a_day_is_sealed_only_after_its_grace(arena):
    midnight = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    cast_on(arena, arena.battles[0], "b", midnight - timedelta(seconds=1))
    with arena.app.app_context(), new_session() as session:
        assert log_store.seal_roots(session, midnight + timedelta(minutes=1)) == []  # may still be committing
        assert [r.last_seq for r in log_store.seal_roots(session, midnight + timedelta(minutes=6))] == [1]
        session.commit()


def test_the_roots_route_seals_lazily_and_the_cli_seals_for_cron(arena):
    day = utcnow() - timedelta(days=3)  # it and the day after are complete whatever the time of day
    cast_on(arena, arena.battles[0], "a", day)
    body = arena.client.get("/api/log/roots").get_json()
    assert [(r["round"], r["day"], r["last_seq"]) for r in body["roots"]] == [(ROUND, day.date().isoformat(), 1)]
    cast_on(arena, arena.battles[1], "a", day - timedelta(days=1))  # still committing when its day was sealed
    result = ContextCliRunner(arena.app).invoke(args=["log", "seal"])
    next_day = (day + timedelta(days=1)).date().isoformat()
    assert result.exit_code == 0 and f"sealed round {ROUND} {next_day}: seq 2, root " in result.output
    assert ContextCliRunner(arena.app).invoke(args=["log", "seal"]).output.strip() == "nothing to seal"
    assert verify(arena).exit_code == 0


def test_the_rating_worker_seals_at_most_once_a_minute(arena):
    from voting.runtime import make_worker

    cast_on(arena, arena.battles[0], "a", utcnow() - timedelta(days=3))
    worker = make_worker(arena.app, settings=WorkerSettings(block_ms=0))
    worker.start()
    worker.step()
    arena.db.expire_all()
    assert arena.db.scalar(select(func.count()).select_from(LogRoot)) == 1
    cast_on(arena, arena.battles[1], "a", utcnow() - timedelta(days=2))
    worker.step()  # within the minute: not sealed yet
    assert arena.db.scalar(select(func.count()).select_from(LogRoot)) == 1
    worker.seal()
    assert arena.db.scalar(select(func.count()).select_from(LogRoot)) == 2


@pytest.mark.postgres
@pytest.mark.parametrize("any_db_url", ["postgresql"], indirect=True)  # read-only is a PostgreSQL setting
def test_the_roots_route_still_answers_when_it_cannot_seal(arena):
    """On a read-only database (a standby after failover) the lazy seal fails; the route shows what is recorded."""
    cast_on(arena, arena.battles[0], "a", utcnow() - timedelta(days=3))
    engine = arena.app.extensions["db_engine"]
    with engine.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{engine.url.database}" SET default_transaction_read_only = on'))
        conn.commit()
    arena.db.close()
    engine.dispose()  # new connections start read-only
    resp = arena.client.get(f"/api/log/roots?round={ROUND}")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["roots"] == [] and resp.get_json()["heads"][0]["seq"] == 1


@pytest.mark.parametrize("query, status, code", [("?round=nope", 404, "unknown_round"), ("?round=", 404, "unknown_round"),
                                                 ("?round=" + "x" * 300, 404, "unknown_round")])
def test_the_roots_route_refuses_unknown_rounds(arena, query, status, code):
    resp = arena.client.get("/api/log/roots" + query)
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (status, code)


# ---------------------------------------------------------------- concurrency
@pytest.mark.postgres
def test_concurrent_votes_make_one_gap_free_chain(pg_url, make_app):
    app = make_app(pg_url, WORKER_IN_PROCESS=False)
    with app.app_context(), new_session() as db:
        round_ = make_round(db, ROUND, models=4)
        voters = [make_user(db, f"동시{i}") for i in range(24)]
        battles = [(make_battle(db, v, round_, i % 4, (i + 1) % 4).id, v) for i, v in enumerate(voters)]
        db.commit()
    start, errors = threading.Barrier(8), []

    def vote(chunk):
        start.wait()
        try:
            for battle_id, voter in chunk:
                with app.app_context(), new_session() as session:
                    cast_vote(session, battle_id, voter, "a", utcnow())
                    session.commit()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=vote, args=(battles[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context(), new_session() as db:
        rows = list(db.scalars(select(VoteLogEntry).order_by(VoteLogEntry.seq)))
        assert [r.seq for r in rows] == list(range(1, 25))
        assert all(r.prev_hash == (rows[i - 1].hash if i else GENESIS) for i, r in enumerate(rows))
        assert {r.vote_id for r in rows} == set(db.scalars(select(Vote.id)))
        assert verify_round(db, ROUND).problems == []


# ---------------------------------------------------------------- the pure verifier
def chain(n: int = 5) -> list[tuple[int, str, str, str]]:
    """A well-formed chain of n cast records (vote ids v1..vn)."""
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        body = canonical(cast_record("r", seq, f"v{seq}", "p", "daily", "A 1", "B 1", "a", "2026-01-01T00:00:00.000000Z", None,
                                     model_a_slug="a", model_b_slug="b", team_a="ta", team_b="tb"))
        rows.append((seq, body.decode(), prev, link_hash(prev, body)))
        prev = rows[-1][3]
    return rows


def first_problem(rows):
    problems = verify_chain(rows).problems
    return (problems[0].what, problems[0].seq, problems[0].vote_id) if problems else None


def test_the_verifier_passes_a_clean_chain_and_names_its_head():
    rows = chain()
    assert verify_chain(rows) == (5, 5, rows[-1][3], [])
    assert verify_chain([]) == (0, 0, GENESIS, [])


def test_the_verifier_names_each_kind_of_tampering():
    rows = chain()
    edited = [*rows[:2], (3, rows[2][1].replace('"model_a"', '"model_b"'), *rows[2][2:]), *rows[3:]]
    assert first_problem(edited) == ("edited", 3, "v3")
    assert first_problem([*rows[:2], *rows[3:]]) == ("deleted", 3, None)
    renumbered = [*rows[:2], *((seq - 1, *rest) for seq, *rest in rows[3:])]
    assert first_problem(renumbered) == ("deleted", 3, None)
    assert len(verify_chain(renumbered).problems) == 1  # the renumbering is one break, not one per record
    swapped = [rows[0], (2, *rows[2][1:]), (3, *rows[1][1:]), *rows[3:]]
    assert first_problem(swapped) == ("reordered", 2, "v3") and len(verify_chain(swapped).problems) == 1
    unsorted = [rows[1], rows[0], *rows[2:]]
    assert first_problem(unsorted) == ("reordered", 2, "v2") and len(verify_chain(unsorted).problems) == 1
    rehashed = json.loads(rows[1][1]) | {"winner": "model_b"}
    body = canonical(rehashed)
    assert first_problem([rows[0], (2, body.decode(), rows[0][3], link_hash(rows[0][3], body)), *rows[2:]]) == (
        "edited", 2, "v2")  # its hash recomputed: the next record still links to the original
    assert first_problem([*rows[:4], (5, "not json", *rows[4][2:])]) == ("edited", 5, None)


def test_the_verifier_names_an_inserted_record():
    rows = chain()
    body = canonical(json.loads(rows[4][1]) | {"seq": 3, "vote_id": "forged"})
    forged = (3, body.decode(), rows[1][3], link_hash(rows[1][3], body))
    inserted = [*rows[:2], forged, *((seq + 1, *rest) for seq, *rest in rows[2:])]
    assert first_problem(inserted) == ("inserted", 3, "forged")
    assert len(verify_chain(inserted).problems) == 1


def test_votes_are_compared_with_the_replay_of_their_records():
    def rec(vote_id, seq, kind="cast", reason=None):
        fields = {"kind": kind, "vote_id": vote_id, "counted": reason is None, "excluded_reason": reason}
        return (vote_id, seq, json.dumps(fields))

    votes = [("v1", True, None), ("v2", False, "moderation"), ("v4", True, None), ("v5", True, None)]
    records = [rec("v0", 9), rec("v1", 1), rec("v1", 6, "exclude", "anomaly"), rec("v1", 7, "restore"),
               rec("v2", 2), rec("v2", 3, "exclude", "moderation"), rec("v3", 4), rec("v5", 5, "exclude", "anomaly"),
               rec("v5", 8), rec("v6", 10)]
    found = [(p.what, p.seq, p.vote_id) for p in compare_states(votes, records)]
    assert found == [("inserted", 9, "v0"), ("inserted", 4, "v3"), ("deleted", None, "v4"),
                     ("deleted", 5, "v5"), ("inserted", 8, "v5"), ("inserted", 10, "v6")]
    assert list(compare_states(votes[:2], records[1:6])) == []


def test_votes_stored_before_the_log_are_backfilled_once_and_then_verify(app, db, runner):
    """Votes from before migration 0004 have no record: `log backfill` appends them (oldest first, their
    own time and state), `log verify` then passes, and a second backfill appends nothing."""
    round_ = make_round(db, "r-old", models=3)
    voter = make_user(db, "예전 투표자")
    old = utcnow() - timedelta(days=3)
    for i, winner in enumerate(("a", "b", "tie")):
        battle = make_battle(db, voter, round_, i % 3, (i + 1) % 3, status="voted")
        db.add(Vote(battle_id=battle.id, user_id=voter.id, round_id=round_.id, category=battle.category,
                    model_a_id=battle.model_a_id, model_b_id=battle.model_b_id, winner=winner,
                    created_at=old + timedelta(minutes=i), excluded=i == 2,
                    excluded_reason="moderation" if i == 2 else None))
    db.commit()
    assert runner.invoke(args=["log", "verify", "--round", "r-old"]).exit_code == 1  # 3 votes without records
    result = runner.invoke(args=["log", "backfill"])
    assert result.exit_code == 0 and "appended 3 cast record(s)" in result.output, result.output
    checked = runner.invoke(args=["log", "verify", "--round", "r-old"])
    assert checked.exit_code == 0, checked.output
    records = [json.loads(e.record) for e in db.scalars(select(VoteLogEntry).order_by(VoteLogEntry.seq))]
    assert [r["winner"] for r in records] == ["model_a", "model_b", "tie"]
    assert [r["counted"] for r in records] == [True, True, False] and records[2]["excluded_reason"] == "moderation"
    assert records[0]["tstamp"].startswith(old.strftime("%Y-%m-%dT%H:%M"))
    assert "appended 0" in runner.invoke(args=["log", "backfill"]).output


def test_a_hash_the_database_and_the_log_disagree_on_refuses_the_vote_and_is_counted(pg_arena, monkeypatch):
    """PostgreSQL's one-call append is checked against the log's own hash before commit: on a difference the
    vote is refused in the error shape, nothing of it is stored, and the mismatch is counted for an alert."""
    arena = pg_arena
    from app.metrics import LOG_HASH_MISMATCH
    from contest.models import Battle

    before = LOG_HASH_MISMATCH.labels(round=ROUND)._value.get()
    monkeypatch.setattr(log_store, "link_hash", lambda prev, record: "0" * 64)
    battle = arena.battles[0]
    resp = arena.client.post(f"/api/battles/{battle.id}/vote", json={"winner": "a"})
    assert resp.status_code == 500 and resp.get_json()["error"]["code"] == "internal_error"
    assert LOG_HASH_MISMATCH.labels(round=ROUND)._value.get() == before + 1
    arena.db.expire_all()
    assert arena.db.scalar(select(func.count()).select_from(Vote)) == 0 and log_rows(arena.db) == []
    assert arena.db.get(Battle, battle.id).status == "ready"
