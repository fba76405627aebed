"""Named queries over votes, the outbox and the roster."""
from __future__ import annotations

import threading
from datetime import datetime
from types import MappingProxyType
from typing import Any, Iterable, Iterator, Mapping, NamedTuple, Sequence

from sqlalchemy import func, select, true, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import Label

from app.db import could_be_id, hold_until_transaction_end

from contest.models import Battle, BattleTurn, Model, Prompt, Round, RoundModel, Team
from contest.reveal import revealed_name, revealed_side, revealed_team
from voting.models import BoardRebuild, Vote, VoteOutbox
from voting.prompt_language import prompt_language
from voting.rating import OUTCOME_OF_WINNER

Cells = dict[tuple[int, int, int], int]


class Revealed(NamedTuple):
    """What a voter learns about one side after voting."""

    display_name: str
    version: str
    team_ko: str
    team_en: str
    slug: str  # the model's and its team's stable ids (the vote log records them)
    team_slug: str

    @property
    def name(self) -> str:
        """Display name and version, as on the leaderboard."""
        return revealed_name(self.display_name, self.version)

    def team(self, lang: str) -> str:
        """The team's name in the request's language (Korean by default)."""
        return revealed_team(self.team_ko, self.team_en, lang)

    def revealed(self, lang: str) -> dict[str, str]:
        """`{"name", "team"}` as the vote response, the battle page and a shared battle show it."""
        return revealed_side(self.display_name, self.version, self.team_ko, self.team_en, lang)


class VoteTarget(NamedTuple):
    """The battle being voted on, its round's window and both (still hidden) models."""

    battle_id: str
    user_id: int
    status: str
    round_id: str
    category: str
    model_a_id: int
    model_b_id: int
    round_status: str
    opens_at: datetime
    closes_at: datetime
    pseudonym_salt: str  # the round's secret key of voter pseudonyms (the vote log's voter ids)
    prompt_lang: str  # voting.prompt_language: the curated prompt's language, else the first prompt's
    model_a: Revealed
    model_b: Revealed
    # What the vote's checks asked to have read with the battle, by label (voting.service.ExclusionCheck).
    extra: Mapping[str, Any] = MappingProxyType({})


_ModelA, _ModelB, _TeamA, _TeamB = aliased(Model), aliased(Model), aliased(Team), aliased(Team)
_VOTE_TARGET = (
    select(Battle.id, Battle.user_id, Battle.status, Battle.round_id, Battle.category, Battle.model_a_id,
           Battle.model_b_id, Round.status, Round.opens_at, Round.closes_at, Round.pseudonym_salt,
           Prompt.language, BattleTurn.prompt_text,
           _ModelA.display_name, _ModelA.version, _TeamA.name_ko, _TeamA.name_en, _ModelA.slug, _TeamA.slug,
           _ModelB.display_name, _ModelB.version, _TeamB.name_ko, _TeamB.name_en, _ModelB.slug, _TeamB.slug)
    .join(Round, Round.id == Battle.round_id)
    .join(_ModelA, _ModelA.id == Battle.model_a_id).join(_TeamA, _TeamA.id == _ModelA.team_id)
    .join(_ModelB, _ModelB.id == Battle.model_b_id).join(_TeamB, _TeamB.id == _ModelB.team_id)
    .outerjoin(Prompt, Prompt.id == Battle.prompt_id)
    .outerjoin(BattleTurn, (BattleTurn.battle_id == Battle.id) & (BattleTurn.turn_no == 1))
    .with_for_update(of=Battle)  # serialises concurrent votes on the same battle
)


def vote_target(session: Session, battle_id: str, extra: Sequence[Label] = ()) -> VoteTarget | None:
    """The battle to vote on, row-locked until the transaction ends, in one Core query (hot path);
    `extra` labelled expressions (scalar subqueries) are read in the same query, into `VoteTarget.extra`."""
    if not could_be_id(battle_id):
        return None
    stmt = _VOTE_TARGET.where(Battle.id == battle_id)
    row = session.connection().execute(stmt.add_columns(*extra) if extra else stmt).first()
    if row is None:
        return None
    return VoteTarget(*row[:11], prompt_language(row[11], row[12]), model_a=Revealed(*row[13:19]),
                      model_b=Revealed(*row[19:25]),
                      extra=MappingProxyType({column.name: value for column, value in zip(extra, row[25:])}))


# Namespace (first key) of the PostgreSQL advisory locks that serialise one account's votes.
VOTER_LOCK_SPACE = 0x766F7465  # "vote"
_embedded_voter_lock = threading.Lock()


def lock_voter(session: Session, user_id: int) -> None:
    """Serialise this account's votes until the transaction ends, so that counting them cannot race."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(VOTER_LOCK_SPACE, user_id)))
        return
    # SQLite has no row locks, and the count is a read before the write. The embedded default runs
    # one process, so a process lock held until this transaction ends serialises count and insert.
    hold_until_transaction_end(session, "voter", _embedded_voter_lock)


def recent_vote_times(session: Session, user_id: int, round_id: str, after: datetime, limit: int) -> list[datetime]:
    """When the account's newest `limit` stored votes in the round cast after `after` were cast, newest first."""
    stmt = (select(Vote.created_at).where(Vote.user_id == user_id, Vote.round_id == round_id,
                                          Vote.created_at > after)
            .order_by(Vote.created_at.desc()).limit(limit))
    return list(session.scalars(stmt))


def round_by_id(session: Session, round_id: str) -> Round | None:
    """A round by id (None for unknown or malformed ids)."""
    return session.get(Round, round_id) if could_be_id(round_id) else None


def roster_models(session: Session, round_id: str) -> list[Model]:
    """The round's models in a stable order (by id)."""
    stmt = select(Model).join(RoundModel, RoundModel.model_id == Model.id).where(
        RoundModel.round_id == round_id).order_by(Model.id)
    return list(session.scalars(stmt).unique())


def counted_cells(session: Session, round_id: str, category: str | None = None,
                  until: datetime | None = None, prompt_lang: str | None = None) -> Cells:
    """Counted votes of a round (one category or all; one prompt language or all; cast at or before
    `until` if given) aggregated to {(a, b, outcome): n}."""
    stmt = select(Vote.model_a_id, Vote.model_b_id, Vote.winner, func.count()).where(
        Vote.round_id == round_id, Vote.excluded.is_(False)).group_by(
        Vote.model_a_id, Vote.model_b_id, Vote.winner)
    if category is not None:
        stmt = stmt.where(Vote.category == category)
    if prompt_lang is not None:
        stmt = stmt.where(Vote.prompt_lang == prompt_lang)
    if until is not None:
        stmt = stmt.where(Vote.created_at <= until)
    cells: Cells = {}
    for a, b, winner, n in session.execute(stmt):
        key = (a, b, OUTCOME_OF_WINNER[winner])
        cells[key] = cells.get(key, 0) + n
    return cells


def votes_for_board(session: Session, chunk: int = 20_000) -> Iterator[tuple]:
    """Every vote as (id, round_id, category, a, b, winner, excluded, prompt_lang) in casting order, streamed."""
    stmt = select(Vote.id, Vote.round_id, Vote.category, Vote.model_a_id, Vote.model_b_id, Vote.winner,
                  Vote.excluded, Vote.prompt_lang).order_by(Vote.created_at, Vote.id)
    # Core execution on the session's connection: plain tuples, no ORM row processing. yield_per goes on
    # the statement: set on the connection it would stay there and make every later statement of the
    # transaction a server-side cursor (PostgreSQL then refuses `SELECT ... FOR UPDATE` as a cursor).
    result = session.connection().execute(stmt.execution_options(yield_per=chunk))
    for partition in result.partitions():
        yield from partition


def unpublished(session: Session, before: datetime, limit: int) -> list[Vote]:
    """Votes whose outbox record has not reached the live board, created before `before`."""
    stmt = (select(Vote).join(VoteOutbox, VoteOutbox.vote_id == Vote.id)
            .where(VoteOutbox.published_at.is_(None), VoteOutbox.created_at < before)
            .order_by(VoteOutbox.id).limit(limit))
    return list(session.scalars(stmt))


def unpublished_ids(session: Session) -> list[str]:
    """Vote ids of every outbox record not yet marked published."""
    return list(session.scalars(select(VoteOutbox.vote_id).where(VoteOutbox.published_at.is_(None))))


def count_published(session: Session) -> int:
    """How many stored votes the live board has acknowledged applying."""
    return session.scalar(select(func.count()).select_from(VoteOutbox).where(VoteOutbox.published_at.is_not(None)))


def count_unpublished(session: Session) -> int:
    """How many stored votes have not reached the live board yet."""
    return session.scalar(select(func.count()).select_from(VoteOutbox).where(VoteOutbox.published_at.is_(None)))


def mark_published(session: Session, vote_ids: Iterable[str], now: datetime, chunk: int = 1000) -> None:
    """Mark the outbox records of these votes as published."""
    ids = list(vote_ids)
    for i in range(0, len(ids), chunk):
        session.execute(update(VoteOutbox).where(VoteOutbox.vote_id.in_(ids[i:i + chunk]),
                                                 VoteOutbox.published_at.is_(None)).values(published_at=now))


def bump_attempts(session: Session, vote_ids: Iterable[str]) -> None:
    """Count a relay attempt on these outbox records."""
    ids = list(vote_ids)
    if ids:
        session.execute(update(VoteOutbox).where(VoteOutbox.vote_id.in_(ids))
                        .values(attempts=VoteOutbox.attempts + 1))


def latest_published_ids(session: Session, limit: int) -> list[str]:
    """The votes most recently marked applied to the live board (index on published_at; newest first)."""
    stmt = (select(VoteOutbox.vote_id).where(VoteOutbox.published_at.is_not(None))
            .order_by(VoteOutbox.published_at.desc()).limit(limit))
    return list(session.scalars(stmt))

def oldest_unpublished_at(session: Session) -> datetime | None:
    """When the oldest vote still waiting for the live board was stored (None: none waits)."""
    return session.scalar(select(func.min(VoteOutbox.created_at)).where(VoteOutbox.published_at.is_(None)))


def waiting_rebuilds(session: Session) -> list[int]:
    """Ids of live-board rebuilds requested (by a void or restore) and not done yet."""
    return list(session.scalars(select(BoardRebuild.id).where(BoardRebuild.done_at.is_(None))
                                .order_by(BoardRebuild.id)))


def finish_rebuilds(session: Session, ids: list[int], now: datetime) -> None:
    """Mark rebuild requests done (a rebuild that started after they were read covers them)."""
    if ids:
        session.execute(update(BoardRebuild).where(BoardRebuild.id.in_(ids)).values(done_at=now))


# "excluded = true", not "IS TRUE": PostgreSQL uses the partial index ix_votes_round_excluded only for the former.
EXCLUDED = Vote.excluded == true()


def round_has_demo_votes(session: Session, round_id: str) -> bool:
    """Whether the round holds demo votes (voting.demo), read through the small partial index."""
    demo = Vote.is_demo == true()  # "= true", not "IS TRUE": the form the partial index matches
    return session.scalar(select(Vote.id).where(Vote.round_id == round_id, demo).limit(1)) is not None


def round_vote_count(session: Session, round_id: str) -> int:
    """Every stored vote of a round, counted or not."""
    return session.scalar(select(func.count()).select_from(Vote).where(Vote.round_id == round_id)) or 0


def exclusion_stats(session: Session, round_id: str, total: int | None = None) -> dict:
    """A round's public exclusion statistics: votes, excluded votes by reason, and per team the excluded
    votes its models took part in (a vote between two teams counts for both), by reason."""
    by_reason = dict(session.execute(select(Vote.excluded_reason, func.count())
                                     .where(Vote.round_id == round_id, EXCLUDED)
                                     .group_by(Vote.excluded_reason)).all())
    if total is None:
        total = round_vote_count(session, round_id)
    model_a, model_b, team_a, team_b = aliased(Model), aliased(Model), aliased(Team), aliased(Team)
    rows = session.execute(select(Vote.excluded_reason, team_a.slug, team_a.name_ko, team_a.name_en,
                                  team_b.slug, team_b.name_ko, team_b.name_en)
                           .join(model_a, model_a.id == Vote.model_a_id).join(team_a, team_a.id == model_a.team_id)
                           .join(model_b, model_b.id == Vote.model_b_id).join(team_b, team_b.id == model_b.team_id)
                           .where(Vote.round_id == round_id, EXCLUDED))
    teams: dict[str, dict] = {}
    for reason, *sides in rows:
        for slug, name_ko, name_en in {(sides[0], sides[1], sides[2]), (sides[3], sides[4], sides[5])}:
            team = teams.setdefault(slug, {"team": slug, "name_ko": name_ko, "name_en": name_en, "excluded": 0,
                                           "by_reason": {}})
            team["excluded"] += 1
            team["by_reason"][reason] = team["by_reason"].get(reason, 0) + 1
    return {"round": round_id, "votes": total, "excluded": sum(by_reason.values()),
            "by_reason": dict(sorted(by_reason.items())),
            "by_team": sorted(teams.values(), key=lambda row: (-row["excluded"], row["team"]))}
