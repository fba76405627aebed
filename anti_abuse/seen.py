"""The vote check for answers a voter has already seen revealed (issue 8: fingerprinting).

The bank holds several samples per (prompt, model) and a citizen is not served a prompt revealed
to them again, but a battle started before a reveal can still show a text whose model the voter
now knows. Such a vote is stored and kept out of the ranking.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from anti_abuse import queries
from app.models import User
from voting.queries import VoteTarget

REASON = "answer_seen"
# Staff (User.is_staff) see answers beside their models: moderators in the queue (every voted battle),
# the ministry in the bank it uploads. Their own votes are stored and never counted, for the same reason.


def answer_seen_check(session: Session, target: VoteTarget, user: User) -> str | None:
    """`answer_seen` when the battle shows an answer this voter saw in a battle already revealed to them,
    or the voter is staff (who can see any answer with its model)."""
    if user.is_staff:
        return REASON
    return REASON if queries.answer_revealed_before(session, user.id, target.battle_id) else None
