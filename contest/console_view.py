"""What the ministry's console pages show at load, read from the database. No Flask.

Changes never go through here: the pages send them to the admin API.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import audit_entries, entry_json
from app.models import User, UserRole
from contest.models import BankAnswer, Model, Prompt, Round, RoundProtocol, Team
from contest.protocol import DEFAULT_PROTOCOL

AUDIT_PAGE = 50


def rounds(session: Session) -> list[Round]:
    """Every round, the latest opening first."""
    return list(session.scalars(select(Round).order_by(Round.opens_at.desc(), Round.id)))


def teams(session: Session) -> list[dict[str, Any]]:
    """Teams by slug, each with how many models it has."""
    counts = dict(session.execute(select(Model.team_id, func.count()).group_by(Model.team_id)).all())
    return [{"team": team, "models": counts.get(team.id, 0)}
            for team in session.scalars(select(Team).order_by(Team.slug))]


def models(session: Session) -> list[Model]:
    """Every model (entrant), by team then slug."""
    return list(session.scalars(select(Model).join(Team).order_by(Team.slug, Model.slug)))


def overview(session: Session) -> dict[str, Any]:
    """The console's front page: the rounds and a few counts."""
    count = session.scalar
    return {"rounds": rounds(session), "teams": count(select(func.count()).select_from(Team)),
            "models": count(select(func.count()).select_from(Model).where(Model.active.is_(True))),
            "prompts": count(select(func.count()).select_from(Prompt).where(Prompt.active.is_(True)))}


def round_detail(session: Session, round_id: str) -> dict[str, Any] | None:
    """A round with its roster, protocol in force and every protocol version, or None."""
    round_ = session.get(Round, round_id)
    if round_ is None:
        return None
    versions = session.scalars(select(RoundProtocol).where(RoundProtocol.round_id == round_id)
                               .order_by(RoundProtocol.version.desc()))
    return {"round": round_, "roster": sorted((rm.model for rm in round_.roster), key=lambda m: m.slug),
            "protocol": {**DEFAULT_PROTOCOL, **(round_.protocol or {})},  # {} means the defaults
            "versions": list(versions), "models": models(session)}


def uploads(session: Session) -> dict[str, Any]:
    """What the pools hold now: active prompts per category, bank answers per model."""
    per_category = session.execute(select(Prompt.category, func.count()).where(Prompt.active.is_(True))
                                   .group_by(Prompt.category).order_by(Prompt.category)).all()
    per_model = session.execute(select(Model.slug, func.count(BankAnswer.id)).join(BankAnswer)
                                .group_by(Model.slug).order_by(Model.slug)).all()
    return {"prompts": per_category, "bank": per_model}


def role_holders(session: Session) -> list[dict[str, Any]]:
    """Users holding a granted role (moderator, ministry), by user id."""
    rows = session.execute(select(UserRole, User).join(User).order_by(User.id, UserRole.role)).all()
    return [{"user": user, "role": role.role, "granted_at": role.granted_at, "granted_by": role.granted_by}
            for role, user in rows]


def audit_page(session: Session, before_id: int | None) -> dict[str, Any]:
    """One page of the audit log, newest first, and the id to page on from (None at the end)."""
    entries = audit_entries(session, limit=AUDIT_PAGE + 1, before_id=before_id)
    more = len(entries) > AUDIT_PAGE
    entries = entries[:AUDIT_PAGE]
    return {"entries": [entry_json(e) for e in entries], "older": entries[-1].id if more else None}
