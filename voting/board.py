"""From a tally to leaderboard rows: BT point ratings, intervals, ranks, counts. Pure; no Flask, no SQL.

Two rating methods, named by the round protocol's "rating_method" (every published board says which):

- LEGACY ("bootstrap-centred-1"), the method of the first snapshots: every played model in one fit with
  a vanishing ridge, percentile intervals from a multinomial bootstrap re-centred on the mean of all
  models, ranks from non-overlapping intervals. Kept verbatim so those snapshots still verify.
- ANCHORED ("anchored-sandwich-1"), the current one: only identified models are ranked (enough battles,
  a win and a loss among the ranked, in a group where the maximum-likelihood ratings exist); each group
  of models that met (a component) is fitted without a ridge, centred on its own ranked models, given
  robust (sandwich) intervals and ranked within itself. Other models are shown as "too few votes":
  rated given the fixed ranked ones, never ranked, never moving them.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from statistics import NormalDist

import numpy as np

from contest.protocol import LEGACY_RATING_METHOD as LEGACY
from contest.protocol import RATING_METHOD as ANCHORED
from contest.protocol import RATING_METHODS
from voting.rating import (RatingParams, Tally, bootstrap_bt, conditional_rating, effective_wins, fit_bt,
                           identified_components, pair_matrices, ranks_from_ci, robust_covariance)

METHOD = "bradley-terry-mle"
RANKED, TOO_FEW_VOTES = "ranked", "too_few_votes"
DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class BoardSettings:
    """Method parameters, published beside every board so it can be reproduced."""

    rounds: int = 1000
    seed: int = 20260101
    confidence: float = 0.95
    provisional_below: int = 30  # the protocol's min_battles: the least a ranked model has
    params: RatingParams = field(default_factory=RatingParams)
    method: str = ANCHORED

    def describe(self) -> dict:
        """The parameters as plain JSON (a legacy board's exactly as they were published)."""
        p = self.params
        legacy = {"method": METHOD, "bootstrap_rounds": self.rounds, "seed": self.seed,
                  "confidence": self.confidence, "provisional_below": self.provisional_below,
                  "scale": p.scale, "base": p.base, "initial": p.initial, "ties": "half a win",
                  "normalisation": f"mean {p.initial:g}"}
        if self.method == LEGACY:
            return legacy
        return {**legacy, "rating_method": self.method, "intervals": "sandwich (robust), no ridge",
                "normalisation": f"mean {p.initial:g} over each component's ranked models",
                "too_few_votes": f"fewer than {self.provisional_below} battles, or no outright win or loss"
                                 " against the ranked models"}


@dataclass(frozen=True)
class Row:
    """One model's line on the board (index into the tally's models)."""

    index: int
    rating: float
    ci: tuple[float, float]
    rank: int | None  # None: too few votes to rank
    battles: int
    win_rate: float
    provisional: bool
    status: str = RANKED
    component: int | None = None  # index into Board.components; ranks compare only within one


@dataclass(frozen=True)
class Board:
    """Rows best first (ranked ones by component, then the too-few-votes ones) and the components."""

    rows: list[Row]
    components: list[list[int]]  # tally indices of each component's ranked models

    @property
    def warnings(self) -> list[str]:
        """DISCONNECTED when the ranked models fall into groups whose ratings cannot be compared."""
        return [DISCONNECTED] if len(self.components) > 1 else []


def compute_rows(t: Tally, settings: BoardSettings) -> list[Row]:
    """Rows for the models with at least one counted battle, best first."""
    return compute_board(t, settings).rows


def compute_board(t: Tally, settings: BoardSettings) -> Board:
    """The board under the settings' rating method."""
    if settings.method == LEGACY:
        return Board(_legacy_rows(t, settings), [])
    if settings.method not in RATING_METHODS:
        raise ValueError(f"unknown rating method {settings.method!r}")
    return _anchored_board(t, settings)


def _legacy_rows(t: Tally, settings: BoardSettings) -> list[Row]:
    """The first method, unchanged: one fit of every played model, bootstrap re-centred on all of them."""
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


@dataclass(frozen=True)
class _Counts:
    """What the anchored board reads from a tally, computed once."""

    battles: np.ndarray  # per model
    score: np.ndarray  # row's wins over column, ties half, counted (for win rates)
    fitted: np.ndarray  # the same, weighted as the fit weighs them (propensity weights, when given)


def _anchored_board(t: Tally, settings: BoardSettings) -> Board:
    """Ranked components first (each fitted and centred on its own), then the too-few-votes models."""
    battles, _ = pair_matrices(t)
    counts = _Counts(battles.sum(1), effective_wins(t.counts.astype(float)), effective_wins(t.weights))
    components = identified_components(t.counts, settings.provisional_below)
    unit = np.log(settings.params.base) / settings.params.scale
    z = NormalDist().inv_cdf(0.5 + settings.confidence / 2)
    weights_sq = t.weights if t.weights_sq is None else t.weights_sq

    def elo(x: np.ndarray | float) -> np.ndarray | float:
        return x / unit + settings.params.initial

    natural = np.full(t.n_models, np.nan)  # ranked models' centred ratings, natural units
    ranked: list[Row] = []
    for c, members in enumerate(components):
        cells = np.ix_(members, members)
        s = (fit_bt(effective_wins(t.weights[cells]), replace(settings.params, ridge=0.0))
             - settings.params.initial) * unit
        se = np.sqrt(np.clip(np.diag(robust_covariance(s, t.weights[cells], weights_sq[cells])), 0.0, None))
        natural[members] = s
        ranks = ranks_from_ci(elo(s - z * se), elo(s + z * se))
        ranked += [_row(int(m), elo(s[i]), (elo(s[i] - z * se[i]), elo(s[i] + z * se[i])), int(ranks[i]), counts,
                        settings, c) for i, m in enumerate(members)]
    ranked.sort(key=lambda r: (r.component, r.rank, -r.rating, r.index))
    too_few = []
    for m in np.flatnonzero((counts.battles > 0) & np.isnan(natural)):
        best, x, se = _rated_given_the_ranked(int(m), natural, components, counts)
        too_few.append(_row(int(m), elo(x), (elo(x - z * se), elo(x + z * se)), None, counts, settings, best))
    too_few.sort(key=lambda r: (-r.battles, r.index))
    return Board(ranked + too_few, [[int(m) for m in g] for g in components])


def _row(m: int, rating: float, ci: tuple[float, float], rank: int | None, counts: _Counts,
         settings: BoardSettings, component: int | None) -> Row:
    return Row(index=m, rating=float(rating), ci=(float(ci[0]), float(ci[1])), rank=rank,
               battles=int(counts.battles[m]), win_rate=float(counts.score[m].sum() / counts.battles[m]),
               provisional=bool(counts.battles[m] < settings.provisional_below),
               status=RANKED if rank is not None else TOO_FEW_VOTES, component=component)


def _rated_given_the_ranked(m: int, natural: np.ndarray, components: list[np.ndarray],
                            counts: _Counts) -> tuple[int | None, float, float]:
    """(component, rating, standard error) of a model below the minimum, in natural units: rated against
    the component it met most, whose ratings are held fixed; None when it met no ranked model."""
    met = [float((counts.score[m] + counts.score[:, m])[g].sum()) for g in components]
    best = int(np.argmax(met)) if met and max(met) > 0 else None
    opponents = components[best] if best is not None else np.array([], dtype=int)
    x, se = conditional_rating(counts.fitted[m, opponents], counts.fitted[opponents, m], natural[opponents])
    return best, x, se


def matrix_payload(t: Tally) -> dict:
    """Pairwise battle counts and win rates (row over column, ties half), JSON-ready."""
    battles, rate = pair_matrices(t)
    return {"battles": battles.astype(int).tolist(),
            "win_rate": [[None if np.isnan(v) else round(float(v), 4) for v in row] for row in rate]}
