"""A small contest for the moderation tests: a round, a citizen with votes, moderators, logged-in clients."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import new_session, utcnow
from app.sessions import open_user_session
from contest.models import BattleTurn
from tests.builders import make_battle, make_round, make_test_app, make_user
from tests.clients import CsrfClient
from voting.models import Vote


@dataclass
class World:
    app: Flask
    db: Session
    round_id: str
    users: dict[str, int]
    clients: dict[str, CsrfClient] = field(default_factory=dict)

    def client(self, who: str) -> CsrfClient:
        """A client logged in as `who` (a fresh session each call)."""
        client = CsrfClient(self.app, self.app.response_class, use_cookies=True)
        token = open_user_session(self.db, self.users[who], utcnow(), self.app.permanent_session_lifetime)
        self.db.commit()
        client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], token)
        self.clients[who] = client
        return client

    def battle(self, who: str = "citizen", a: int = 0, b: int = 1, answer_a: str | None = None) -> str:
        """A ready battle of `who` (committed); `answer_a` replaces the first answer's text."""
        from app.models import User
        from contest.models import Round

        battle = make_battle(self.db, self.db.get(User, self.users[who]), self.db.get(Round, self.round_id), a, b)
        if answer_a is not None:
            turn = self.db.scalar(select(BattleTurn).where(BattleTurn.battle_id == battle.id))
            turn.answer_a = answer_a
        self.db.commit()
        return battle.id

    def vote(self, who: str = "citizen", winner: str = "a", a: int = 0, b: int = 1,
             answer_a: str | None = None) -> str:
        """A vote cast through the API on a new battle of `who`; returns the vote id."""
        battle_id = self.battle(who, a, b, answer_a)
        client = self.clients.get(who) or self.client(who)
        resp = client.post(f"/api/battles/{battle_id}/vote", json={"winner": winner})
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["vote_id"]

    def state(self, vote_id: str) -> tuple[bool, str | None]:
        self.db.expire_all()
        vote = self.db.get(Vote, vote_id)
        return vote.excluded, vote.excluded_reason

    def act(self, action: str, target: dict, reason: str = "검토 결과", who: str = "moderator"):
        client = self.clients.get(who) or self.client(who)
        return client.post("/api/moderation/actions", json={"action": action, "target": target, "reason": reason})


def build_world(db_url: str, **config) -> World:
    app = make_test_app(db_url, WORKER_IN_PROCESS=False, **config)
    with app.app_context():
        db = new_session()
    round_ = make_round(db, "r-mod", models=3)
    users = {"citizen": make_user(db, "시민"), "other": make_user(db, "다른 시민"),
             "moderator": make_user(db, "검토자", roles=("moderator",)),
             "moderator2": make_user(db, "검토자 둘", roles=("moderator",)),
             "ministry": make_user(db, "부처", roles=("ministry",))}
    db.commit()
    return World(app, db, round_.id, {name: user.id for name, user in users.items()})


def close_world(world: World) -> None:
    world.db.close()
    world.app.extensions["db_engine"].dispose()

