"""Conflict of interest: a citizen declares whether they work for, or are closely tied to, a participating
team. A vote on a battle in which a declared team's model took part is stored and kept out of every board
(`conflict_of_interest`); declaring a team later also excludes the earlier counted votes on its battles
(appended to the vote log, never rewritten). Withdrawing a declaration excludes nothing more and restores
nothing: a tie once declared is part of the record.

Declarations are append-only (the latest holds); the exclusion statistics show the excluded votes.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from anti_abuse.models import ConflictDeclaration
from app.db import iso_z
from app.models import User
from contest.models import Model, Team
from voting import exclusions, queries
from voting.models import Vote
from voting.queries import VoteTarget

REASON = "conflict_of_interest"


class ConflictError(Exception):
    def __init__(self, code: str, status: int = 422):
        super().__init__(code)
        self.code, self.status = code, status


def current(session: Session, user_id: int) -> ConflictDeclaration | None:
    """The citizen's latest declaration, or None if they never made one."""
    return session.scalars(select(ConflictDeclaration).where(ConflictDeclaration.user_id == user_id)
                           .order_by(ConflictDeclaration.id.desc()).limit(1)).first()


def declare(session: Session, user: User, team_slugs: list[str], now: datetime) -> tuple[ConflictDeclaration, int]:
    """Record the citizen's declaration (every slug a known team; empty: no ties); returns it and how many
    earlier counted votes it excluded."""
    wanted = sorted(set(team_slugs))
    known = set(session.scalars(select(Team.slug).where(Team.slug.in_(wanted)))) if wanted else set()
    if known != set(wanted):
        raise ConflictError("unknown_team")
    # Under the voter's lock, as every vote: a vote in flight either commits first (and the sweep below
    # finds it) or reads this declaration with its battle (voting.service.cast_vote).
    queries.lock_voter(session, user.id)
    before = current(session, user.id)
    row = ConflictDeclaration(user_id=user.id, teams=wanted, declared_at=now)
    session.add(row)
    session.flush()
    added = set(wanted) - set(before.teams if before is not None else [])
    voided = 0
    if added:
        ids = _counted_votes_on_teams(session, user.id, added)
        for chunk in exclusions.chunks(ids):
            changes = exclusions.plan_void(session, chunk, REASON)
            exclusions.apply(session, changes, now, REASON)
            voided += len(changes)
    return row, voided


def _counted_votes_on_teams(session: Session, user_id: int, slugs: set[str]) -> list[str]:
    model_a, model_b, team_a, team_b = aliased(Model), aliased(Model), aliased(Team), aliased(Team)
    stmt = (select(Vote.id).join(model_a, model_a.id == Vote.model_a_id).join(team_a, team_a.id == model_a.team_id)
            .join(model_b, model_b.id == Vote.model_b_id).join(team_b, team_b.id == model_b.team_id)
            .where(Vote.user_id == user_id, Vote.excluded.is_(False),
                   or_(team_a.slug.in_(slugs), team_b.slug.in_(slugs)))
            .order_by(Vote.id))
    return list(session.scalars(stmt))


def declared_teams(session: Session, user_id: int) -> set[str]:
    """Slugs of the teams the citizen declared ties to (contest's `conflict_teams` hook: panel assignments
    avoid them)."""
    row = current(session, user_id)
    return set(row.teams) if row is not None else set()


DECLARED = "conflict_declared_teams"  # the label of the voter's declared teams in the vote's read


def _declared_teams_read(user_id: int) -> list:
    """The voter's latest declaration's teams (NULL if none), read with the battle (voting's `reads`)."""
    latest = (select(ConflictDeclaration.teams).where(ConflictDeclaration.user_id == user_id)
              .order_by(ConflictDeclaration.id.desc()).limit(1))
    return [latest.scalar_subquery().label(DECLARED)]


def conflict_check(session: Session, target: VoteTarget, user: User) -> str | None:
    """`conflict_of_interest` when the voter declared ties to the team of either side (a vote check).
    The declaration comes with the battle's read (`reads`); a target read without it is looked up."""
    teams = target.extra[DECLARED] if DECLARED in target.extra else declared_teams(session, user.id)
    return REASON if {target.model_a.team_slug, target.model_b.team_slug} & set(teams or ()) else None


conflict_check.reads = _declared_teams_read  # type: ignore[attr-defined]


def declaration_json(row: ConflictDeclaration | None) -> dict:
    return {"declared": row is not None, "teams": list(row.teams) if row is not None else [],
            "declared_at": iso_z(row.declared_at) if row is not None else None}
