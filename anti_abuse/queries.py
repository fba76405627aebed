"""Named queries the anti-abuse checks need."""
from __future__ import annotations

from sqlalchemy import or_, select, union_all
from sqlalchemy.orm import Session, aliased

from contest.models import BattleTurn, Model, Round, Team
from voting.models import Vote


def battle_answers(session: Session, battle_id: str) -> list[str]:
    """Every answer text of a battle: both sides, all turns (missing answers left out)."""
    rows = session.execute(select(BattleTurn.answer_a, BattleTurn.answer_b)
                           .where(BattleTurn.battle_id == battle_id).order_by(BattleTurn.turn_no))
    return [text for row in rows for text in row if text]


def answer_revealed_before(session: Session, user_id: int, battle_id: str) -> bool:
    """True when an answer of `battle_id` was shown to `user_id` in another battle they voted on (its
    models were revealed to them by that vote). One round trip; the texts stay in the database."""
    current, earlier = aliased(BattleTurn), aliased(BattleTurn)
    shown = (current.answer_a, current.answer_b)
    stmt = (select(earlier.id)
            .join(current, or_(earlier.answer_a.in_(shown), earlier.answer_b.in_(shown)))
            .join(Vote, Vote.battle_id == earlier.battle_id)
            .where(current.battle_id == battle_id, Vote.user_id == user_id, earlier.battle_id != battle_id)
            .limit(1))
    return session.scalar(stmt) is not None


def contest_names(session: Session) -> list[str]:
    """Every team's Korean and English name and every model's display name and slug (one round trip)."""
    stmt = union_all(select(Team.name_ko), select(Team.name_en), select(Model.display_name), select(Model.slug))
    return [name for name in session.scalars(stmt) if name]


def battle_prompts(session: Session, battle_id: str) -> list[str]:
    """Every prompt of a battle, turn by turn."""
    return list(session.scalars(select(BattleTurn.prompt_text).where(BattleTurn.battle_id == battle_id)
                                .order_by(BattleTurn.turn_no)))


def round_protocol(session: Session, round_id: str) -> dict:
    """The protocol in force for a round (an empty dict for a round without one)."""
    return session.scalar(select(Round.protocol).where(Round.id == round_id)) or {}
