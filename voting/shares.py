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

from app.db import could_be_id
from contest.models import Battle, Round
from contest.reveal import revealed_battle
from contest.service import round_is_bank
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
    """When a shared battle may be read by others: None (now), or the close of its round.

    A round answered from the curated bank shows the same answers to other citizens: a shared
    battle read while that round still takes votes would tell them which model wrote an answer
    before they vote on it. Such a link works once the round closes."""
    round_ = session.get(Round, battle.round_id)
    if round_ is not None and round_is_bank(round_) and round_.is_open(now):
        return round_.closes_at
    return None


def battle_outcome(session: Session, battle_id: str) -> dict[str, Any]:
    """What the owner's reloaded page shows of a voted battle: their choice, whether it counts, its link."""
    vote = session.scalar(select(Vote).where(Vote.battle_id == battle_id))
    token = session.scalar(select(BattleShare.token).where(BattleShare.battle_id == battle_id))
    if vote is None:
        return {"share_token": token}
    return {"winner": vote.winner, "counted": not vote.excluded, "share_token": token}


def shared_view(session: Session, battle: Battle, lang: str) -> dict[str, Any]:
    """A shared battle as its page shows it: turns, the reveal and the owner's choice, nothing about the owner."""
    vote = session.scalar(select(Vote.winner).where(Vote.battle_id == battle.id))
    return {"turns": [(t.turn_no, t.prompt_text, t.answer_a or "", t.answer_b or "") for t in battle.turns],
            "reveal": revealed_battle(battle, lang), "winner": vote, "category": battle.category}
