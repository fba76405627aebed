"""The outbox relay: republish stored votes whose event never reached the live board."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from voting import queries
from voting.service import vote_event
from voting.stream import VoteStream

log = logging.getLogger("arena.voting.outbox")


def relay(session: Session, stream: VoteStream, now: datetime, grace: timedelta, limit: int = 500) -> int:
    """Publish up to `limit` unpublished votes older than `grace`; stops at the first stream failure.

    The worker marks a record published once its vote is applied, so a duplicate publish is harmless.
    """
    sent: list[str] = []
    try:
        for vote in queries.unpublished(session, now - grace, limit):
            stream.publish(vote_event(vote))
            sent.append(vote.id)
    except Exception as exc:  # the stream is down: what was not sent stays for the next pass
        log.warning("outbox relay stopped after %d: %s", len(sent), exc)
    queries.bump_attempts(session, sent)
    session.commit()
    return len(sent)
