"""Migration 0011 gives the votes stored before it their prompt language, on both databases."""
from __future__ import annotations

from alembic import command
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.cli import alembic_config
from app.db import make_engine, utcnow
from contest.models import BattleTurn, Prompt
from tests.builders import make_battle, make_round, make_user
from tests.test_storage import empty_db_url  # noqa: F401  (fixture)
from voting.models import Vote
from voting.service import cast_vote


def test_votes_stored_before_0011_get_their_prompt_language(empty_db_url):  # noqa: F811
    cfg = alembic_config(empty_db_url)
    command.upgrade(cfg, "head")
    engine = make_engine(empty_db_url)
    try:
        with Session(engine) as session:
            round_ = make_round(session, "r-old", models=2)
            user = make_user(session)
            session.add(Prompt(id="p-en", language="en", category="daily", text="한국어처럼 보여도 선언은 영어"))
            texts = {"ko": ("오늘 날씨 어때요?", None), "en": ("What is the weather like?", None),
                     "declared": ("", "p-en"), "other": ("東京の天気", None)}
            ids = {}
            for key, (text, prompt_id) in texts.items():
                battle = make_battle(session, user, round_, 0, 1)
                battle.prompt_id = prompt_id
                session.execute(update(BattleTurn).where(BattleTurn.battle_id == battle.id).values(prompt_text=text))
                ids[key] = cast_vote(session, battle.id, user, "a", utcnow()).vote.id
            session.commit()
        command.downgrade(cfg, "0006")  # as if they had been stored before 0011
        command.upgrade(cfg, "head")
        with Session(engine) as session:
            stored = dict(session.execute(select(Vote.id, Vote.prompt_lang)).all())
            assert not any(session.scalars(select(Vote.is_demo)))
        assert stored == {ids["ko"]: "ko", ids["en"]: "en", ids["declared"]: "en", ids["other"]: "other"}
    finally:
        engine.dispose()
