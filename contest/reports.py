"""The ministry's view of sampling fairness: exposure per model, pair and side, the gaps at the round
level and in each category with the bound each is held to, and backend errors."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from contest import queries
from contest.models import Model, Round
from contest.sampling import (CATEGORY_BOUND, CATEGORY_LIMIT, PAIR_SIDES_LIMIT, ROUND_BOUND, Exposure,
                              pair_key)

# What each level is held to (contest/sampling.py): "aim" where the other level allows it,
# "usual" otherwise, never above "limit" among level models.
# "pair_sides": how far apart a pair's two orders (x on side A against y, and y against x) may be.
BOUNDS = {"round": {"aim": 1, "usual": ROUND_BOUND, "limit": ROUND_BOUND, "pair_sides": PAIR_SIDES_LIMIT},
          "category": {"aim": 1, "usual": CATEGORY_BOUND, "limit": CATEGORY_LIMIT, "pair_sides": None}}


def _available(models: dict[int, Model], now: datetime | None) -> list[int]:
    """Roster models that can be drawn: active, and (given `now`) not in outage; by slug."""
    ids = [mid for mid, m in models.items()
           if m.active and (now is None or m.outage_until is None or m.outage_until <= now)]
    return sorted(ids, key=lambda mid: models[mid].slug)


def _gaps(counts: Exposure, ids: list[int]) -> dict[str, int]:
    if len(ids) < 2:
        return {"models": 0, "pairs": 0, "sides": 0, "pair_sides": 0}
    model_gap, pair_gap, side_gap = counts.gaps(ids)
    return {"models": model_gap, "pairs": pair_gap, "sides": side_gap, "pair_sides": counts.pair_sides(ids)}


def _balance(counts: Exposure, models: dict[int, Model], level: str, now: datetime | None) -> dict[str, Any]:
    """Raw gaps among the available models, whether they are within the bound, and who is behind.

    `behind`: available models short of the most battles by more than the bound (one that joined
    late or came back from an outage, while it catches up; or a fault). `within_bound` is about the
    raw gaps, so it is false while any model is behind; `level_gaps` are those among the others."""
    ids, bound = _available(models, now), BOUNDS[level]
    top = max((counts.models.get(mid, 0) for mid in ids), default=0)
    behind = [mid for mid in ids if counts.models.get(mid, 0) < top - bound["limit"]]
    gaps, level_gaps = _gaps(counts, ids), _gaps(counts, [mid for mid in ids if mid not in behind])

    def within(found: dict[str, int]) -> bool:
        return (max(found["models"], found["pairs"], found["sides"]) <= bound["limit"]
                and (bound["pair_sides"] is None or found["pair_sides"] <= bound["pair_sides"]))

    return {"gaps": gaps, "bound": bound, "within_bound": within(gaps), "behind": [models[m].slug for m in behind],
            "level_gaps": level_gaps, "level_within_bound": within(level_gaps)}


def _pairs(counts: Exposure, models: dict[int, Model]) -> list[dict[str, Any]]:
    ids = sorted(models, key=lambda mid: models[mid].slug)
    return [{"models": [models[x].slug, models[y].slug], "battles": counts.pairs.get(pair_key(x, y), 0)}
            for i, x in enumerate(ids) for y in ids[i + 1:]]


def _category_row(name: str, counts: Exposure, models: dict[int, Model], now: datetime | None) -> dict[str, Any]:
    rows = [{"slug": m.slug, "battles": counts.models.get(mid, 0), "side_a": counts.side_a.get(mid, 0),
             "side_b": counts.side_b.get(mid, 0)} for mid, m in sorted(models.items(), key=lambda kv: kv[1].slug)]
    return {"category": name, "battles": sum(counts.pairs.values()), "models": rows,
            "pairs": _pairs(counts, models), **_balance(counts, models, "category", now)}


def exposure_report(session: Session, round_: Round, category: str | None = None,
                    now: datetime | None = None) -> dict[str, Any]:
    """Battles per model (and side) and per unordered pair, the gaps and their bounds, backend errors.

    Gaps are taken among the active roster models, less those in outage at `now` when it is given
    (a published snapshot, about the whole round, gives none).
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
              **_balance(counts, models, "round" if category is None else "category", now)}
    if category is None:
        names = list(round_.categories) + sorted(set(every.categories) - set(round_.categories))
        report["categories"] = [_category_row(name, every.category(name), models, now) for name in names]
    else:
        report["round_level"] = _balance(every.total, models, "round", now)
    return report
