"""What a round freezes from opening until it is published: its roster's models (and their teams and
bank answers) and its categories' prompts. Read under locks, so a change racing an opening either
commits before it or sees it (PostgreSQL; SQLite's single writer serialises the callers, who write
first and check after).
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.models import Model, Round, RoundModel

# Open or closed: compared, or about to be published as compared.
FROZEN_STATUSES = ("open", "closed")


def _rounds_holding(session: Session, ids: list[int]) -> list[tuple[int, str, str]]:
    """(model id, round id, status) for each unpublished round whose roster holds one of `ids`; the
    rounds rows read FOR SHARE (PostgreSQL): a transaction opening or changing one is waited for."""
    stmt = (select(RoundModel.model_id, Round.id, Round.status).join(Round, RoundModel.round_id == Round.id)
            .where(RoundModel.model_id.in_(ids), Round.status != "published").order_by(Round.id)
            .with_for_update(read=True, of=Round))
    return [(model_id, round_id, status) for model_id, round_id, status in session.execute(stmt)]


def frozen_rounds(session: Session, model_ids: Iterable[int]) -> dict[int, list[str]]:
    """Per model id, the ids of the open or closed rounds whose roster holds it.

    PostgreSQL: the rounds holding the models are read FOR SHARE (an opening committed first is seen,
    a later one waits), then the models' rows are locked FOR UPDATE (a roster insert's foreign-key
    check waits for this transaction), then the rounds are read again, seeing any roster change that
    committed meanwhile. Rounds before models, so a roster change in progress is waited for before
    this transaction holds anything it needs.
    """
    ids = sorted(set(model_ids))
    if not ids:
        return {}
    _rounds_holding(session, ids)
    session.execute(select(Model.id).where(Model.id.in_(ids)).order_by(Model.id).with_for_update())
    frozen: dict[int, list[str]] = {}
    for model_id, round_id, status in _rounds_holding(session, ids):
        if status in FROZEN_STATUSES:
            frozen.setdefault(model_id, []).append(round_id)
    return frozen


def frozen_categories(session: Session) -> dict[str, list[str]]:
    """Per category, the ids of the open or closed rounds comparing it (their rows read FOR SHARE)."""
    stmt = (select(Round.id, Round.status, Round.categories).where(Round.status != "published")
            .order_by(Round.id).with_for_update(read=True))
    frozen: dict[str, list[str]] = {}
    for round_id, status, categories in session.execute(stmt):
        for category in (categories or []) if status in FROZEN_STATUSES else []:
            frozen.setdefault(category, []).append(round_id)
    return frozen
