"""A round with logged votes, published and downloaded as a citizen would: shared by the snapshot tests."""
from __future__ import annotations

from dataclasses import dataclass

from app.db import new_session
from contest.models import Round
from tests.builders import make_round, make_user
from tests.conftest import Login
from tests.voting.log_builder import log_change, make_logged_vote

# (a, b, winner) per vote: model 0 beats 1 and 2 mostly, 1 and 2 are close.
PATTERN = [(0, 1, "a"), (1, 0, "b"), (0, 2, "a"), (2, 0, "a"), (1, 2, "tie"), (2, 1, "a"), (0, 1, "bothbad"),
           (1, 2, "a"), (0, 2, "b"), (2, 0, "b")]


@dataclass
class World:
    app: object
    db: object
    ministry: object
    citizen: object
    round: Round
    votes: list


def build_world(app) -> World:
    """A round of 3 models with 30 logged votes: one excluded at cast, one excluded later, one excluded and restored."""
    with app.app_context():
        db = new_session()
    round_ = make_round(db, "r-snap", models=3)
    voters = [make_user(db, f"시민{i}") for i in range(3)]
    votes = [make_logged_vote(db, round_, voters[i % 3], a, b, w) for i, (a, b, w) in enumerate(PATTERN * 3)]
    votes.append(make_logged_vote(db, round_, voters[0], 0, 1, "b", excluded_reason="identity_leak"))
    log_change(db, votes[3], "exclude", "moderation", action="void_votes")
    log_change(db, votes[5], "exclude", "anomaly")
    log_change(db, votes[5], "restore", None)
    ministry, citizen = make_user(db, "부처", roles=("ministry",)), make_user(db, "시민")
    db.commit()
    return World(app, db, ministry, citizen, round_, votes)


def client_as(world: World, user):
    client = world.app.test_client()
    Login(client, world.db).as_user(user, client=client)
    return client


def publish(world: World, **body):
    return client_as(world, world.ministry).post("/api/admin/snapshots", json={"round": world.round.id, **body})


def export(world: World, snapshot_id: str, directory) -> None:
    """The three files as a citizen downloads them."""
    anonymous = world.app.test_client()
    directory.mkdir()
    (directory / "snapshot.json").write_bytes(anonymous.get(f"/api/snapshots/{snapshot_id}").data)
    (directory / "votes.jsonl").write_bytes(anonymous.get(f"/api/snapshots/{snapshot_id}/votes").data)
    (directory / "log.jsonl").write_bytes(anonymous.get(f"/api/snapshots/{snapshot_id}/log").data)
