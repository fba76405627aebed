"""Storage on both databases: migrations, schema invariants, the demo seed."""
from __future__ import annotations

import uuid

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import anti_abuse.models  # noqa: F401  (all tables on the metadata)
import app.models  # noqa: F401
import contest.models  # noqa: F401
import voting.models  # noqa: F401
from app.cli import alembic_config
from app.db import Base, make_engine, utcnow
from app.models import OAuthIdentity
from contest.demo import DEMO_ROUND_ID, seed_demo
from contest.models import BankAnswer, Model, Prompt, Round, Team
from tests.builders import make_battle, make_round, make_user
from voting.models import Vote


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request, tmp_path):
    """An empty database (no tables) on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin = request.getfixturevalue("pg_server")
    name = f"arena_empty_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_migrations_upgrade_from_empty_and_downgrade_cleanly(empty_db_url):
    cfg = alembic_config(empty_db_url)
    command.upgrade(cfg, "head")
    assert _tables(empty_db_url) == set(Base.metadata.tables)
    command.downgrade(cfg, "base")
    assert _tables(empty_db_url) == set()
    command.upgrade(cfg, "head")  # and up again after a clean downgrade
    assert _tables(empty_db_url) == set(Base.metadata.tables)


def test_models_match_migrations(any_db_url):
    engine = create_engine(any_db_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


@pytest.fixture
def session(any_db_url):
    engine = make_engine(any_db_url)
    with Session(engine, expire_on_commit=False) as s:
        yield s
    engine.dispose()


def test_second_vote_on_same_battle_is_refused_by_the_database(session):
    user = make_user(session)
    round_ = make_round(session)
    battle = make_battle(session, user, round_)
    fields = dict(battle_id=battle.id, user_id=user.id, round_id=round_.id, category="daily",
                  model_a_id=battle.model_a_id, model_b_id=battle.model_b_id)
    session.add(Vote(winner="a", **fields))
    session.commit()
    session.add(Vote(winner="b", **fields))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    assert session.scalars(select(Vote.winner).where(Vote.battle_id == battle.id)).all() == ["a"]


def test_identity_is_unique_per_provider_and_subject(session):
    first, second = make_user(session, "하나"), make_user(session, "둘")
    session.add(OAuthIdentity(user_id=first.id, provider="kakao", subject="42"))
    session.add(OAuthIdentity(user_id=second.id, provider="google", subject="42"))  # other provider: fine
    session.commit()
    session.add(OAuthIdentity(user_id=second.id, provider="kakao", subject="42"))
    with pytest.raises(IntegrityError):
        session.commit()


@pytest.mark.parametrize("bad", [
    {"winner": "c"},
    {"excluded": True, "excluded_reason": None},
])
def test_vote_check_constraints(session, bad):
    user = make_user(session)
    round_ = make_round(session)
    battle = make_battle(session, user, round_)
    vote = Vote(battle_id=battle.id, user_id=user.id, round_id=round_.id, category="daily",
                model_a_id=battle.model_a_id, model_b_id=battle.model_b_id, winner="a")
    for key, value in bad.items():
        setattr(vote, key, value)
    session.add(vote)
    with pytest.raises(IntegrityError):
        session.commit()


def test_battle_needs_two_distinct_models(session):
    user = make_user(session)
    round_ = make_round(session)
    with pytest.raises(IntegrityError):
        make_battle(session, user, round_, a_index=0, b_index=0)


def test_round_window_must_be_ordered(session):
    now = utcnow()
    session.add(Round(id="bad", title="x", opens_at=now, closes_at=now, categories=[], status="open"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_times_come_back_as_aware_utc(session):
    round_ = make_round(session)
    session.commit()
    session.expunge_all()
    loaded = session.get(Round, round_.id)
    assert loaded.opens_at.tzinfo is not None and loaded.opens_at.utcoffset().total_seconds() == 0


def test_demo_seed_is_idempotent(session):
    first = seed_demo(session, utcnow())
    session.commit()
    second = seed_demo(session, utcnow())
    session.commit()
    assert first["teams"] == 4 and first["models"] == 4 and first["rounds"] == 1
    assert first["prompts"] >= 30 and first["answers"] == first["prompts"] * 4 * 3  # 3 samples per pair
    assert all(v == 0 for v in second.values()), second
    assert session.scalar(select(Team).where(Team.slug == "upstage")) is not None
    categories = set(session.scalars(select(Prompt.category)))
    assert len(categories) >= 5
    round_ = session.get(Round, DEMO_ROUND_ID)
    assert {rm.model.slug for rm in round_.roster} == set(session.scalars(select(Model.slug)))
    assert all(session.scalars(select(BankAnswer.is_demo)))
