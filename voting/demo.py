"""Demo votes for `make run`: made-up voters battle and vote through the arena's own write path, so a
newcomer's first leaderboard has a table, a chart and a heatmap. No Flask.

Each demo battle is started by contest's `start_battle` (a random unseen curated prompt, the round's
equal-exposure pair sampling, the bank's demo answers), its answers recorded by `record_outcome`, and
its vote stored by `cast_vote` with the app's exclusion checks: the Vote row, its outbox record and its
vote-log record, exactly as a citizen's, marked `is_demo`. The live board then picks them up as it picks
up any stored vote (the worker relays the outbox, or rebuilds from SQL at start).

The voters' preferences come from hidden strengths, stronger for some models on English prompts, with
ties and "both bad" now and then; seeded, so every fresh demo shows the same board.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import User
from contest.demo import DEMO_ROUND_ID
from contest.models import Model, Prompt, Round
from contest.service import ArenaError, ArenaSettings, BattleRequest, start_battle
from contest.streaming import SideResult
from contest.turns import record_outcome
from voting.models import Vote
from voting.prompt_language import ENGLISH, prompt_language
from voting.service import ExclusionCheck, VoteRejected, cast_vote

DEMO_VOTERS = 40
VOTES_PER_VOTER = 10
SEED = 20261130
# Hidden strengths (rating points) of the demo entrants by model slug: (on Korean prompts, on English ones).
STRENGTHS = {"exaone-demo": (1110, 1050), "ax-demo": (1050, 980), "solar-demo": (990, 1080),
             "newcall-demo": (900, 930)}
TIE, BOTH_BAD = 0.12, 0.05


def voter_name(i: int) -> str:
    """A demo voter's display name (no login identity: nobody can sign in as one)."""
    return f"데모 투표자 {i:02d}"


def choose_winner(strength_a: float, strength_b: float, rng: random.Random) -> str:
    """A made-up voter's choice: sometimes a tie or both bad, else A with Bradley-Terry odds."""
    draw = rng.random()
    if draw < BOTH_BAD:
        return "bothbad"
    if draw < BOTH_BAD + TIE:
        return "tie"
    p_a = 1 / (1 + 10 ** ((strength_b - strength_a) / 400))
    return "a" if rng.random() < p_a else "b"


def _strength(model: Model, english: bool) -> float:
    ko, en = STRENGTHS.get(model.slug, (1000, 1000))
    return en if english else ko


def seed_demo_votes(session: Session, now: datetime, checks: Sequence[ExclusionCheck] = (),
                    voters: int = DEMO_VOTERS, per_voter: int = VOTES_PER_VOTER, seed: int = SEED) -> int:
    """Cast the demo votes in the demo round if it holds no vote yet (so never beside real ones, and a
    second run changes nothing); returns how many were stored. Flushed, not committed."""
    round_ = session.get(Round, DEMO_ROUND_ID)
    if round_ is None or not round_.is_open(now):
        return 0
    if session.scalar(select(Vote.id).where(Vote.round_id == round_.id).limit(1)) is not None:
        return 0
    rng = random.Random(seed)
    users = [User(display_name=voter_name(i + 1)) for i in range(voters)]
    session.add_all(users)
    session.flush()
    total = voters * per_voter
    start = max(round_.opens_at, now - timedelta(days=1)) + timedelta(minutes=1)
    step = (now - timedelta(minutes=2) - start) / total
    if step <= timedelta(0):
        return 0
    settings, stored = ArenaSettings(), 0
    for n in range(total):
        moment = start + step * n
        user = users[rng.randrange(voters)]
        try:
            prepared = start_battle(session, user.id, round_, BattleRequest(), settings, rng, moment)
        except ArenaError:  # this voter has seen every prompt: the next one votes instead
            continue
        results = {side: SideResult(text=getattr(backend, "text", ""), done=True, latency_ms=rng.randint(1500, 6000),
                                    first_token_ms=rng.randint(200, 900))
                   for side, backend in prepared.backends.items()}
        if not record_outcome(prepared, results, settings, moment).ok:
            continue
        session.flush()  # the vote reads the battle's state with a statement of its own
        battle = prepared.battle
        prompt = session.get(Prompt, battle.prompt_id) if battle.prompt_id else None
        english = prompt_language(prompt.language if prompt else None, prepared.turn.prompt_text) == ENGLISH
        winner = choose_winner(_strength(battle.model_a, english), _strength(battle.model_b, english), rng)
        try:
            cast_vote(session, battle.id, user, winner, moment + timedelta(seconds=40), checks, demo=True)
        except VoteRejected:  # an exclusion check refused it outright (none does today)
            continue
        stored += 1
    return stored

