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


def test_the_python_draw_lock_and_the_one_call_read_take_the_same_lock(pg_url):
    """`lock_draws` (Python) and `arena_draw_exposure` (migration 0014, SQL) must name one lock: a session
    holding the first makes the second wait until it ends. The key is written in both places."""
    from contest.queries import lock_draws, locked_round_exposure

    engine = make_engine(pg_url)
    with Session(engine) as setup:
        seed_demo(setup, utcnow())
        setup.commit()
    read = threading.Event()

    def locked_read():
        with Session(engine) as other:
            locked_round_exposure(other, DEMO_ROUND_ID)
            read.set()
            other.commit()

    with Session(engine) as holder:
        lock_draws(holder, DEMO_ROUND_ID)
        reader = threading.Thread(target=locked_read)
        reader.start()
        assert not read.wait(0.5), "the one-call read must wait for the draw lock"
        holder.commit()
    reader.join(30)
    assert read.is_set()
    engine.dispose()
