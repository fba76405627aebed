"""The catalogue the ministry keeps: teams and their models (entrants), every change in the audit log.

No Flask here: callers pass the session, the acting user and the clock; the route commits.
A model on the roster of a round that is open or closed (until it is published) keeps what it is
(team, name, version, backend), and its team keeps its names, since votes, the public log and the
snapshot name them; only `active` may change (withdrawal, outage). A refused change has been
written first (so SQLite's single writer serialises it too) and the caller rolls it back.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import record_change
from app.models import User
from contest.catalog_freeze import frozen_rounds
from contest.models import Model, Team

TEAM_FIELDS = ("name_ko", "name_en")
MODEL_FIELDS = ("team", "display_name", "version", "active", "backend")
# What a model is: frozen while it is on the roster of a frozen round.
FROZEN_IN_OPEN_ROUND = ("team", "display_name", "version", "backend")


class CatalogError(Exception):
    """A catalogue change that cannot be made; `code` says why, the subclass what kind of refusal."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class CatalogMissing(CatalogError):
    """The team or model named in the path does not exist."""


class CatalogConflict(CatalogError):
    """The change clashes with what is stored (a taken slug, a model in an open round)."""


class CatalogInvalid(CatalogError):
    """The change names something that does not exist (an unknown team)."""


def team_json(team: Team) -> dict[str, Any]:
    """A team as the API shows it and the audit log records it."""
    return {"slug": team.slug, "name_ko": team.name_ko, "name_en": team.name_en}


def model_json(model: Model) -> dict[str, Any]:
    """A model as the API shows it and the audit log records it (the backend names no secret)."""
    return {"slug": model.slug, "team": model.team.slug, "display_name": model.display_name,
            "version": model.version, "active": model.active, "backend": dict(model.backend or {})}


def teams(session: Session) -> list[Team]:
    """Every team, by slug."""
    return list(session.scalars(select(Team).order_by(Team.slug)))


def models(session: Session) -> list[Model]:
    """Every model, by slug."""
    return list(session.scalars(select(Model).order_by(Model.slug)))


def team_by_slug(session: Session, slug: str, lock: bool = False) -> Team | None:
    """The team with this slug (row-locked FOR UPDATE on PostgreSQL with `lock`), or None."""
    stmt = select(Team).where(Team.slug == slug)
    return session.scalars(stmt.with_for_update(of=Team) if lock else stmt).first()


def model_by_slug(session: Session, slug: str, lock: bool = False) -> Model | None:
    """The model with this slug (row-locked FOR UPDATE on PostgreSQL with `lock`), or None."""
    stmt = select(Model).where(Model.slug == slug)
    return session.scalars(stmt.with_for_update(of=Model) if lock else stmt).first()


def _create(session: Session, actor: User, now: datetime, row: Team | Model) -> None:
    """Insert a new team or model and audit it (<kind>.create); a taken slug is <kind>_exists (409),
    also when a concurrent request takes it between the check and the insert."""
    kind = "team" if isinstance(row, Team) else "model"
    if session.scalars(select(type(row)).where(type(row).slug == row.slug)).first() is not None:
        raise CatalogConflict(f"{kind}_exists")
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise CatalogConflict(f"{kind}_exists") from None
    as_json = team_json if kind == "team" else model_json
    record_change(session, actor, f"{kind}.create", kind, row.slug, now, after=as_json(row))


def _update(session: Session, actor: User, now: datetime, row: Team | Model, changes: Mapping[str, Any],
            guard: Callable[[dict[str, Any]], None] = lambda changed: None) -> None:
    """Apply the changes that differ from what is stored, then let `guard` see them (it raises to
    refuse; the caller rolls back); audited as <kind>.update with before and after (nothing changed:
    nothing written, nothing logged)."""
    kind, fields, as_json = ("team", TEAM_FIELDS, team_json) if isinstance(row, Team) else \
        ("model", MODEL_FIELDS, model_json)
    before = as_json(row)
    changed = {key: value for key, value in changes.items() if key in fields and before[key] != value}
    if not changed:
        return
    for key, value in changed.items():
        setattr(row, key, _team_for(session, value) if key == "team" else value)
    session.flush()
    guard(changed)
    record_change(session, actor, f"{kind}.update", kind, row.slug, now, before=before, after=as_json(row))


def create_team(session: Session, actor: User, now: datetime, slug: str, name_ko: str, name_en: str) -> Team:
    """A new team (409 team_exists when the slug is taken); audited as team.create."""
    team = Team(slug=slug, name_ko=name_ko, name_en=name_en, created_at=now)
    _create(session, actor, now, team)
    return team


def update_team(session: Session, actor: User, now: datetime, slug: str, changes: Mapping[str, Any]) -> Team:
    """Rename a team (404 unknown_team; 409 team_in_round while one of its models is on the roster
    of an open or closed round); audited as team.update when anything changed."""
    team = team_by_slug(session, slug, lock=True)
    if team is None:
        raise CatalogMissing("unknown_team")

    def frozen_in_round(_changed: dict[str, Any]) -> None:
        if frozen_rounds(session, session.scalars(select(Model.id).where(Model.team_id == team.id))):
            raise CatalogConflict("team_in_round")

    _update(session, actor, now, team, changes, frozen_in_round)
    return team


def _team_for(session: Session, slug: str) -> Team:
    team = team_by_slug(session, slug)
    if team is None:
        raise CatalogInvalid("unknown_team")
    return team


def create_model(session: Session, actor: User, now: datetime, slug: str, fields: Mapping[str, Any]) -> Model:
    """A new model of an existing team (422 unknown_team, 409 model_exists); audited as model.create."""
    model = Model(slug=slug, team_id=_team_for(session, fields["team"]).id, display_name=fields["display_name"],
                  version=fields["version"], backend=dict(fields["backend"]),
                  active=fields.get("active", True), created_at=now)
    _create(session, actor, now, model)
    return model


def update_model(session: Session, actor: User, now: datetime, slug: str, changes: Mapping[str, Any]) -> Model:
    """Change a model (404 unknown_model); what it is stays frozen while an open or closed round has
    it (409 model_in_open_round), only `active` may change then. Audited as model.update."""
    model = model_by_slug(session, slug, lock=True)
    if model is None:
        raise CatalogMissing("unknown_model")

    def frozen_in_open_round(changed: dict[str, Any]) -> None:
        if any(key in FROZEN_IN_OPEN_ROUND for key in changed) and frozen_rounds(session, [model.id]):
            raise CatalogConflict("model_in_open_round")

    _update(session, actor, now, model, changes, frozen_in_open_round)
    return model
