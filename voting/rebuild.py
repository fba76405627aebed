"""Rebuilding the live board from SQL, the source of truth (after Redis lost it, or on demand)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from voting import queries
from voting.live import BoardState, LiveBoard
from voting.rating import RatingParams


class RebuildBusy(Exception):
    """Another rebuild holds the lock."""


def board_state_from_sql(session: Session, params: RatingParams) -> BoardState:
    """Replay every stored vote in casting order into a fresh board state."""
    state = BoardState()
    state.replay(queries.votes_for_board(session), params)
    return state


def rebuild_live_board(session: Session, board: LiveBoard, params: RatingParams, now: datetime,
                       lock_ms: int = 300_000) -> int:
    """Replace the live board with the one SQL gives; returns the number of votes replayed.

    Applies answer BUSY while the lock is held, so every vote applied before it is in the SQL
    snapshot and every later one stays in the stream until the lock is released.
    """
    if not board.begin_rebuild(lock_ms):
        raise RebuildBusy()
    try:
        state = board_state_from_sql(session, params)
        board.load(state)
        done = [vid for vid in queries.unpublished_ids(session) if vid in state.applied]
        queries.mark_published(session, done, now)
        session.commit()
    finally:
        board.end_rebuild()
    return len(state.applied)
