"""The board a snapshot publishes: the release board with the round's frozen roster and team names. No Flask.

The models listed are those of the round's latest protocol version (its frozen roster) plus every model
of a counted vote; team names are labels of the team slugs, read once at publication and stored beside the
plain board's rows and roster (the style-controlled board's rows carry team slugs only).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.models import Model, Round, RoundProtocol, Team
from voting.leaderboard import model_name
from voting.queries import roster_models
from voting.release_board import release_board
from voting.style_release import release_style_board


def frozen_roster(session: Session, round_: Round) -> list[dict[str, Any]]:
    """{"slug", "name", "team_slug"} of the models on the round's latest protocol version (a round without
    one, made before protocols existed: its roster as it stands)."""
    slugs = session.scalars(select(RoundProtocol.roster).where(RoundProtocol.round_id == round_.id)
                            .order_by(RoundProtocol.version.desc()).limit(1)).first()
    if slugs is None:
        models = roster_models(session, round_.id)
    else:
        models = list(session.scalars(select(Model).where(Model.slug.in_(slugs)))) if slugs else []
    return [{"slug": m.slug, "name": model_name(m), "team_slug": m.team.slug} for m in models]


def with_team_names(session: Session, board: dict[str, Any]) -> dict[str, Any]:
    """The board with "team" (Korean) and "team_en" beside each row's and roster entry's team slug."""
    slugs = {entry["team_slug"] for entry in board["roster"]}
    teams = {t.slug: t for t in session.scalars(select(Team).where(Team.slug.in_(slugs)))} if slugs else {}

    def labelled(entry: dict[str, Any]) -> dict[str, Any]:
        team = teams.get(entry["team_slug"])
        return {**entry, "team": team.name_ko if team else "", "team_en": team.name_en if team else ""}

    return {**board, "models": [labelled(r) for r in board["models"]],
            "roster": [labelled(e) for e in board["roster"]]}


def published_board(session: Session, round_: Round, votes: list[dict[str, Any]],
                    protocol: dict[str, Any], styled: bool) -> dict[str, Any]:
    """The results a snapshot stores: the board, the roster with team names, the round's title, and (when
    `styled`: the votes carry their style counts) the style-controlled board on the same models. Its rows name
    models by slug, name and team slug only; team names are read from the plain board's roster."""
    board = release_board(votes, protocol, frozen_roster(session, round_))
    results = {**with_team_names(session, board), "round_title": round_.title}
    if styled:
        results["style_control"] = release_style_board(votes, protocol, board["roster"])
    return results
