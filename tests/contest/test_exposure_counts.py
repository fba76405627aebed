"""The exposure counts (migration 0009's trigger) always equal a count of the round's battles."""
from __future__ import annotations

import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import make_engine, utcnow
from contest.models import Battle
from contest.queries import round_exposure
from contest.service import ArenaSettings, BattleRequest, start_battle
from tests.builders import make_battle, make_round, make_user


def grouped(session: Session, round_id: str) -> dict:
    """What the sampler used to read: a GROUP BY over the round's battles."""
    stmt = (select(Battle.category, Battle.model_a_id, Battle.model_b_id, func.count())
            .where(Battle.round_id == round_id).group_by(Battle.category, Battle.model_a_id, Battle.model_b_id))
    return {(c, a, b): n for c, a, b, n in session.execute(stmt)}


def counted(session: Session, round_id: str) -> dict:
    exposure = round_exposure(session, round_id)
    return {(c, a, b): n for c, level in exposure.categories.items() for (a, b), n in level.ordered.items() if n}


def test_counts_follow_every_insert_and_a_rollback(any_db_url):
    engine = make_engine(any_db_url)
    try:
        with Session(engine) as session:
            round_ = make_round(session, "r-exp", models=4, categories=("daily", "coding"), free_prompts=True)
            for entrant in round_.roster:  # live models: free prompts, no bank needed (never called here)
                entrant.model.backend = {"kind": "openai", "base_url": "https://team.example/v1", "model": "m",
                                         "api_key_env": "ARENA_TEST_NO_SUCH_KEY"}
            other = make_round(session, "r-other", models=3)
            user = make_user(session)
            session.commit()
            assert counted(session, "r-exp") == {}
            for i in range(5):  # inserted directly, as builders and imports do
                make_battle(session, user, round_, i % 4, (i + 1) % 4, status="voided" if i == 2 else "ready")
            make_battle(session, user, other, 0, 1)
            session.commit()
            rng = random.Random(7)
            for i in range(12):  # drawn by the arena
                category = ("daily", "coding")[i % 2]
                start_battle(session, user.id, round_, BattleRequest(prompt=f"질문 {i}", category=category),
                             ArenaSettings(), rng, utcnow())
                session.commit()
            make_battle(session, user, round_, 0, 3)
            session.rollback()  # a battle that never committed is not counted
            assert counted(session, "r-exp") == grouped(session, "r-exp")
            assert sum(counted(session, "r-exp").values()) == 17
            assert counted(session, "r-other") == grouped(session, "r-other") != {}
    finally:
        engine.dispose()
