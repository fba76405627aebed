"""Named queries over contest data."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.models import Prompt, Round


def current_round(session: Session, now: datetime) -> Round | None:
    """The round open at `now` (the most recently opened if several)."""
    stmt = (
        select(Round)
        .where(Round.status == "open", Round.opens_at <= now, Round.closes_at > now)
        .order_by(Round.opens_at.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def prompts_for(session: Session, categories: list[str], category: str | None = None) -> list[Prompt]:
    """Active curated prompts of the given categories (or just one)."""
    wanted = [category] if category else categories
    stmt = select(Prompt).where(Prompt.active.is_(True), Prompt.category.in_(wanted)).order_by(Prompt.id)
    return list(session.scalars(stmt))
