"""Battles started at the same moment still keep equal exposure (draws serialised per round and category)."""
from __future__ import annotations

import random
import threading

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.db import utcnow
from contest.demo import DEMO_ROUND_ID, seed_demo
from contest.models import Round
from contest.queries import exposure
from contest.service import ArenaSettings, BattleRequest, start_battle
from tests.builders import make_user


def test_simultaneous_starts_keep_exposure_within_one_on_postgresql(pg_url):
    engine = create_engine(pg_url, pool_size=12)
    with Session(engine, expire_on_commit=False) as session:
        seed_demo(session, utcnow())
        user_id = make_user(session).id
        session.commit()
    threads, per_thread = 8, 6
    barrier, errors = threading.Barrier(threads), []

    def start_many(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(per_thread):
                with Session(engine, expire_on_commit=False) as session:
                    round_ = session.get(Round, DEMO_ROUND_ID)
                    barrier.wait(timeout=30)  # every thread draws at the same moment
                    start_battle(session, user_id, round_, BattleRequest(prompt_id="p001"), ArenaSettings(),
                                 rng, utcnow())
                    session.commit()
        except Exception as exc:  # reported below; a thread cannot fail the test by itself
            errors.append(exc)

    workers = [threading.Thread(target=start_many, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert errors == []
    with Session(engine) as session:
        counts = exposure(session, DEMO_ROUND_ID, "daily")
    engine.dispose()
    models = sorted(counts.models)
    assert sum(counts.models.values()) == 2 * threads * per_thread
    assert max(counts.gaps(models)) <= 1, counts.gaps(models)
