"""A citizen's battles and panel memberships in their copy of their data, and erasing their own prompts when
they delete the account. (A member's stratum stays with the emptied account: it weighs the member's votes,
which stay in the rankings as anonymous records.)

Registered into the shell's hooks (`personal_data_parts`, `account_erasers`) by contest.init_app.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import iso_z
from app.models import User
from contest.models import Battle
from contest.panel_models import Panel, PanelAssignment, PanelMember

ERASED = ""  # what a deleted account's own prompt (and the answers to it) reads afterwards


def _own_prompt(battle: Battle, turn_no: int) -> bool:
    """Whether the citizen wrote this turn's prompt (a free prompt or a follow-up), not the curated pool."""
    return battle.prompt_id is None or turn_no > 1


def my_battles(session: Session, user: User, lang: str) -> list[dict[str, Any]]:
    """The citizen's battles with every turn's prompt and both answers, oldest first. Never the models:
    those are in the votes part, revealed only for battles the citizen voted on."""
    battles = session.scalars(select(Battle).where(Battle.user_id == user.id).order_by(Battle.created_at, Battle.id))
    return [{"battle_id": b.id, "round": b.round_id, "category": b.category, "status": b.status,
             "curated_prompt_id": b.prompt_id, "created_at": iso_z(b.created_at),
             "turns": [{"turn": t.turn_no, "prompt": t.prompt_text, "own_prompt": _own_prompt(b, t.turn_no),
                        "answer_a": t.answer_a, "answer_b": t.answer_b, "at": iso_z(t.started_at)}
                       for t in b.turns]}
            for b in battles]


def erase_own_prompts(session: Session, user: User) -> None:
    """Blank the prompts the citizen wrote and the answers to them (they may hold personal data); battles
    on curated prompts stay as they are, and no battle row goes (votes and the vote log refer to them)."""
    for battle in session.scalars(select(Battle).where(Battle.user_id == user.id)):
        for turn in battle.turns:
            if _own_prompt(battle, turn.turn_no):
                turn.prompt_text, turn.answer_a, turn.answer_b = ERASED, ERASED, ERASED
    session.flush()


def my_panels(session: Session, user: User, lang: str) -> list[dict[str, Any]]:
    """The citizen panels the citizen joined: the stratum from the invitation and the assigned battles."""
    out = []
    for member in session.scalars(select(PanelMember).where(PanelMember.user_id == user.id).order_by(PanelMember.id)):
        panel = session.get(Panel, member.panel_id)
        assigned = session.scalars(select(PanelAssignment.battle_id).where(PanelAssignment.member_id == member.id)
                                   .order_by(PanelAssignment.position))
        out.append({"panel": panel.id, "round": panel.round_id, "stratum": member.stratum,
                    "joined_at": iso_z(member.joined_at), "quota": panel.quota,
                    "battles": [b for b in assigned if b is not None]})
    return out


def register(extensions: dict[str, Any]) -> None:
    """Fill the shell's hooks."""
    extensions.setdefault("personal_data_parts", {})["battles"] = my_battles
    extensions["personal_data_parts"]["panels"] = my_panels
    extensions.setdefault("account_erasers", []).append(erase_own_prompts)
