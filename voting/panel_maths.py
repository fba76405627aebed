"""The citizen panel's statistics, pure (numpy only): weights that make the panel look like the population,
and a board from weighted votes whose intervals resample members, not votes.

A panel is recruited by quota (100 per age band, 250 per region, ...), which is not how the population is
made up. Raking (iterative proportional fitting) gives every member a weight so that the weighted panel
matches the population's margin on every dimension at once; extreme weights are trimmed (and the margins
raked again) because one member standing for thirty would make the board that member's opinion. What the
weighting costs is reported as Kish's design effect, n * sum(w^2) / sum(w)^2, and the effective sample size
n / deff.

A member casts many votes, and votes of one person are alike; resampling votes would pretend they are
independent and give intervals too narrow. The board's intervals come from a bootstrap over members (the
cluster): each round draws the panel's members with replacement and refits with every vote of a drawn member
counted as often as the member was drawn.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from voting.rating import RatingParams, effective_wins, fit_bt, identified_components, ranks_from_ci

RAKE_TOLERANCE = 1e-10  # largest relative miss of any margin when raking stops
MAX_RAKE_ITERATIONS = 2_000


class WeightingError(ValueError):
    """Margins the panel cannot be weighted to (a level with members but no share, or the reverse)."""


@dataclass(frozen=True)
class PanelWeights:
    """Per-member weights (mean 1) and what they cost."""

    weights: np.ndarray
    design_effect: float
    effective_size: float  # members: n / design_effect
    trimmed: int  # members whose weight was cut to a trimming bound
    within_bounds: bool  # False: the trimming bounds could not hold with the margins, which were kept
    iterations: int
    margin_error: float  # largest relative miss of a population margin by the final weights

    def summary(self) -> dict:
        return {"members": int(self.weights.size), "min": float(self.weights.min()),
                "max": float(self.weights.max()), "design_effect": self.design_effect,
                "effective_size": self.effective_size, "trimmed": self.trimmed,
                "within_bounds": self.within_bounds,
                "margin_error": self.margin_error}


def design_effect(weights: np.ndarray) -> float:
    """Kish's design effect of unequal weights: 1 for equal weights, larger the more they vary."""
    w = np.asarray(weights, float)
    return float(w.size * (w * w).sum() / w.sum() ** 2)


def rake(levels: np.ndarray, margins: list[np.ndarray], trim: tuple[float, float] | None = (0.2, 5.0)
         ) -> PanelWeights:
    """Weights (mean 1) matching the population `margins`.

    `levels[k, d]` is member k's level on dimension d (0-based); `margins[d][l]` the population share of
    level l on dimension d (each dimension's shares sum to 1). With `trim = (low, high)`, weights are
    clipped to [low, high] times the mean, the clipped members held there and the others raked again until
    the margins hold; when bounds and margins cannot both hold, the margins win and `within_bounds` says so.
    """
    levels = np.asarray(levels, dtype=np.int64)
    n = levels.shape[0]
    shares = _checked_margins(levels, margins)
    weights, iterations = _ipf(levels, shares, np.ones(n), None)
    trimmed, within = 0, True
    if trim is not None:
        low, high = trim
        if ((weights < low) | (weights > high)).any():
            bounded, more = _ipf(levels, shares, np.clip(weights, low, high), (low, high))
            iterations += more
            if _margin_error(levels, shares, bounded) < RAKE_TOLERANCE * 100:
                weights = bounded
                trimmed = int(((bounded <= low * (1 + 1e-9)) | (bounded >= high * (1 - 1e-9))).sum())
            else:
                within = False  # the bounds and the margins cannot both hold: the margins win
    return PanelWeights(weights=weights, design_effect=design_effect(weights),
                        effective_size=float(n / design_effect(weights)), trimmed=trimmed,
                        within_bounds=within, iterations=iterations,
                        margin_error=_margin_error(levels, shares, weights))


def _checked_margins(levels: np.ndarray, margins: list[np.ndarray]) -> list[np.ndarray]:
    if levels.ndim != 2 or levels.shape[0] == 0:
        raise WeightingError("the panel has no members")
    if len(margins) != levels.shape[1]:
        raise WeightingError(f"{levels.shape[1]} dimensions but {len(margins)} margins")
    out = []
    for d, given in enumerate(margins):
        share = np.asarray(given, float)
        if share.ndim != 1 or (share < 0).any() or not np.isfinite(share).all() or abs(share.sum() - 1) > 1e-6:
            raise WeightingError(f"dimension {d}: shares must be non-negative and sum to 1")
        if levels[:, d].min() < 0 or levels[:, d].max() >= share.size:
            raise WeightingError(f"dimension {d}: a member's level has no margin")
        present = np.bincount(levels[:, d], minlength=share.size) > 0
        if (present != (share > 0)).any():
            level = int(np.flatnonzero(present != (share > 0))[0])
            raise WeightingError(f"dimension {d}, level {level}: members and population share must be both present")
        out.append(share / share.sum())
    return out


def _ipf(levels: np.ndarray, shares: list[np.ndarray], weights: np.ndarray,
         bounds: tuple[float, float] | None) -> tuple[np.ndarray, int]:
    """Iterative proportional fitting from `weights`: each dimension's weighted totals scaled to its shares
    in turn, until every margin holds. Members at a trimming bound keep it (their level's others absorb
    the rest), so trimming and raking converge together."""
    n = weights.size
    w = weights.copy()
    fixed = np.zeros(n, dtype=bool)
    for it in range(1, MAX_RAKE_ITERATIONS + 1):
        for d, share in enumerate(shares):
            lv = levels[:, d]
            free_total = np.bincount(lv, weights=np.where(fixed, 0.0, w), minlength=share.size)
            fixed_total = np.bincount(lv, weights=np.where(fixed, w, 0.0), minlength=share.size)
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(free_total > 0, (share * n - fixed_total) / free_total, 1.0)
            w = np.where(fixed, w, w * np.maximum(factor, 0.0)[lv])
        if bounds is not None:
            low, high = bounds
            hit = ~fixed & ((w < low) | (w > high))
            if hit.any():
                w = np.clip(w, low, high)
                fixed |= hit
                continue
        if _margin_error(levels, shares, w) < RAKE_TOLERANCE:
            return w * (n / w.sum()), it
    return w * (n / w.sum()), MAX_RAKE_ITERATIONS


def _margin_error(levels: np.ndarray, shares: list[np.ndarray], w: np.ndarray) -> float:
    total = w.sum()
    worst = 0.0
    for d, share in enumerate(shares):
        got = np.bincount(levels[:, d], weights=w, minlength=share.size) / total
        positive = share > 0
        worst = max(worst, float(np.max(np.abs(got[positive] - share[positive]) / share[positive])))
    return worst


# --- The weighted board with a member (cluster) bootstrap. ---

@dataclass(frozen=True)
class PanelVotes:
    """A panel's counted votes: model indices of sides A and B, outcome (rating.A_WINS/B_WINS/TIE), the
    voting member (0-based, into the weights) and the member weights."""

    a: np.ndarray
    b: np.ndarray
    outcome: np.ndarray
    member: np.ndarray
    weights: np.ndarray  # per member
    n_models: int


@dataclass(frozen=True)
class PanelBoard:
    """Weighted ratings (Elo scale, mean `initial` over each component's rated models), member-bootstrap
    intervals, ranks from the intervals within each component; models below the minimum have NaN, rank and
    component None."""

    rating: np.ndarray
    low: np.ndarray
    high: np.ndarray
    rank: list[int | None]
    battles: np.ndarray
    effective_votes: float  # Kish effective number of votes
    effective_members: float  # Kish effective number of members who voted
    components: list[list[int]] = field(default_factory=list)  # the rated models of each, largest first
    component: list[int | None] = field(default_factory=list)  # each model's index into `components`


def member_cells(v: PanelVotes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(members who voted, their cell index, each member's weighted votes per cell as a dense matrix).

    The bootstrap then needs one matrix product per batch of rounds: multiplicities x this matrix."""
    cells = (np.asarray(v.a, np.int64) * v.n_models + np.asarray(v.b, np.int64)) * 3 + np.asarray(v.outcome)
    voters, member_row = np.unique(np.asarray(v.member, np.int64), return_inverse=True)
    size = v.n_models * v.n_models * 3
    matrix = np.zeros((voters.size, size))
    np.add.at(matrix, (member_row, cells), v.weights[voters][member_row])
    return voters, cells, matrix


def panel_board(v: PanelVotes, rounds: int, rng: np.random.Generator, params: RatingParams = RatingParams(),
                confidence: float = 0.95, min_battles: int = 1) -> PanelBoard:
    """The weighted Bradley-Terry board of a panel's votes with a member bootstrap.

    Rated are the models the open board would rank (`rating.identified_components`: at least `min_battles`
    votes, an outright win and loss among the others, in a group that met); each such component is fitted
    on its own without a ridge, centred on its mean, and ranked within itself. Each bootstrap
    round draws as many voting members as voted, with replacement, and refits, with a
    vanishing ridge so a round in which a model happens never to lose stays finite; the percentile
    interval of those fits is the interval. Ranks: 1 + the number of models whose interval lies wholly above.
    """
    n = v.n_models
    voters, _cells, matrix = member_cells(v)
    counts = np.bincount(((np.asarray(v.a) * n + np.asarray(v.b)) * 3 + np.asarray(v.outcome)),
                         minlength=n * n * 3).reshape(n, n, 3)
    components = identified_components(counts, min_battles)
    battles = (counts.sum(2) + counts.sum(2).T).sum(1)
    rating = np.full(n, np.nan)
    low, high = np.full(n, np.nan), np.full(n, np.nan)
    ranks: list[int | None] = [None] * n
    component: list[int | None] = [None] * n
    vote_w = np.asarray(v.weights, float)[np.asarray(v.member, np.int64)]
    ess_votes = float(vote_w.sum() ** 2 / (vote_w * vote_w).sum()) if vote_w.size else 0.0
    member_w = np.asarray(v.weights, float)[voters]
    ess_members = float(member_w.sum() ** 2 / (member_w * member_w).sum()) if member_w.size else 0.0
    tail = (1 - confidence) / 2 * 100
    for c, rated in enumerate(components):
        sub = np.ix_(rated, rated)
        point = fit_bt(effective_wins(matrix.sum(0).reshape(n, n, 3)[sub]), _no_ridge(params))
        samples = np.concatenate([_bootstrap_batch(matrix, rated, n, size, rng, params)
                                  for size in _batches(rounds)])
        lo, hi = np.percentile(samples, [tail, 100 - tail], axis=0)
        rating[rated], low[rated], high[rated] = point, lo, hi
        for i, r in zip(rated.tolist(), ranks_from_ci(lo, hi).tolist()):
            ranks[i], component[i] = int(r), c
    return PanelBoard(rating=rating, low=low, high=high, rank=ranks, battles=battles,
                      effective_votes=ess_votes, effective_members=ess_members,
                      components=[[int(i) for i in g] for g in components], component=component)


def _no_ridge(params: RatingParams) -> RatingParams:
    from dataclasses import replace
    return replace(params, ridge=0.0)


def _batches(rounds: int, size: int = 100) -> list[int]:
    return [min(size, rounds - start) for start in range(0, rounds, size)]


def _bootstrap_batch(matrix: np.ndarray, rated: np.ndarray, n: int, size: int, rng: np.random.Generator,
                     params: RatingParams) -> np.ndarray:
    members = matrix.shape[0]
    picked = rng.integers(0, members, (size, members)) + (np.arange(size) * members)[:, None]
    draws = np.bincount(picked.ravel(), minlength=size * members).reshape(size, members).astype(float)
    cells = (draws @ matrix).reshape(size, n, n, 3)[:, rated][:, :, rated]
    return fit_bt(effective_wins(cells), params, tol=1e-4)


def points(rating: np.ndarray, maximum: float, params: RatingParams = RatingParams()) -> np.ndarray:
    """Evaluation points from a board: linear in each model's expected win rate against the rest of the
    field (equal weight per opponent), the best model scoring `maximum`. NaN ratings score NaN."""
    r = np.asarray(rating, float)
    ok = np.flatnonzero(~np.isnan(r))
    out = np.full(r.size, np.nan)
    if ok.size < 2:
        out[ok] = maximum
        return out
    diff = (r[ok][None, :] - r[ok][:, None]) / params.scale
    p = 1.0 / (1.0 + params.base ** diff)  # P(row beats column)
    np.fill_diagonal(p, np.nan)
    expected = np.nanmean(p, axis=1)
    out[ok] = maximum * expected / expected.max()
    return out
