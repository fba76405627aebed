"""Where the style board's covariates come from. No Flask.

Each vote's answer styles are computed once from the battle's stored answers (voting.style) and kept in
`vote_styles`; a board reads those small integers, never the texts. Votes without a row yet (new ones, or cast
before the table existed) are filled by the rating worker before it refits a scope (voting.style_worker): the
style fit reads every counted vote's row, so unlike the plain board it cannot follow each vote.
"""
from __future__ import annotations

from itertools import chain
from typing import Callable

import numpy as np
from sqlalchemy import case, select
from sqlalchemy.orm import Session

from contest.models import BattleTurn
from voting.models import Vote, VoteStyle
from voting.rating import A_WINS, B_WINS, TIE
from voting.style import conversation_style

FILL_CHUNK = 500
_COLUMNS = ("tokens", "headers", "lists", "bold")


def fill_missing(session: Session, round_id: str, after_chunk: Callable[[], None] | None = None) -> int:
    """Compute and store the styles of the round's votes that have none yet; how many were added.
    `after_chunk` runs after each FILL_CHUNK votes (the worker commits there, so a long first fill never holds
    the database's write lock for long; a publication fills inside its own transaction and passes none)."""
    added = 0
    while True:
        ids = list(session.scalars(select(Vote.id).outerjoin(VoteStyle, VoteStyle.vote_id == Vote.id)
                                   .where(Vote.round_id == round_id, VoteStyle.vote_id.is_(None))
                                   .order_by(Vote.id).limit(FILL_CHUNK)))
        if not ids:
            return added
        battles = dict(session.execute(select(Vote.battle_id, Vote.id).where(Vote.id.in_(ids))).all())
        turns: dict[str, list[tuple]] = {}
        for battle_id, turn_no, answer_a, answer_b in session.execute(
                select(BattleTurn.battle_id, BattleTurn.turn_no, BattleTurn.answer_a, BattleTurn.answer_b)
                .where(BattleTurn.battle_id.in_(list(battles)))):
            turns.setdefault(battle_id, []).append((turn_no, answer_a, answer_b))
        rows = []
        for battle_id, vote_id in battles.items():
            ordered = sorted(turns.get(battle_id, []), key=lambda t: t[0])
            side_a = conversation_style(t[1] for t in ordered)
            side_b = conversation_style(t[2] for t in ordered)
            rows.append({"vote_id": vote_id, **{f"{c}_a": v for c, v in zip(_COLUMNS, side_a)},
                         **{f"{c}_b": v for c, v in zip(_COLUMNS, side_b)}})
        # Another process may fill the same votes at the same time: a row already there is the same row.
        session.execute(_insert_ignoring_existing(session), rows)
        added += len(rows)
        if after_chunk is not None:
            after_chunk()


def _insert_ignoring_existing(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(VoteStyle).on_conflict_do_nothing(index_elements=["vote_id"])


_STYLE_A = [getattr(VoteStyle, f"{c}_a") for c in _COLUMNS]
_STYLE_B = [getattr(VoteStyle, f"{c}_b") for c in _COLUMNS]


def round_styles(session: Session, round_id: str) -> dict[str, tuple[list[int], list[int]]]:
    """The stored style counts of the round's votes (counted or not), by vote id: ([A's four], [B's four])."""
    rows = session.execute(select(Vote.id, *_STYLE_A, *_STYLE_B).join(VoteStyle, VoteStyle.vote_id == Vote.id)
                           .where(Vote.round_id == round_id))
    return {r[0]: (list(r[1:5]), list(r[5:9])) for r in rows}


def style_votes(session: Session, round_id: str, category: str | None, model_ids: list[int]
                ) -> tuple[np.ndarray, ...]:
    """The counted votes of a round (one category or all) with their styles: a, b (indices into `model_ids`),
    outcome, style_a and style_b (votes x 4). Votes of models not in `model_ids` are left out."""
    outcome = case((Vote.winner == "a", A_WINS), (Vote.winner == "b", B_WINS), else_=TIE)
    stmt = (select(Vote.model_a_id, Vote.model_b_id, outcome, *_STYLE_A, *_STYLE_B)
            .join(VoteStyle, VoteStyle.vote_id == Vote.id)
            .where(Vote.round_id == round_id, Vote.excluded.is_(False)))
    if category is not None:
        stmt = stmt.where(Vote.category == category)
    rows = _int_rows(session, stmt, 11)
    index = np.full(max(model_ids, default=0) + 1, -1)
    index[model_ids] = np.arange(len(model_ids))
    known = (rows[:, :2] < len(index)).all(1)
    rows = rows[known]
    a, b = index[rows[:, 0]], index[rows[:, 1]]
    on_roster = (a >= 0) & (b >= 0)
    rows = rows[on_roster]
    return a[on_roster], b[on_roster], rows[:, 2], rows[:, 3:7].astype(float), rows[:, 7:11].astype(float)


def _int_rows(session: Session, stmt, width: int) -> np.ndarray:
    """The rows of a query of `width` non-null 32-bit integer columns as an (n, width) array. On PostgreSQL by
    binary COPY, parsed as fixed-width records (a million rows in well under a second); elsewhere row by row."""
    if session.get_bind().dialect.name != "postgresql":
        result = session.connection().execute(stmt).all()
        return np.fromiter(chain.from_iterable(result), dtype=np.int64, count=len(result) * width).reshape(-1, width)
    sql = stmt.compile(dialect=session.get_bind().dialect)  # parameters bound by the driver, never inlined
    with session.connection().connection.driver_connection.cursor() as cur:
        with cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)", sql.params) as copy:
            data = b"".join(bytes(block) for block in copy)
    # Header: 11-byte signature, 4-byte flags, 4-byte extension length (+ extension); trailer: int16 -1.
    start = 19 + int.from_bytes(data[15:19], "big")
    record = np.dtype([("fields", ">i2")] + [(f"{kind}{i}", ">i4") for i in range(width) for kind in ("len", "v")])
    records = np.frombuffer(data[start:len(data) - 2], dtype=record)
    if not ((records["fields"] == width).all() and all((records[f"len{i}"] == 4).all() for i in range(width))):
        raise ValueError("unexpected binary COPY layout: every column must be a non-null int4")
    return np.column_stack([records[f"v{i}"] for i in range(width)]).astype(np.int64).reshape(-1, width)
