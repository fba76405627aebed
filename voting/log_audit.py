"""Checking the vote log in SQL: the chain, every vote against its records, and the recorded daily roots."""
from __future__ import annotations

from datetime import date
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from contest.models import Model, Round, Team
from voting.log import (ARENA_WINNER, ChainCheck, Entry, Problem, compare_states, tstamp, verify_chain,
                        voter_pseudonym)
from voting.models import LogRoot, Vote, VoteLogEntry

_CHUNK = 5_000


def verify_round(session: Session, round_id: str) -> ChainCheck:
    """The round's chain, its votes against their records and its roots; problems in that order."""
    chain = verify_chain(_entries(session, round_id))
    problems = list(chain.problems)
    states = list(compare_states(_vote_states(session, round_id), _records_by_vote(session, round_id)))
    if problems and problems[0].what == "deleted" and problems[0].vote_id is None:
        missing = [p.vote_id for p in states if p.what == "deleted" and p.seq is None]
        if len(missing) == 1:  # the chain says where, the votes say whose
            problems[0] = problems[0]._replace(vote_id=missing[0])
    problems += states
    problems += _root_problems(session, round_id)
    return chain._replace(problems=problems)


def _stream(session: Session, stmt) -> Iterator[tuple]:
    """Rows of a large read as plain tuples, fetched in chunks."""
    for partition in session.connection().execute(stmt.execution_options(yield_per=_CHUNK)).partitions():
        yield from partition


def _entries(session: Session, round_id: str) -> Iterator[Entry]:
    stmt = (select(VoteLogEntry.seq, VoteLogEntry.record, VoteLogEntry.prev_hash, VoteLogEntry.hash)
            .where(VoteLogEntry.round_id == round_id).order_by(VoteLogEntry.seq))
    return (Entry(*row) for row in _stream(session, stmt))


def _by_code_point(session: Session, column):
    """Order by `column` as Python compares strings (the merge in compare_states relies on it)."""
    return column.collate("C") if session.get_bind().dialect.name == "postgresql" else column


def _vote_states(session: Session, round_id: str) -> Iterator[tuple[str, bool, str | None, dict]]:
    """Each vote's state and what its cast record must say: who (the round's pseudonym), the models and
    teams by slug, the winner, the category and the time. A chain re-hashed after its last recorded root
    still has to agree with the votes."""
    salt = session.scalar(select(Round.pseudonym_salt).where(Round.id == round_id))
    model_a, model_b, team_a, team_b = aliased(Model), aliased(Model), aliased(Team), aliased(Team)
    stmt = (select(Vote.id, Vote.excluded, Vote.excluded_reason, Vote.user_id, Vote.category, Vote.winner,
                   Vote.created_at, model_a.slug, model_b.slug, team_a.slug, team_b.slug)
            .join(model_a, model_a.id == Vote.model_a_id).join(model_b, model_b.id == Vote.model_b_id)
            .join(team_a, team_a.id == model_a.team_id).join(team_b, team_b.id == model_b.team_id)
            .where(Vote.round_id == round_id).order_by(_by_code_point(session, Vote.id)))
    for vote_id, excluded, reason, user_id, category, winner, created_at, a, b, a_team, b_team in _stream(session, stmt):
        cast = {"voter": voter_pseudonym(salt, user_id), "category": category, "model_a_slug": a,
                "model_b_slug": b, "team_a": a_team, "team_b": b_team, "winner": ARENA_WINNER.get(winner, winner),
                "tstamp": tstamp(created_at)}
        yield vote_id, not excluded, reason, cast


def _records_by_vote(session: Session, round_id: str) -> Iterator[tuple[str, int, str]]:
    stmt = (select(VoteLogEntry.vote_id, VoteLogEntry.seq, VoteLogEntry.record)
            .where(VoteLogEntry.round_id == round_id)
            .order_by(_by_code_point(session, VoteLogEntry.vote_id), VoteLogEntry.seq))
    return _stream(session, stmt)


def _root_problems(session: Session, round_id: str) -> list[Problem]:
    """Each recorded root is the chain's hash at its seq, ends on or before its day, and follows the last."""
    problems, last_seq = [], 0
    stmt = (select(LogRoot.day, LogRoot.last_seq, LogRoot.root, VoteLogEntry.hash, VoteLogEntry.created_at)
            .outerjoin(VoteLogEntry, (VoteLogEntry.round_id == LogRoot.round_id)
                       & (VoteLogEntry.seq == LogRoot.last_seq))
            .where(LogRoot.round_id == round_id).order_by(LogRoot.day))
    for day, seq, root, chain_hash, created_at in session.execute(stmt):
        if chain_hash is None:
            problems.append(Problem("root", seq, None, f"the root of {day} names seq {seq}, which is not there"))
        elif chain_hash != root:
            problems.append(Problem("root", seq, None, f"the root of {day} is {root[:16]}…, "
                                                       f"the chain's hash at seq {seq} is {chain_hash[:16]}…"))
        elif created_at.date() > date.fromisoformat(day) or seq <= last_seq:
            problems.append(Problem("root", seq, None, f"the root of {day} does not follow the chain's days"))
        last_seq = max(last_seq, seq)
    return problems
