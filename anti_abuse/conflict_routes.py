"""A citizen's conflict-of-interest declaration: read it, make or change it."""
from __future__ import annotations

from typing import Annotated

from flask import jsonify, redirect, render_template, request, url_for
from pydantic import Field, StringConstraints
from sqlalchemy import select

from anti_abuse.blueprint import bp
from anti_abuse.conflicts import ConflictError, current, declaration_json, declare
from app.auth import current_user, login_required, require_user
from app.auth_routes import safe_next
from app.bodies import Body, Text, parse_body
from app.db import get_session, utcnow
from app.errors import ApiError, Unauthorized
from app.i18n import current_lang
from app.openapi import api_doc
from contest.models import Model, Round, RoundModel, Team

TeamSlug = Annotated[Text, StringConstraints(min_length=1, max_length=40)]


class ConflictBody(Body):
    """`PUT /api/me/conflicts`: the participating teams you work for or are closely tied to (empty: none)."""

    teams: Annotated[list[TeamSlug], Field(max_length=50)]


@bp.get("/api/me/conflicts")
@api_doc(tags=["moderation"])
@login_required
def my_conflicts():
    """Your declaration of ties to participating teams (`declared`: false until you make one)."""
    return jsonify(declaration_json(current(get_session(), require_user().id)))


@bp.put("/api/me/conflicts")
@api_doc(request=ConflictBody, tags=["moderation"])
@login_required
def declare_conflicts():
    """Declare your ties; your votes on those teams' battles, earlier ones included, do not count."""
    body = parse_body(ConflictBody)
    session = get_session()
    try:
        row, voided = declare(session, require_user(), list(body.teams), utcnow())
    except ConflictError as exc:
        raise ApiError(code=exc.code, status=exc.status) from None
    session.commit()
    return jsonify({**declaration_json(row), "excluded_votes": voided})


# --- The page: asked once right after the account is created, and changeable from the account page. ---

def participating_teams(session) -> list[Team]:
    """Teams with a model in a round that is not a draft (the public ones), by name."""
    stmt = (select(Team).join(Model, Model.team_id == Team.id).join(RoundModel, RoundModel.model_id == Model.id)
            .join(Round, Round.id == RoundModel.round_id).where(Round.status != "draft").distinct()
            .order_by(Team.name_ko))
    return list(session.scalars(stmt))


@bp.route("/account/conflicts", methods=["GET", "POST"])
def conflicts_page():
    """Declare ties to participating teams (none is an answer too); then on to where the citizen was going."""
    user = current_user()
    if user is None:
        if request.method == "POST":
            raise Unauthorized()  # no state change is open to anonymous visitors
        return redirect(url_for("auth.login_page", next=request.full_path.rstrip("?")))
    session = get_session()
    next_path = safe_next(request.values.get("next"))
    teams = participating_teams(session)
    error = None
    if request.method == "POST":
        chosen = request.form.getlist("team")
        none = request.form.get("none") == "yes"
        if bool(chosen) == none:  # ties or none: exactly one of them
            error = "conflict_choice"
        else:
            try:
                declare(session, user, [] if none else chosen, utcnow())
            except ConflictError as exc:
                session.rollback()
                error = exc.code
            else:
                session.commit()
                return redirect(next_path)  # 302, as the end of any login
    row = current(session, user.id)
    declared = set(request.form.getlist("team")) if error else set(row.teams if row else [])
    return render_template("anti_abuse/conflicts.html", teams=teams, declared=declared, row=row, error=error,
                           first=request.values.get("first") == "1", next_path=next_path,
                           lang=current_lang()), 422 if error else 200


def after_signup(next_path: str) -> str:
    """Where a new account goes first (the shell's `after_signup` hook): the declaration, then `next_path`."""
    return url_for("anti_abuse.conflicts_page", next=next_path, first=1)
