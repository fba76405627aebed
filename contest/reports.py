"""The ministry's view of sampling fairness: exposure per model, pair and side, and backend errors."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from contest import queries
from contest.models import Round


def exposure_report(session: Session, round_: Round, category: str | None = None) -> dict[str, Any]:
    """Battles drawn per model (and per side), per unordered pair, and failed answers per model."""
    counts = queries.exposure(session, round_.id, category)
    errors = queries.backend_errors(session, round_.id)
    models = {rm.model_id: rm.model for rm in round_.roster}
    rows = [{"slug": m.slug, "name": m.display_name, "team": m.team.name_ko, "active": m.active,
             "battles": counts.models.get(mid, 0), "side_a": counts.side_a.get(mid, 0),
             "side_b": counts.side_b.get(mid, 0), "backend_errors": sum(errors.get(mid, {}).values()),
             "backend_error_codes": errors.get(mid, {}),
             "outage_until": m.outage_until.isoformat() if m.outage_until else None}
            for mid, m in sorted(models.items(), key=lambda kv: kv[1].slug)]
    ids = sorted(models, key=lambda mid: models[mid].slug)
    pairs = [{"models": [models[x].slug, models[y].slug],
              "battles": counts.pairs.get(frozenset((x, y)), 0)}
             for i, x in enumerate(ids) for y in ids[i + 1:]]
    return {"round": round_.id, "category": category, "models": rows, "pairs": pairs}
