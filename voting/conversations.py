"""A snapshot's prompts and answers, released only where the voter agreed (the consent item "release").

The vote release (votes.jsonl) holds no text. This file adds, for each counted vote of the snapshot
whose voter has the "release" consent in force *now*, the battle's turns: the prompt and both answers
(null where a model failed). It is made when asked, never stored with the snapshot: withdrawing the
consent, or deleting the account, takes a citizen's conversations out of every later download, so the
file is outside the snapshot's hashes and the verifier does not read it. Lines are canonical JSON
sorted by vote id, `vote_id` linking each to its line in votes.jsonl.

Only once the round has closed: a curated prompt's answers recur (a bank's samples, a deterministic
model), and read while the round runs they would tell voters which model wrote one.
"""
from __future__ import annotations

import json
from itertools import groupby
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.consent import granted_now
from contest.models import BattleTurn, Round
from voting.log import canonical
from voting.models import Snapshot, Vote
from voting.snapshots import release_votes_file

CLOSED = ("closed", "published")
_CHUNK = 500


class ConversationsRefused(Exception):
    """The conversations cannot be released (yet); `code` is the API error code."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def consented_conversations(session: Session, snap: Snapshot) -> bytes:
    """The JSON Lines file of the snapshot's consented conversations (empty when nobody agreed)."""
    if session.scalar(select(Round.status).where(Round.id == snap.round_id)) not in CLOSED:
        raise ConversationsRefused("round_not_closed")
    counted = sorted(_counted_vote_ids(session, snap))
    lines = []
    for start in range(0, len(counted), _CHUNK):
        lines += _conversations(session, counted[start:start + _CHUNK])
    return b"".join(line + b"\n" for line in lines)


def _counted_vote_ids(session: Session, snap: Snapshot) -> Iterator[str]:
    """The ids of the votes the snapshot counts, read from its votes file."""
    for line in release_votes_file(session, snap).splitlines():
        vote = json.loads(line)
        if vote.get("counted") is True:
            yield vote["vote_id"]


def _conversations(session: Session, vote_ids: list[str]) -> list[bytes]:
    votes = session.execute(select(Vote.id, Vote.battle_id, Vote.user_id).where(Vote.id.in_(vote_ids))).all()
    agreed = granted_now(session, {user_id for _, _, user_id in votes}, "release")
    battles = {battle_id: vote_id for vote_id, battle_id, user_id in votes if user_id in agreed}
    turns = session.execute(select(BattleTurn.battle_id, BattleTurn.prompt_text, BattleTurn.answer_a,
                                   BattleTurn.answer_b)
                            .where(BattleTurn.battle_id.in_(list(battles)))
                            .order_by(BattleTurn.battle_id, BattleTurn.turn_no)).all()
    lines = {battles[battle_id]: canonical({"vote_id": battles[battle_id], "turns": [
                 {"prompt": prompt, "answer_a": a, "answer_b": b} for _, prompt, a, b in rows]})
             for battle_id, rows in groupby(turns, key=lambda t: t[0])}
    return [lines[vote_id] for vote_id in sorted(lines)]

