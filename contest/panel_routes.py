"""The citizen panel's routes: the ministry creates panels and issues codes; a citizen redeems a code and
works through the assigned battles. The report (votes, weights, boards) is voting's."""
from __future__ import annotations

from typing import Annotated

import random

from flask import Blueprint, current_app, jsonify, request
from pydantic import Field, StringConstraints
from sqlalchemy import select
from pydantic.json_schema import SkipJsonSchema

from app.auth import guard_blueprint, login_required, require_user
from app.bodies import Body, Text, parse_body
from app.db import get_session, utcnow
from app.errors import error_response
from app.i18n import t
from app.openapi import api_doc
from contest.api import answer_response, arena_settings, sampling_rng
from contest.blueprint import bp
from contest.models import SLUG, Model, Prompt, Team
from contest.panels import (PanelError, claim, create_panel, find_panel, issue_invitations, list_panels, next_for,
                            panel_json, playable, redeem, revoke_invitations)
from contest.service import BattleRequest, available_models, start_battle

panel_admin_bp = Blueprint("panel_admin", __name__, url_prefix="/api/admin")
guard_blueprint(panel_admin_bp, "ministry")
panel_bp = Blueprint("panel", __name__, url_prefix="/api/panel")

Slug = Annotated[Text, StringConstraints(pattern=SLUG, max_length=40)]
Name = Annotated[Text, StringConstraints(min_length=1, max_length=40)]
Share = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


class PanelCreate(Body):
    """`POST /api/admin/panels`: the design. `targets` are quotas per level; `margins` population shares."""

    round: Slug
    id: Slug | SkipJsonSchema[None] = None
    strata: Annotated[dict[Name, Annotated[list[Name], Field(max_length=30)]], Field(max_length=6)]
    margins: dict[Name, dict[Name, Share]]
    targets: dict[Name, dict[Name, Count]]
    quota: Annotated[int, Field(ge=1, le=500)] | SkipJsonSchema[None] = None
    trim: Annotated[list[Annotated[float, Field(ge=0.01, le=100)]], Field(min_length=2, max_length=2)] \
        | SkipJsonSchema[None] = None
    max_points: Annotated[float, Field(ge=0.01, le=1000)] | SkipJsonSchema[None] = None


class InvitationsBody(Body):
    """`POST /api/admin/panels/<id>/invitations`: how many codes, for which stratum."""

    count: Annotated[int, Field(ge=1, le=1000)]
    stratum: dict[Name, Name]


class RevokeBody(Body):
    """`POST /api/admin/panels/<id>/invitations/revoke`: the codes to withdraw."""

    codes: Annotated[list[Annotated[Text, StringConstraints(max_length=40)]], Field(min_length=1, max_length=1000)]


class RedeemBody(Body):
    """`POST /api/panel/redeem`: the code from the invitation letter."""

    code: Annotated[Text, StringConstraints(max_length=40)]


@panel_admin_bp.errorhandler(PanelError)
@panel_bp.errorhandler(PanelError)
def _panel_error(exc: PanelError):
    return error_response(exc.status, exc.code, t(f"error.{exc.code}", **exc.params))


def _created(payload: dict):
    get_session().commit()
    resp = jsonify(payload)
    resp.status_code = 201
    return resp


@panel_admin_bp.get("/panels")
@api_doc(tags=["admin"])
def panels_index():
    """Every panel, newest first (ministry only)."""
    return jsonify({"panels": [panel_json(p) for p in list_panels(get_session())]})


@panel_admin_bp.post("/panels")
@api_doc(request=PanelCreate, tags=["admin"])
def panels_create():
    """Create a citizen panel for a round (ministry only)."""
    body = parse_body(PanelCreate)
    data = body.model_dump()
    data["id"] = body.id or f"{body.round[:34]}-panel"
    panel = create_panel(get_session(), require_user(), data, utcnow())
    return _created({"id": panel.id, **panel_json(panel)})


@panel_admin_bp.get("/panels/<panel_id>")
@api_doc(tags=["admin"])
def panels_show(panel_id: str):
    """One panel's design (ministry only)."""
    return jsonify(panel_json(find_panel(get_session(), panel_id)))


@panel_admin_bp.post("/panels/<panel_id>/invitations")
@api_doc(request=InvitationsBody, tags=["admin"])
def panels_invite(panel_id: str):
    """Issue single-use invitation codes for one stratum; they are shown once and stored only hashed."""
    body = parse_body(InvitationsBody)
    codes = issue_invitations(get_session(), require_user(), panel_id, body.count, dict(body.stratum), utcnow())
    return _created({"codes": codes, "stratum": dict(body.stratum)})


@panel_admin_bp.post("/panels/<panel_id>/invitations/revoke")
@api_doc(request=RevokeBody, tags=["admin"])
def panels_revoke(panel_id: str):
    """Withdraw unredeemed codes (all or none)."""
    body = parse_body(RevokeBody)
    revoked = revoke_invitations(get_session(), require_user(), panel_id, list(body.codes), utcnow())
    get_session().commit()
    return jsonify({"revoked": revoked})


@panel_bp.post("/redeem")
@login_required
@api_doc(request=RedeemBody)
def panel_redeem():
    """Join a panel with an invitation code: 404 unknown, 409 already used (failures are rate-limited)."""
    body = parse_body(RedeemBody)
    member = redeem(get_session(), require_user(), body.code, utcnow(), _secret_rng())
    get_session().commit()
    return jsonify({"panel": member.panel_id, "stratum": member.stratum})


def _secret_rng() -> random.Random:
    """Assignments must not be predictable from anything a citizen can see."""
    return random.SystemRandom()


def _next_json(found) -> dict:
    a = found.assignment
    out = {"panel": found.panel.id, "round": found.panel.round_id, "state": found.state,
           "progress": {"done": found.progress.done, "quota": found.progress.quota}}
    if a is not None:
        prompt = get_session().get(Prompt, a.prompt_id)
        out.update({"position": found.progress.done + 1, "category": a.category,
                    "prompt": {"id": prompt.id, "text": prompt.text, "language": prompt.language},
                    "battle": found.battle.id if found.battle is not None else None})
    return out


def _standing():
    found = next_for(get_session(), require_user().id, _secret_rng(), request.args.get("panel"))
    if found is None:
        raise PanelError("not_a_member", 404)
    if found.state in ("not_open", "closed"):
        raise PanelError("round_not_started" if found.state == "not_open" else "round_closed", 409)
    return found


@panel_bp.get("/next")
@login_required
@api_doc()
def panel_next():
    """The member's next assigned battle and progress; 204 when the quota is done; 404 for a non-member,
    409 while the round has not opened or after it closed."""
    found = _standing()
    get_session().commit()  # a sequence may have been dealt
    if found.assignment is None:
        return "", 204
    return jsonify(_next_json(found))


def _avoided_models(round_) -> set[int]:
    """Models of the teams this citizen declared ties to (anti_abuse's `conflict_teams` hook)."""
    teams_of = current_app.extensions.get("conflict_teams")
    slugs = teams_of(get_session(), require_user().id) if teams_of else set()
    if not slugs:
        return set()
    ids = {rm.model_id for rm in round_.roster}
    rows = get_session().execute(select(Model.id).join(Team, Team.id == Model.team_id)
                                 .where(Model.id.in_(ids), Team.slug.in_(slugs)))
    return {model_id for (model_id,) in rows}


@panel_bp.post("/battles")
@login_required
@api_doc()
def panel_battle():
    """Start the member's next assigned battle (its prompt and its pair), answered like POST /api/battles."""
    session = get_session()
    user = require_user()
    found = _standing()
    if found.assignment is None:
        raise PanelError("quota_done", 409)
    if found.battle is not None:
        raise PanelError("battle_in_progress", 409)
    a, round_, rng, now = found.assignment, found.round, _secret_rng(), utcnow()
    previous = a.battle_id  # a voided battle of this assignment, or None
    prompt_id, pair = playable(session, round_, a, user.id, lambda p: available_models(session, round_, p, now),
                               _avoided_models(round_), rng)
    prepared = start_battle(session, user.id, round_, BattleRequest(prompt_id=prompt_id, pair=pair),
                            arena_settings(), sampling_rng(), now)
    claim(session, a, previous, prepared.battle.id)
    a.prompt_id, a.model_a_id, a.model_b_id = prompt_id, prepared.battle.model_a_id, prepared.battle.model_b_id
    session.commit()
    return answer_response(prepared)


bp.register_blueprint(panel_admin_bp)
bp.register_blueprint(panel_bp)
