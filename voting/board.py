"""From a tally to leaderboard rows: BT point ratings, bootstrap CIs, ranks, counts. Pure; no Flask, no SQL."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from voting.rating import RatingParams, Tally, bootstrap_bt, effective_wins, fit_bt, pair_matrices, ranks_from_ci

METHOD = "bradley-terry-mle"


@dataclass(frozen=True)
class BoardSettings:
    """Method parameters, published beside every board so it can be reproduced."""

    rounds: int = 1000
    seed: int = 20260101
    confidence: float = 0.95
    provisional_below: int = 30
    params: RatingParams = field(default_factory=RatingParams)

    def describe(self) -> dict:
        """The parameters as plain JSON."""
        p = self.params
        return {"method": METHOD, "bootstrap_rounds": self.rounds, "seed": self.seed,
                "confidence": self.confidence, "provisional_below": self.provisional_below,
                "scale": p.scale, "base": p.base, "initial": p.initial, "ties": "half a win",
                "normalisation": f"mean {p.initial:g}"}


@dataclass(frozen=True)
class Row:
    """One model's line on the board (index into the tally's models)."""

    index: int
    rating: float
    ci: tuple[float, float]
    rank: int
    battles: int
    win_rate: float
    provisional: bool


def compute_rows(t: Tally, settings: BoardSettings) -> list[Row]:
    """Rows for the models with at least one counted battle, best first."""
    battles, rate = pair_matrices(t)
    played = np.flatnonzero(battles.sum(1) > 0)
    if played.size == 0:
        return []
    sub = Tally(counts=t.counts[np.ix_(played, played)], weights=t.weights[np.ix_(played, played)])
    rating = fit_bt(effective_wins(sub.weights), settings.params)
    samples = bootstrap_bt(sub, settings.rounds, np.random.default_rng(settings.seed), settings.params, rating)
    tail = (1 - settings.confidence) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail], axis=0)
    ranks = ranks_from_ci(low, high)
    n_battles = battles[np.ix_(played, played)].sum(1)
    wins = effective_wins(sub.counts.astype(float)).sum(1)
    rows = [Row(index=int(m), rating=float(rating[i]), ci=(float(low[i]), float(high[i])), rank=int(ranks[i]),
                battles=int(n_battles[i]), win_rate=float(wins[i] / n_battles[i]),
                provisional=bool(n_battles[i] < settings.provisional_below))
            for i, m in enumerate(played)]
    return sorted(rows, key=lambda r: (r.rank, -r.rating))


def matrix_payload(t: Tally) -> dict:
    """Pairwise battle counts and win rates (row over column, ties half), JSON-ready."""
    battles, rate = pair_matrices(t)
    return {"battles": battles.astype(int).tolist(),
            "win_rate": [[None if np.isnan(v) else round(float(v), 4) for v in row] for row in rate]}
