"""A round's terms (protocol, categories, roster, free prompts): checked before anything is written.

Pure of Flask; reads the session only to find the roster's models.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.backends import is_bank
from contest.models import Model, Round, RoundModel
from contest.protocol import ProtocolError, normalise_protocol
from contest.reveal import revealed_name
from contest.round_json import terms_of

TERMS = ("protocol", "categories", "roster", "free_prompts")


class RoundError(Exception):
    """A round change that cannot be made: `code`, `status`, and `params` for the message."""

    def __init__(self, code: str, status: int = 422, **params: str):
        super().__init__(code)
        self.code, self.status, self.params = code, status, params


@dataclass(frozen=True)
class Terms:
    """Checked terms of a round, ready to be written."""

    protocol: dict[str, Any]
    categories: list[str]
    roster: list[Model]
    free_prompts: bool


def checked_terms(session: Session, round_: Round | None, changes: dict[str, Any]) -> Terms:
    """The round's terms with `changes` applied (protocol fields given replace those in force), checked."""
    current = terms_of(round_) if round_ is not None else {"protocol": {}, "categories": [], "roster": [],
                                                            "free_prompts": False}
    try:
        protocol = normalise_protocol(changes.get("protocol", {}), current["protocol"] or None)
    except ProtocolError as exc:
        raise RoundError("invalid_protocol", field=exc.field, problem=str(exc)) from None
    categories = list(changes.get("categories", current["categories"]))
    if not categories:
        raise RoundError("no_categories")
    if len(set(categories)) != len(categories):
        raise RoundError("duplicate_category")
    slugs = list(changes.get("roster", current["roster"]))
    if len(set(slugs)) != len(slugs):
        raise RoundError("duplicate_model")
    with session.no_autoflush:
        found = {m.slug: m for m in session.scalars(select(Model).where(Model.slug.in_(slugs)))} if slugs else {}
    for slug in slugs:
        if slug not in found:
            raise RoundError("unknown_roster_model", model=slug)
    roster = sorted(found.values(), key=lambda m: m.slug)
    _refuse_same_names(roster)
    return Terms(protocol, categories, roster, bool(changes.get("free_prompts", current["free_prompts"])))


def _refuse_same_names(roster: list[Model]) -> None:
    """Two models of a roster never share a display name and version (what voters and boards show)."""
    seen: dict[str, str] = {}
    for model in roster:
        name = revealed_name(model.display_name, model.version)
        if name in seen:
            raise RoundError("duplicate_model_name", name=name, models=f"{seen[name]}, {model.slug}")
        seen[name] = model.slug


def check_openable(terms: Terms) -> None:
    """What an open round needs: two models, a category, and no bank model asked for free prompts."""
    if len(terms.roster) < 2:
        raise RoundError("roster_too_small")
    if terms.free_prompts and any(is_bank(m.backend) for m in terms.roster):
        raise RoundError("free_prompts_with_bank")


def write_terms(round_: Round, terms: Terms) -> None:
    """Make `terms` the round's: its fields, and the roster changed in place (kept entries stay)."""
    round_.protocol, round_.categories, round_.free_prompts = terms.protocol, terms.categories, terms.free_prompts
    wanted = {m.id for m in terms.roster}
    for entry in [rm for rm in round_.roster if rm.model_id not in wanted]:
        round_.roster.remove(entry)
    held = {rm.model_id for rm in round_.roster}
    round_.roster.extend(RoundModel(model_id=m.id, model=m) for m in terms.roster if m.id not in held)


def check_window(opens_at: datetime, closes_at: datetime) -> None:
    """A round closes after it opens."""
    if closes_at <= opens_at:
        raise RoundError("invalid_window")
