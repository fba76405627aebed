"""Battles: start one, add a follow-up turn. Running the answers is in contest.turns.

Services take the session, clock and random source as arguments and import nothing from Flask;
the route owns the transaction. Status: answering -> ready (both answers complete) or voided
(a backend failed); ready -> answering again for a follow-up; ready -> voted (voting service).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import could_be_id
from contest import queries
from contest.backends import Backend, BackendSettings, BankBackend, BackendError, Messages, is_bank, openai_backend
from contest.models import BankAnswer, Battle, BattleTurn, Model, Prompt, Round
from contest.sampling import Draw, NotEnoughModels, choose_pair


class ArenaError(Exception):
    """A request the arena cannot honour; `status` and `code` become the API error (with `message`, when
    the generic text for the code would not say enough)."""

    def __init__(self, code: str, status: int = 422, message: str | None = None):
        super().__init__(code)
        self.code, self.status, self.message = code, status, message


@dataclass(frozen=True)
class PromptRefusal:
    """Why a citizen's prompt may not be sent to any model (personal data, a blocked term ...)."""

    code: str
    message: str


# A check on a citizen's own prompt (first prompt or follow-up), run before any model is called:
# anti_abuse registers its screening into app.extensions["prompt_checks"].
PromptCheck = Callable[[str], "PromptRefusal | None"]


@dataclass(frozen=True)
class ArenaSettings:
    max_turns: int = 5
    max_prompt_chars: int = 2000
    outage_seconds: int = 300
    backends: BackendSettings = field(default_factory=BackendSettings)
    prompt_checks: tuple[PromptCheck, ...] = ()


@dataclass(frozen=True)
class BattleRequest:
    """What the citizen asked for: free text, a curated prompt id, or neither (a random one)."""

    prompt: str | None = None
    prompt_id: str | None = None
    category: str | None = None
    pair: tuple[int, int] | None = None  # a panel assignment's ordered pair (model ids), not drawn


@dataclass
class PreparedTurn:
    """A saved turn waiting for its two answers, with everything the backends need."""

    battle: Battle
    turn: BattleTurn
    backends: dict[str, Backend]
    messages: dict[str, Messages]
    demo: bool = False  # the round's entrants answer with demo text (round_shows_demo), not the drawn pair's


@dataclass
class FailedBackend:
    """Stands in for a backend that could not even be built (e.g. its API key is missing)."""

    code: str

    def stream(self, messages: Messages):
        raise BackendError(self.code)


def round_is_bank(round_: Round) -> bool:
    """True when any entrant answers from the bank (a bank cannot answer a prompt it was not given)."""
    return any(is_bank(rm.model.backend) for rm in round_.roster)


def round_shows_demo(session: Session, round_: Round) -> bool:
    """True when any entrant of the round holds a demo answer in the bank: a property of the round, the
    same for every battle whichever pair is drawn (the bank of its entrants is frozen while it runs)."""
    ids = [rm.model_id for rm in round_.roster]
    stmt = select(BankAnswer.id).where(BankAnswer.model_id.in_(ids), BankAnswer.is_demo.is_(True)).limit(1)
    return bool(ids) and session.scalar(stmt) is not None


def free_prompts_allowed(round_: Round) -> bool:
    """Citizens may write their own prompts when the round's terms allow it and no entrant answers
    from the bank (opening refuses that combination; this holds even if a backend changes later)."""
    return bool(round_.free_prompts) and not round_is_bank(round_)


def _checked_prompt(text: str, settings: ArenaSettings) -> str:
    text = text.strip()
    if not text:
        raise ArenaError("empty_prompt")
    if len(text) > settings.max_prompt_chars:
        raise ArenaError("prompt_too_long")
    for check in settings.prompt_checks:
        if refusal := check(text):
            raise ArenaError(refusal.code, 422, refusal.message)
    return text


def _resolve_prompt(session: Session, user_id: int, round_: Round, req: BattleRequest, settings: ArenaSettings,
                    rng: random.Random) -> tuple[Prompt | None, str, str]:
    """(curated prompt or None, prompt text, category) for a new battle."""
    if req.category is not None and req.category not in round_.categories:
        raise ArenaError("unknown_category")
    if req.prompt_id is not None:
        prompt = queries.prompt_by_id(session, req.prompt_id)
        if prompt is None or prompt.category not in round_.categories:
            raise ArenaError("prompt_not_found", 404)
        if req.category is not None and req.category != prompt.category:
            raise ArenaError("category_mismatch")
        if queries.prompt_seen_by(session, prompt.id, user_id):
            raise ArenaError("prompt_seen", 409)  # its answers were revealed to this citizen
        return prompt, prompt.text, prompt.category
    if req.prompt is not None:
        if not free_prompts_allowed(round_):
            raise ArenaError("free_prompt_unavailable")
        return None, _checked_prompt(req.prompt, settings), req.category or round_.categories[0]
    pool = queries.prompt_ids_for(session, round_.categories, req.category, unseen_by=user_id)
    if not pool:
        seen_all = bool(queries.prompt_ids_for(session, round_.categories, req.category))
        raise ArenaError("no_unseen_prompts" if seen_all else "no_prompts", 404)
    prompt = session.get(Prompt, pool[rng.randrange(len(pool))])
    return prompt, prompt.text, prompt.category


def _backend(model: Model, answer: BankAnswer | None, settings: ArenaSettings,
             environ: Mapping[str, str] | None) -> Backend:
    if is_bank(model.backend):
        return BankBackend(answer.text) if answer is not None else FailedBackend("bank_missing")
    try:
        return openai_backend(model.backend, settings.backends, environ)
    except BackendError as exc:
        return FailedBackend(exc.code)


def _available(round_: Round, now: datetime, bank: Mapping[int, list[BankAnswer]]) -> dict[int, Model]:
    """Roster models that can answer now: active, not in outage, and (bank) holding an answer."""
    models = {}
    for rm in round_.roster:
        m = rm.model
        if not m.active or (m.outage_until is not None and m.outage_until > now):
            continue
        if is_bank(m.backend) and not bank.get(m.id):
            continue
        models[m.id] = m
    return models


def available_models(session: Session, round_: Round, prompt_id: str | None, now: datetime) -> set[int]:
    """Ids of the roster models that could answer this prompt now (a panel assignment's pair is checked
    against them before its battle starts)."""
    roster_ids = [rm.model_id for rm in round_.roster]
    bank = queries.bank_answers(session, prompt_id, roster_ids) if prompt_id is not None else {}
    return set(_available(round_, now, bank))


def _draw_sample(bank: Mapping[int, list[BankAnswer]], model: Model, rng: random.Random) -> BankAnswer | None:
    """One of the model's samples at random, so no answer text stands for the model for good."""
    samples = bank.get(model.id)
    return samples[rng.randrange(len(samples))] if samples else None


def start_battle(session: Session, user_id: int, round_: Round, req: BattleRequest, settings: ArenaSettings,
                 rng: random.Random, now: datetime, environ: Mapping[str, str] | None = None) -> PreparedTurn:
    """Pick the prompt and an equal-exposure pair, save the battle and its first turn."""
    if not round_.is_open(now):
        raise ArenaError("round_closed", 409)
    prompt, text, category = _resolve_prompt(session, user_id, round_, req, settings, rng)
    roster_ids = [rm.model_id for rm in round_.roster]
    bank = queries.bank_answers(session, prompt.id, roster_ids) if prompt is not None else {}
    models = _available(round_, now, bank)
    demo = round_shows_demo(session, round_)  # read before the round's draws are serialised, not while
    # The round's draws are serialised from here until commit (the draw lock): as late as can be, and
    # taken in the same call that reads the counts.
    if req.pair is not None:  # designed, not drawn: no propensity
        queries.lock_draws(session, round_.id)
        if not all(m in models for m in req.pair):
            raise ArenaError("no_models_available", 503)
        draw = Draw(req.pair[0], req.pair[1], None)
    else:
        try:
            draw = choose_pair(queries.locked_round_exposure(session, round_.id), category, models, rng)
        except NotEnoughModels:
            raise ArenaError("no_models_available", 503) from None
    battle = Battle(user_id=user_id, round_id=round_.id, category=category, model_a_id=draw.a, model_b_id=draw.b,
                    prompt_id=prompt.id if prompt else None, status="answering", pair_propensity=draw.propensity,
                    created_at=now)
    turn = BattleTurn(turn_no=1, prompt_text=text, started_at=now)
    battle.turns.append(turn)
    session.add(battle)
    session.flush()
    sides = {"a": models[draw.a], "b": models[draw.b]}
    answers = {s: _draw_sample(bank, m, rng) for s, m in sides.items()}
    backends = {s: _backend(m, answers[s], settings, environ) for s, m in sides.items()}
    return PreparedTurn(battle, turn, backends, {s: [{"role": "user", "content": text}] for s in sides}, demo)


def _history(battle: Battle, side: str) -> Messages:
    messages: Messages = []
    for turn in battle.turns:
        messages.append({"role": "user", "content": turn.prompt_text})
        messages.append({"role": "assistant", "content": getattr(turn, f"answer_{side}") or ""})
    return messages


def owned_battle(session: Session, battle_id: str, user_id: int, lock: bool = False) -> Battle:
    """The user's battle; someone else's is as unknown as a missing one."""
    if not could_be_id(battle_id):
        raise ArenaError("battle_not_found", 404)
    battle = queries.battle_for_update(session, battle_id) if lock else session.get(Battle, battle_id)
    if battle is None or battle.user_id != user_id:
        raise ArenaError("battle_not_found", 404)
    return battle


def add_turn(session: Session, user_id: int, battle_id: str, prompt: str, settings: ArenaSettings,
             now: datetime, environ: Mapping[str, str] | None = None) -> PreparedTurn:
    """A follow-up prompt in a ready battle, answered by the same two models with the history."""
    battle = owned_battle(session, battle_id, user_id, lock=True)
    if battle.status != "ready":
        raise ArenaError("battle_closed" if battle.status in ("voted", "voided") else "battle_busy", 409)
    round_ = session.get(Round, battle.round_id)
    if round_ is None or not round_.is_open(now):
        raise ArenaError("round_closed", 409)
    if len(battle.turns) >= settings.max_turns:
        raise ArenaError("turn_limit", 409)
    if not round_.free_prompts or is_bank(battle.model_a.backend) or is_bank(battle.model_b.backend):
        raise ArenaError("followup_unavailable")  # a follow-up is a free prompt
    text = _checked_prompt(prompt, settings)
    messages = {s: _history(battle, s) + [{"role": "user", "content": text}] for s in ("a", "b")}
    turn = BattleTurn(turn_no=len(battle.turns) + 1, prompt_text=text, started_at=now)
    battle.turns.append(turn)
    battle.status, battle.ready_at = "answering", None
    session.flush()
    backends = {s: _backend(m, None, settings, environ) for s, m in (("a", battle.model_a), ("b", battle.model_b))}
    return PreparedTurn(battle, turn, backends, messages, round_shows_demo(session, round_))
