"""Running a turn: both answers at once, then the outcome recorded on the turn and the battle."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterator

from app.metrics import BACKEND_ERRORS
from contest.models import Battle
from contest.service import ArenaSettings, PreparedTurn
from contest.streaming import Delta, KeepAlive, SideResult, pair_stream

log = logging.getLogger("arena.contest")


@dataclass(frozen=True)
class TurnOutcome:
    """The end of a turn: both answers (ready) or a void (a backend failed)."""

    battle_id: str
    turn_no: int
    ok: bool
    answers: dict[str, str]
    demo: bool = False


def void_battle(battle: Battle, reason: str) -> None:
    """Take a battle out of voting (it can never be voted on again)."""
    battle.status, battle.void_reason, battle.ready_at = "voided", reason, None


def record_outcome(prepared: PreparedTurn, results: dict[str, SideResult], settings: ArenaSettings,
                   now: datetime) -> TurnOutcome:
    """Store answers, codes and timings; ready only when both answers are complete."""
    battle, turn = prepared.battle, prepared.turn
    models = {"a": battle.model_a, "b": battle.model_b}
    for side, result in results.items():
        setattr(turn, f"answer_{side}", result.text)
        setattr(turn, f"error_{side}", result.error)
        setattr(turn, f"latency_{side}_ms", result.latency_ms)
        setattr(turn, f"first_token_{side}_ms", result.first_token_ms)
        if result.error:
            model = models[side]
            model.outage_until = now + timedelta(seconds=settings.outage_seconds)
            BACKEND_ERRORS.labels(model=model.slug, kind=result.error).inc()
            log.warning("backend failed", extra={"fields": {"model": model.slug, "code": result.error,
                                                            "battle": battle.id}})
    turn.completed_at = now
    ok = all(r.done and not r.error for r in results.values())
    if ok:
        battle.status, battle.ready_at = "ready", now
    else:
        void_battle(battle, "backend_error")
    return TurnOutcome(battle.id, turn.turn_no, ok, {s: r.text for s, r in results.items()}, prepared.demo)


def run_turn(prepared: PreparedTurn, settings: ArenaSettings, now: Callable[[], datetime],
             clock: Callable[[], float] = time.monotonic) -> Iterator[Delta | KeepAlive | TurnOutcome]:
    """Yield the answers' text in A/B pairs as `pair_stream` releases it (and its keep-alives), then the
    TurnOutcome.

    A consumer that stops early (the citizen left) leaves the battle voided, never half-ready.
    """
    finished = False
    try:
        for item in pair_stream(prepared.backends, prepared.messages, clock):
            if isinstance(item, (Delta, KeepAlive)):
                yield item
            else:
                finished = True
                yield record_outcome(prepared, item, settings, now())
    finally:
        if not finished:
            void_battle(prepared.battle, "interrupted")
