"""Named queries the anti-abuse checks need."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from contest.models import Battle, BattleTurn, Model, Team
from voting.models import Vote


def battle_answers(session: Session, battle_id: str) -> list[str]:
    """Every answer text of a battle: both sides, all turns (missing answers left out)."""
    rows = session.execute(select(BattleTurn.answer_a, BattleTurn.answer_b)
                           .where(BattleTurn.battle_id == battle_id).order_by(BattleTurn.turn_no))
    return [text for row in rows for text in row if text]


def answer_revealed_before(session: Session, user_id: int, battle_id: str, answers: list[str]) -> bool:
    """True when one of `answers` was shown to `user_id` in another battle they voted on (its models
    were revealed to them by that vote)."""
    if not answers:
        return False
    stmt = (select(BattleTurn.id).join(Vote, Vote.battle_id == BattleTurn.battle_id)
            .where(Vote.user_id == user_id, BattleTurn.battle_id != battle_id,
                   or_(BattleTurn.answer_a.in_(answers), BattleTurn.answer_b.in_(answers)))
            .limit(1))
    return session.scalar(stmt) is not None


def contest_names(session: Session) -> list[str]:
    """Every team's Korean and English name and every model's display name and slug."""
    names = [n for row in session.execute(select(Team.name_ko, Team.name_en)) for n in row]
    names += [n for row in session.execute(select(Model.display_name, Model.slug)) for n in row]
    return [n for n in names if n]
