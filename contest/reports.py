"""The ministry's view of sampling fairness: exposure per model, pair and side, the gaps at the round
level and in each category with the bound each is held to, and backend errors."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from contest import queries
from contest.models import Model, Round
from contest.sampling import CATEGORY_BOUND, CATEGORY_LIMIT, ROUND_BOUND, Exposure, pair_key

# What each level is held to (contest/sampling.py): "aim" where the other level allows it,
# "usual" otherwise, never above "limit" among level models.
BOUNDS = {"round": {"aim": 1, "usual": ROUND_BOUND, "limit": ROUND_BOUND},
          "category": {"aim": 1, "usual": CATEGORY_BOUND, "limit": CATEGORY_LIMIT}}


def _balance(counts: Exposure, models: dict[int, Model], level: str) -> dict[str, Any]:
    """Gaps among the active roster models that are level; those still catching up are named."""
    ids = sorted((mid for mid, m in models.items() if m.active), key=lambda mid: models[mid].slug)
    bound = BOUNDS[level]
    if len(ids) < 2:
        return {"gaps": {"models": 0, "pairs": 0, "sides": 0}, "bound": bound, "within_bound": True, "behind": []}
    state = counts.level(ids, bound["limit"])
    model_gap, pair_gap, side_gap = state.gaps()
    return {"gaps": {"models": model_gap, "pairs": pair_gap, "sides": side_gap}, "bound": bound,
            "within_bound": max(model_gap, pair_gap, side_gap) <= bound["limit"],
            "behind": [models[mid].slug for i, mid in enumerate(ids) if not state.level[i]]}


def _pairs(counts: Exposure, models: dict[int, Model]) -> list[dict[str, Any]]:
    ids = sorted(models, key=lambda mid: models[mid].slug)
    return [{"models": [models[x].slug, models[y].slug], "battles": counts.pairs.get(pair_key(x, y), 0)}
            for i, x in enumerate(ids) for y in ids[i + 1:]]


def _category_row(name: str, counts: Exposure, models: dict[int, Model]) -> dict[str, Any]:
    rows = [{"slug": m.slug, "battles": counts.models.get(mid, 0), "side_a": counts.side_a.get(mid, 0),
             "side_b": counts.side_b.get(mid, 0)} for mid, m in sorted(models.items(), key=lambda kv: kv[1].slug)]
    return {"category": name, "battles": sum(counts.pairs.values()), "models": rows,
            "pairs": _pairs(counts, models), **_balance(counts, models, "category")}


def exposure_report(session: Session, round_: Round, category: str | None = None) -> dict[str, Any]:
    """Battles per model (and side) and per unordered pair, the gaps and their bounds, backend errors.

    Without `category`: the round level, plus a "categories" breakdown (one entry per round
    category). With it: that category's counts and gaps, plus the round level's gaps."""
    every = queries.round_exposure(session, round_.id)
    counts = every.total if category is None else every.category(category)
    errors = queries.backend_errors(session, round_.id)
    models = {rm.model_id: rm.model for rm in round_.roster}
    rows = [{"slug": m.slug, "name": m.display_name, "team": m.team.name_ko, "active": m.active,
             "battles": counts.models.get(mid, 0), "side_a": counts.side_a.get(mid, 0),
             "side_b": counts.side_b.get(mid, 0), "backend_errors": sum(errors.get(mid, {}).values()),
             "backend_error_codes": errors.get(mid, {}),
             "outage_until": m.outage_until.isoformat() if m.outage_until else None}
            for mid, m in sorted(models.items(), key=lambda kv: kv[1].slug)]
    report = {"round": round_.id, "category": category, "models": rows, "pairs": _pairs(counts, models),
              **_balance(counts, models, "round" if category is None else "category")}
    if category is None:
        names = list(round_.categories) + sorted(set(every.categories) - set(round_.categories))
        report["categories"] = [_category_row(name, every.category(name), models) for name in names]
    else:
        report["round_level"] = _balance(every.total, models, "round")
    return report
