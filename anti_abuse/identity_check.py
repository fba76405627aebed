"""The vote check for identity leaks: an answer that names its own model, or a prompt that asks who the
model is (or names one), unblinds the battle. The vote is stored and kept out of the ranking
(`identity_leak`), and the citizen is told it will not count.

The words come from the lexicon version the round's protocol names (anti_abuse.lexicon_versions) plus
the teams and models in the database; probing phrases from anti_abuse.probes plus the version's own.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from anti_abuse import queries
from anti_abuse.identity import REASON, find_identity_leak, find_terms
from anti_abuse.lexicon_versions import round_names
from anti_abuse.probes import probe_in_prompt
from app.models import User
from voting.queries import VoteTarget


def identity_leak_check(session: Session, target: VoteTarget, user: User) -> str | None:
    """`identity_leak` when any answer (both sides, every turn) names a model, team or maker of itself,
    or any prompt probes the model's identity."""
    lexicon, names = round_names(session, target.round_id)
    if find_identity_leak(queries.battle_answers(session, target.battle_id), names):
        return REASON
    for prompt in queries.battle_prompts(session, target.battle_id):
        if probe_in_prompt(prompt, names) or (lexicon.probes and find_terms(prompt, lexicon.probes)):
            return REASON
    return None
