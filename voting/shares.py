"""Sharing a finished battle: the owner makes (or revokes) a read-only link; anyone with it can read it.

A link exists only when its owner asked for one, only for a battle they voted on, and names nothing
about its owner. No Flask: session, clock and token source are arguments.
"""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import could_be_id, iso_z, utcnow
from contest.models import Battle, Prompt, Round
from contest.reveal import revealed_battle
from voting.models import BattleShare, Vote

TokenSource = Callable[[], str]


class ShareRefused(Exception):
    """The battle cannot be shared (or unshared); `code` and `status` say why."""

    def __init__(self, code: str, status: int):
        super().__init__(code)
        self.code, self.status = code, status


def new_share_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def _owned_vote(session: Session, battle_id: str, user_id: int) -> Vote | None:
    if not could_be_id(battle_id):
        raise ShareRefused("battle_not_found", 404)
    battle = session.get(Battle, battle_id)
    if battle is None or battle.user_id != user_id:
        raise ShareRefused("battle_not_found", 404)  # someone else's battle looks like no battle
    return session.scalar(select(Vote).where(Vote.battle_id == battle_id))


def share_battle(session: Session, battle_id: str, user_id: int, now: datetime,
                 new_token: TokenSource = new_share_token) -> tuple[BattleShare, bool]:
    """The battle's link, made now if it has none: (share, created). Only the owner, only once voted."""
    if _owned_vote(session, battle_id, user_id) is None:
        raise ShareRefused("battle_not_voted", 409)
    existing = session.scalar(select(BattleShare).where(BattleShare.battle_id == battle_id))
    if existing is not None:
        return existing, False
    share = BattleShare(token=new_token(), battle_id=battle_id, created_at=now)
    try:
        with session.begin_nested():
            session.add(share)
    except IntegrityError:  # the same owner asked twice at once: one link, both get it
        share = session.scalar(select(BattleShare).where(BattleShare.battle_id == battle_id))
        if share is None:
            raise
        return share, False
    return share, True


def unshare_battle(session: Session, battle_id: str, user_id: int) -> bool:
    """Delete the battle's link (the old token stops working at once); True when there was one."""
    _owned_vote(session, battle_id, user_id)
    return session.execute(delete(BattleShare).where(BattleShare.battle_id == battle_id)).rowcount > 0


def shared_battle(session: Session, token: str) -> Battle | None:
    """The battle behind a live link, or None."""
    if not could_be_id(token, 64):
        return None
    share = session.get(BattleShare, token)
    return session.get(Battle, share.battle_id) if share is not None else None


def opens_at(session: Session, battle: Battle, now: datetime) -> datetime | None:
    """When a shared battle may be read by others: None (now), or the latest close of the open rounds
    that could still show its answers to a citizen who has not voted.

    Answers to a curated prompt recur: a bank serves the same samples in every round with the same
    entrants and prompt, and a deterministic live model repeats itself. A shared battle that names the
    models behind such answers while any open round could serve them (the prompt in its pool, either
    model on its roster) would unblind that round. A battle on the citizen's own prompt has answers
    no one else sees and opens at once."""
    if battle.prompt_id is None:
        return None
    prompt = session.get(Prompt, battle.prompt_id)
    models = {battle.model_a_id, battle.model_b_id}
    later = None
    for round_ in session.scalars(select(Round).where(Round.status == "open")):
        if prompt is not None and prompt.category not in round_.categories:
            continue
        if models & {rm.model_id for rm in round_.roster}:
            later = round_.closes_at if later is None else max(later, round_.closes_at)
    return later


def battle_outcome(session: Session, battle_id: str) -> dict[str, Any]:
    """What the owner's reloaded page shows of a voted battle: their choice, whether it counts, its link."""
    vote = session.scalar(select(Vote).where(Vote.battle_id == battle_id))
    token = session.scalar(select(BattleShare.token).where(BattleShare.battle_id == battle_id))
    battle = session.get(Battle, battle_id)
    after = opens_at(session, battle, utcnow()) if battle is not None else None
    if vote is None:
        return {"share_token": token, "share_after": after}
    return {"winner": vote.winner, "counted": not vote.excluded, "share_token": token, "share_after": after}


def shared_view(session: Session, battle: Battle, lang: str) -> dict[str, Any]:
    """A shared battle as its page shows it: turns, the reveal and the owner's choice, nothing about the owner."""
    vote = session.scalar(select(Vote.winner).where(Vote.battle_id == battle.id))
    return {"turns": [(t.turn_no, t.prompt_text, t.answer_a or "", t.answer_b or "") for t in battle.turns],
            "reveal": revealed_battle(battle, lang), "winner": vote, "category": battle.category}


def my_shares(session: Session, user: Any, lang: str) -> list[dict[str, Any]]:
    """The citizen's shared battles (for their copy of their data)."""
    rows = session.execute(select(BattleShare.battle_id, BattleShare.token, BattleShare.created_at)
                           .join(Battle, Battle.id == BattleShare.battle_id).where(Battle.user_id == user.id))
    return [{"battle_id": b, "token": tok, "at": iso_z(at)} for b, tok, at in rows]


def erase_shares(session: Session, user: Any) -> None:
    """A deleted account's links stop working (nobody could revoke them any more)."""
    owned = select(Battle.id).where(Battle.user_id == user.id)
    session.execute(delete(BattleShare).where(BattleShare.battle_id.in_(owned)))


def register(extensions: dict[str, Any]) -> None:
    """Fill the shell's hooks for the citizen's rights."""
    extensions.setdefault("personal_data_parts", {})["shares"] = my_shares
    extensions.setdefault("account_erasers", []).append(erase_shares)
