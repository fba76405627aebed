"""What a voter learns once the vote is stored: the one place a revealed model's name and team are built.

The vote response (voting), the reloaded battle page (contest) and a shared battle (voting) all use it,
so the same battle reads the same everywhere. Pure: plain values in, plain values out.
"""
from __future__ import annotations

from typing import Any


def revealed_name(display_name: str, version: str) -> str:
    """Display name and version, as on the leaderboard."""
    return f"{display_name} {version or ''}".strip()


def revealed_team(team_ko: str, team_en: str, lang: str) -> str:
    """The team's name in the request's language (Korean by default)."""
    return team_en if lang == "en" else team_ko


def revealed_side(display_name: str, version: str, team_ko: str, team_en: str, lang: str) -> dict[str, str]:
    """`{"name", "team"}` of one side, the shape of the vote response's `models.a` and `models.b`."""
    return {"name": revealed_name(display_name, version), "team": revealed_team(team_ko, team_en, lang)}


def revealed_model(model: Any, lang: str) -> dict[str, str]:
    """`revealed_side` of a contest `Model` row (with its team loaded)."""
    return revealed_side(model.display_name, model.version, model.team.name_ko, model.team.name_en, lang)


def revealed_battle(battle: Any, lang: str) -> dict[str, dict[str, str]]:
    """Both sides of a voted battle: `{"a": {...}, "b": {...}}`."""
    return {"a": revealed_model(battle.model_a, lang), "b": revealed_model(battle.model_b, lang)}
