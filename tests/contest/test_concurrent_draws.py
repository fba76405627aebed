"""Battles started at the same moment, in different categories of one round, still keep the
round-level bounds: draws are serialised per round (the round's counts are shared by its categories),
on PostgreSQL by an advisory lock and on SQLite (threads of one process) by a process lock."""
from __future__ import annotations

import random
import threading

from sqlalchemy.orm import Session

from app.db import make_engine, utcnow
from contest.demo import CATEGORIES, DEMO_ROUND_ID, seed_demo
from contest.models import Round
from contest.queries import round_exposure
from contest.sampling import CATEGORY_LIMIT, ROUND_BOUND
from contest.service import ArenaSettings, BattleRequest, start_battle
from tests.builders import make_user

# One demo prompt per category: thread i starts its battles in category i % 5.
PROMPTS = {"daily": "p001", "writing": "p009", "coding": "p017", "reasoning": "p025", "culture": "p033"}


def test_simultaneous_starts_across_categories_keep_the_round_bounds(any_db_url):
    # SQLite: the embedded default serves requests on threads of one process, so a process lock.
    engine = make_engine(any_db_url)  # the application's own engine settings
    with Session(engine, expire_on_commit=False) as session:
        seed_demo(session, utcnow())
        user_id = make_user(session).id
        session.commit()
    threads, per_thread = 8, 6
    barrier, errors = threading.Barrier(threads), []

    def start_many(seed: int) -> None:
        rng, prompt = random.Random(seed), PROMPTS[CATEGORIES[seed % len(CATEGORIES)]]
        try:
            for _ in range(per_thread):
                with Session(engine, expire_on_commit=False) as session:
                    round_ = session.get(Round, DEMO_ROUND_ID)
                    barrier.wait(timeout=30)  # every thread draws at the same moment
                    start_battle(session, user_id, round_, BattleRequest(prompt_id=prompt), ArenaSettings(),
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
        counts = round_exposure(session, DEMO_ROUND_ID)
    engine.dispose()
    models = sorted(counts.total.models)
    assert len(models) == 4 and sum(counts.total.models.values()) == 2 * threads * per_thread
    # Eight draws reading the same counts at once would pick the same few pairs again and again.
    assert max(counts.total.gaps(models)) <= ROUND_BOUND, counts.total.gaps(models)
    assert set(counts.categories) == set(CATEGORIES)
    for category in CATEGORIES:
        assert max(counts.category(category).gaps(models)) <= CATEGORY_LIMIT
