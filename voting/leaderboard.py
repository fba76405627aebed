"""The leaderboard and matrix payloads of a round: live counts (or SQL) to ratings. No Flask."""
from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache

from sqlalchemy.orm import Session

from contest.models import Model, Round
from voting import queries
from voting.board import METHOD, BoardSettings, Row, compute_rows, matrix_payload
from voting.live import ALL, Cells, LiveBoard
from voting.rating import tally_from_cells

log = logging.getLogger("arena.voting.leaderboard")


def model_name(model: Model) -> str:
    """What voters see after voting: display name and version."""
    return f"{model.display_name} {model.version}".strip()


def team_name(model: Model, lang: str) -> str:
    """The team's name in the request's language (Korean by default)."""
    return model.team.name_en if lang == "en" else model.team.name_ko


def current_cells(session: Session, board: LiveBoard, round_id: str, category: str) -> tuple[Cells, str]:
    """Pair counts from the live board, or from SQL while it is rebuilding or unreachable."""
    try:
        if not board.rebuilding():
            return board.cells(round_id, category), "live"
    except Exception as exc:  # Redis down: SQL is the truth anyway
        log.warning("live board unavailable, reading SQL: %s", exc)
    return queries.counted_cells(session, round_id, None if category == ALL else category), "sql"


@lru_cache(maxsize=64)
def _cached_rows(n: int, cells: tuple, settings: BoardSettings) -> tuple[Row, ...]:
    # Keyed by the exact counts, so a cached board is never stale.
    return tuple(compute_rows(tally_from_cells(n, dict(cells)), settings))


def _tally_and_models(session: Session, round_id: str, cells: Cells) -> tuple[list[Model], dict[tuple, int]]:
    models = queries.roster_models(session, round_id)
    index = {m.id: i for i, m in enumerate(models)}
    mapped: dict[tuple, int] = {}
    for (a, b, o), n in cells.items():
        if a in index and b in index:
            key = (index[a], index[b], o)
            mapped[key] = mapped.get(key, 0) + n
    return models, mapped


def leaderboard(session: Session, board: LiveBoard, round_: Round, category: str, settings: BoardSettings,
                lang: str, now: datetime) -> dict:
    """The board of a round and category ("all" for every category)."""
    cells, source = current_cells(session, board, round_.id, category)
    models, mapped = _tally_and_models(session, round_.id, cells)
    rows = _cached_rows(len(models), tuple(sorted(mapped.items())), settings)
    rated = {r.index for r in rows}
    return {
        "round": round_.id, "category": category, "computed_at": now.isoformat().replace("+00:00", "Z"),
        "votes": sum(mapped.values()), "method": METHOD, "params": settings.describe(), "source": source,
        "models": [{"rank": r.rank, "name": model_name(models[r.index]), "team": team_name(models[r.index], lang),
                    "rating": round(r.rating, 2), "ci": [round(r.ci[0], 2), round(r.ci[1], 2)],
                    "battles": r.battles, "win_rate": round(r.win_rate, 4), "provisional": r.provisional}
                   for r in rows],
        "unrated": [model_name(m) for i, m in enumerate(models) if i not in rated],
    }


def matrix(session: Session, board: LiveBoard, round_: Round, category: str, lang: str) -> dict:
    """Pairwise battle counts and win rates of the round's models."""
    cells, source = current_cells(session, board, round_.id, category)
    models, mapped = _tally_and_models(session, round_.id, cells)
    payload = matrix_payload(tally_from_cells(len(models), mapped)) if models else {"battles": [], "win_rate": []}
    return {"round": round_.id, "category": category, "source": source,
            "models": [{"name": model_name(m), "team": team_name(m, lang)} for m in models], **payload}

