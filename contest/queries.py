"""Named queries over contest data."""
from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from app.db import could_be_id, hold_until_transaction_end

from contest.backends import is_bank
from contest.models import BankAnswer, Battle, BattleTurn, ExposureCount, Model, Prompt, Round
from contest.sampling import Exposure, RoundExposure


def public_round(session: Session, round_id: str) -> Round | None:
    """A round the public may see: known and no longer a draft (a draft is as unknown as a missing id)."""
    round_ = session.get(Round, round_id) if could_be_id(round_id) else None
    return round_ if round_ is not None and round_.status != "draft" else None


def current_round(session: Session, now: datetime) -> Round | None:
    """The round open at `now` (the most recently opened if several)."""
    stmt = (
        select(Round)
        .where(Round.status == "open", Round.opens_at <= now, Round.closes_at > now)
        .order_by(Round.opens_at.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def prompts_for(session: Session, categories: list[str], category: str | None = None,
                unseen_by: int | None = None) -> list[Prompt]:
    """Active curated prompts of the given categories (or just one); with `unseen_by`, only those
    whose answers that user has not had revealed yet."""
    wanted = [category] if category else categories
    stmt = select(Prompt).where(Prompt.active.is_(True), Prompt.category.in_(wanted)).order_by(Prompt.id)
    if unseen_by is not None:
        stmt = stmt.where(Prompt.id.not_in(_revealed_prompt_ids(unseen_by)))
    return list(session.scalars(stmt))


def prompt_ids_for(session: Session, categories: list[str], category: str | None = None,
                   unseen_by: int | None = None) -> list[str]:
    """The ids `prompts_for` would return, in the same order (a battle start draws one of them: the ids
    alone cost a fraction of loading every prompt of the pool)."""
    wanted = [category] if category else categories
    stmt = select(Prompt.id).where(Prompt.active.is_(True), Prompt.category.in_(wanted)).order_by(Prompt.id)
    if unseen_by is not None:
        stmt = stmt.where(Prompt.id.not_in(_revealed_prompt_ids(unseen_by)))
    return list(session.scalars(stmt))


def _revealed_prompt_ids(user_id: int):
    # A battle is voted once its vote is stored, and the vote reveals both models.
    return select(Battle.prompt_id).where(Battle.user_id == user_id, Battle.status == "voted",
                                          Battle.prompt_id.is_not(None))


def prompt_seen_by(session: Session, prompt_id: str, user_id: int) -> bool:
    """True when `user_id` voted on a battle of this prompt (its answers were revealed to them)."""
    return session.scalar(_revealed_prompt_ids(user_id).where(Battle.prompt_id == prompt_id).limit(1)) is not None


def prompt_by_id(session: Session, prompt_id: str) -> Prompt | None:
    """An active curated prompt, or None."""
    prompt = session.get(Prompt, prompt_id)
    return prompt if prompt is not None and prompt.active else None


def bank_answers(session: Session, prompt_id: str, model_ids: list[int]) -> dict[int, list[BankAnswer]]:
    """The bank's answers to `prompt_id`: each model's samples in sample order, keyed by model id."""
    stmt = (select(BankAnswer).where(BankAnswer.prompt_id == prompt_id, BankAnswer.model_id.in_(model_ids))
            .order_by(BankAnswer.model_id, BankAnswer.sample))
    samples: dict[int, list[BankAnswer]] = {}
    for answer in session.scalars(stmt):
        samples.setdefault(answer.model_id, []).append(answer)
    return samples


def battle_for_update(session: Session, battle_id: str) -> Battle | None:
    """A battle, row-locked where the database supports it (one turn at a time)."""
    return session.scalars(select(Battle).where(Battle.id == battle_id).with_for_update()).first()


# One process lock per round for the embedded default (SQLite, one process, request threads).
_embedded_draw_locks: dict[str, threading.Lock] = {}
_embedded_draw_locks_guard = threading.Lock()


def lock_draws(session: Session, round_id: str) -> None:
    """Serialise pair draws of one round, across all its categories, until the transaction ends: the
    round-level counts are shared by every category, so two battles started at once, in any
    categories, cannot both read the same counts (PostgreSQL: an advisory lock; SQLite: a process lock)."""
    if session.get_bind().dialect.name == "postgresql":
        key = f"arena-draw:{round_id}"  # the same key as arena_draw_exposure (migration 0014)
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
        return
    with _embedded_draw_locks_guard:
        lock = _embedded_draw_locks.setdefault(round_id, threading.Lock())
    hold_until_transaction_end(session, f"draw:{round_id}", lock)


def lock_round_writes(session: Session, round_id: str) -> None:
    """Serialise writes to one round (votes and their log records, exclusions, closing, publishing)
    until the transaction ends. PostgreSQL: an advisory lock per round. SQLite has one writer at a
    time: a no-op write takes the database's write lock now, so what is read after this is current."""
    if session.get_bind().dialect.name == "postgresql":
        # The same key as arena_append_log (migration 0014): votes take it there, closing and publishing here.
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"arena-log:{round_id}", 0))))
    else:
        session.execute(text("UPDATE rounds SET status = status WHERE id = :id"), {"id": round_id})


def round_exposure(session: Session, round_id: str) -> RoundExposure:
    """How often each model, pair and side was drawn in a round, in total and per category (one query of
    the counts the battles' trigger keeps: a few rows per category, however many battles the round holds)."""
    stmt = (select(ExposureCount.category, ExposureCount.model_a_id, ExposureCount.model_b_id, ExposureCount.battles)
            .where(ExposureCount.round_id == round_id))
    return _exposure_of(session.execute(stmt))


def locked_round_exposure(session: Session, round_id: str) -> RoundExposure:
    """The round's draw lock (`lock_draws`, held until the transaction ends), then its exposure read
    afresh. PostgreSQL: one call, `arena_draw_exposure` (migration 0014), so the lock is not held over
    a round trip of its own before the read."""
    if session.get_bind().dialect.name != "postgresql":
        lock_draws(session, round_id)
        return round_exposure(session, round_id)
    call = func.arena_draw_exposure(round_id).table_valued("out_category", "out_model_a", "out_model_b", "out_battles")
    return _exposure_of(session.execute(select(call.c.out_category, call.c.out_model_a, call.c.out_model_b,
                                               call.c.out_battles)))


def _exposure_of(rows) -> RoundExposure:
    counts = RoundExposure()
    for category, a, b, n in rows:
        counts.add(category, a, b, n)
    return counts


def exposure(session: Session, round_id: str, category: str | None = None) -> Exposure:
    """How often each model, pair and side was drawn in a round (and category)."""
    counts = round_exposure(session, round_id)
    return counts.total if category is None else counts.category(category)


def backend_errors(session: Session, round_id: str) -> dict[int, dict[str, int]]:
    """Failed answers per model and error code in a round (from the stored turn codes)."""
    out: dict[int, dict[str, int]] = {}
    for model_col, error_col in ((Battle.model_a_id, BattleTurn.error_a), (Battle.model_b_id, BattleTurn.error_b)):
        stmt = (select(model_col, error_col, func.count()).join(BattleTurn.battle)
                .where(Battle.round_id == round_id, error_col.is_not(None)).group_by(model_col, error_col))
        for model_id, code, n in session.execute(stmt):
            per_model = out.setdefault(model_id, {})
            per_model[code] = per_model.get(code, 0) + n
    return out


def void_stalled_battles(session: Session, started_before: datetime) -> int:
    """Void battles still answering a turn that started before `started_before` (the process serving
    it died); they can never be voted. Returns how many were voided; the caller commits."""
    stalled = select(BattleTurn.battle_id).where(BattleTurn.completed_at.is_(None),
                                                 BattleTurn.started_at < started_before)
    result = session.execute(update(Battle).where(Battle.status == "answering", Battle.id.in_(stalled))
                             .values(status="voided", void_reason="stalled", ready_at=None))
    return result.rowcount or 0



def short_bank_pairs(session: Session, min_samples: int) -> list[tuple[str, str, int]]:
    """(prompt id, model slug, samples) for every active prompt and active bank-backed model with
    fewer than `min_samples` bank answers, zero included."""
    stmt = select(BankAnswer.prompt_id, BankAnswer.model_id, func.count()).group_by(BankAnswer.prompt_id,
                                                                                     BankAnswer.model_id)
    counts = {(prompt_id, model_id): n for prompt_id, model_id, n in session.execute(stmt)}
    prompts = session.scalars(select(Prompt.id).where(Prompt.active.is_(True)).order_by(Prompt.id)).all()
    models = [m for m in session.scalars(select(Model).where(Model.active.is_(True)).order_by(Model.slug))
              if is_bank(m.backend)]
    short = []
    for prompt_id in prompts:
        for model in models:
            held = counts.get((prompt_id, model.id), 0)
            if held < min_samples:
                short.append((prompt_id, model.slug, held))
    return short
