"""Rating maths as pure functions over arrays: online Elo, Bradley-Terry MLE, bootstrap CIs.

No Flask, no SQL. Votes are three integer arrays: model index of side A, of side B, and the
outcome (A_WINS, B_WINS, TIE; "both bad" is a tie). One pass turns them into a `Tally` of cells
(a, b, outcome); every fit and every bootstrap round works on those cells, never on rows.
"""
from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

A_WINS, B_WINS, TIE = 0, 1, 2
BOOTSTRAP_CHUNKS = 4  # fixed, so results do not depend on the machine's core count
TRUST_STEP = 0.25  # natural-log units (about 43 Elo points): larger Newton steps are line-searched
OUTCOME_OF_WINNER = {"a": A_WINS, "b": B_WINS, "tie": TIE, "bothbad": TIE,
                     "model_a": A_WINS, "model_b": B_WINS, "tie (bothbad)": TIE}


@dataclass(frozen=True)
class RatingParams:
    """Scale of the ratings (Elo scale: 400 points = 10x odds) and the online Elo step."""

    k: float = 4.0
    scale: float = 400.0
    base: float = 10.0
    initial: float = 1000.0
    ridge: float = 1e-6  # vanishing L2 term: a model that never loses still gets a finite rating


@dataclass(frozen=True)
class Tally:
    """Votes per cell (a, b, outcome): raw counts and their (propensity) weight sums."""

    counts: np.ndarray  # shape (n, n, 3), integers
    weights: np.ndarray  # shape (n, n, 3), equal to counts when unweighted
    # Sums of squared weights per cell (the robust interval's variance needs them); None: unweighted.
    weights_sq: np.ndarray | None = None

    @property
    def n_models(self) -> int:
        return self.counts.shape[0]

    @property
    def total(self) -> int:
        return int(self.counts.sum())


def tally(a: np.ndarray, b: np.ndarray, outcome: np.ndarray, n_models: int,
          weights: np.ndarray | None = None) -> Tally:
    """One pass over the votes into cell counts (optionally inverse-propensity weighted)."""
    cell = (np.asarray(a, dtype=np.int64) * n_models + np.asarray(b, dtype=np.int64)) * 3 + np.asarray(outcome)
    size = n_models * n_models * 3
    counts = np.bincount(cell, minlength=size).reshape(n_models, n_models, 3)
    if weights is None:
        return Tally(counts=counts, weights=counts.astype(float))
    w = np.asarray(weights, dtype=float)
    sums = np.bincount(cell, weights=w, minlength=size).reshape(n_models, n_models, 3)
    squares = np.bincount(cell, weights=w * w, minlength=size).reshape(n_models, n_models, 3)
    return Tally(counts=counts, weights=sums, weights_sq=squares)


def tally_from_cells(n_models: int, cells: dict[tuple[int, int, int], int]) -> Tally:
    """A tally from aggregated {(a, b, outcome): count} (the live board's form)."""
    counts = np.zeros((n_models, n_models, 3), dtype=np.int64)
    for (a, b, o), c in cells.items():
        counts[a, b, o] += c
    return Tally(counts=counts, weights=counts.astype(float))


def effective_wins(cells: np.ndarray) -> np.ndarray:
    """W[..., i, j]: wins of i over j with a tie as half a win each way (any leading batch dims)."""
    ties = cells[..., 2] + np.swapaxes(cells[..., 2], -1, -2)
    return cells[..., 0] + np.swapaxes(cells[..., 1], -1, -2) + 0.5 * ties


def _objective(s: np.ndarray, wins: np.ndarray, ridge: float) -> np.ndarray:
    diff = s[..., :, None] - s[..., None, :]
    return (wins * np.logaddexp(0.0, -diff)).sum(axis=(-1, -2)) + 0.5 * ridge * (s * s).sum(-1)


def _newton_step(s: np.ndarray, wins: np.ndarray, ridge: float) -> tuple[np.ndarray, np.ndarray]:
    n = s.shape[-1]
    games = wins + np.swapaxes(wins, -1, -2)
    e = np.exp(s - s.max(-1, keepdims=True))  # n exponentials instead of n^2: p_ij = e_i / (e_i + e_j)
    p = e[..., :, None] / (e[..., :, None] + e[..., None, :])
    grad = (games * p - wins).sum(-1) + ridge * s
    hess = games * p * (p - 1.0)  # off-diagonal: -n_ij p_ij (1 - p_ij)
    diag = np.arange(n)
    hess[..., diag, diag] = -hess.sum(-1) + ridge
    # Adding a multiple of 11^T leaves the mean-zero solution unchanged and keeps H well conditioned.
    hess += (hess[..., diag, diag].mean(-1) / n + 1e-9)[..., None, None]
    return grad, -np.linalg.solve(hess, grad[..., None])[..., 0]


def fit_bt(wins: np.ndarray, params: RatingParams = RatingParams(), start: np.ndarray | None = None,
           tol: float = 1e-10, max_iter: int = 100) -> np.ndarray:
    """Bradley-Terry MLE on win matrices (batched over leading dims), Elo scale, mean `initial`."""
    unit = math.log(params.base) / params.scale
    s = np.zeros(wins.shape[:-1]) if start is None else (np.asarray(start, float) - params.initial) * unit
    for _ in range(max_iter):
        grad, step = _newton_step(s, wins, params.ridge)
        t = np.ones(s.shape[:-1])
        # Near the optimum the full Newton step is exact enough; far from it, backtrack to descend.
        if np.max(np.abs(step), initial=0.0) > TRUST_STEP:
            t = _backtrack(s, step, grad, wins, params.ridge)
        s = s + t[..., None] * step
        s = s - s.mean(-1, keepdims=True)
        if np.max(np.abs(t[..., None] * step), initial=0.0) / unit < tol:
            break
    return s / unit + params.initial


def _backtrack(s: np.ndarray, step: np.ndarray, grad: np.ndarray, wins: np.ndarray, ridge: float) -> np.ndarray:
    """Step sizes (halving) that satisfy Armijo's condition, per batch entry."""
    f = _objective(s, wins, ridge)
    t = np.ones(f.shape)
    slope = (grad * step).sum(-1)
    for _halving in range(40):
        bad = _objective(s + t[..., None] * step, wins, ridge) > f + 1e-4 * t * slope + 1e-12 * np.abs(f)
        if not bad.any():
            break
        t = np.where(bad, t / 2, t)
    return t


def bootstrap_bt(t: Tally, rounds: int, rng: np.random.Generator, params: RatingParams = RatingParams(),
                 start: np.ndarray | None = None) -> np.ndarray:
    """BT ratings of `rounds` multinomial resamplings of the cell counts; shape (rounds, n).

    The rounds run in BOOTSTRAP_CHUNKS chunks, each with its own generator spawned from `rng`, so
    the result depends on the seed only, not on how many threads ran the chunks.
    """
    counts, weights = (t.counts, t.weights) if _weighted(t) else (_fold_sides(t.counts), None)
    flat = counts.reshape(-1)
    total = int(flat.sum())
    if total == 0:
        return np.full((rounds, t.n_models), params.initial)
    nonzero = np.flatnonzero(flat)
    per_vote = None if weights is None else weights.reshape(-1)[nonzero] / flat[nonzero]

    def chunk(gen: np.random.Generator, size: int) -> np.ndarray:
        draws = gen.multinomial(total, flat[nonzero] / total, size=size).astype(float)
        cells = np.zeros((size, flat.size))
        cells[:, nonzero] = draws if per_vote is None else draws * per_vote
        wins = effective_wins(cells.reshape(size, t.n_models, t.n_models, 3))
        init = None if start is None else np.broadcast_to(start, (size, t.n_models))
        # Newton converges quadratically: a last step of 1e-4 points leaves an error near 1e-8.
        return fit_bt(wins, params, start=init, tol=1e-4)

    sizes = [len(part) for part in np.array_split(np.arange(rounds), BOOTSTRAP_CHUNKS) if len(part)]
    with ThreadPoolExecutor(max_workers=min(len(sizes), os.cpu_count() or 1)) as pool:
        return np.concatenate(list(pool.map(chunk, rng.spawn(len(sizes)), sizes)))


def _weighted(t: Tally) -> bool:
    return not np.array_equal(t.weights, t.counts)


def _fold_sides(counts: np.ndarray) -> np.ndarray:
    """Same statistics in half the cells: "j (as A) lost to i (as B)" is stored as "i (as A) beat j"."""
    folded = np.triu(np.moveaxis(counts, -1, 0), 1)
    lower = np.moveaxis(counts, -1, 0).swapaxes(-1, -2)  # votes with the sides swapped
    folded[A_WINS] += np.triu(lower[B_WINS], 1)
    folded[B_WINS] += np.triu(lower[A_WINS], 1)
    folded[TIE] += np.triu(lower[TIE], 1)
    return np.moveaxis(folded, 0, -1)


def ranks_from_ci(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Rank = 1 + the number of models whose lower bound is above this model's upper bound."""
    return 1 + (low[None, :] > high[:, None]).sum(axis=1)


def pair_matrices(t: Tally) -> tuple[np.ndarray, np.ndarray]:
    """Battle counts (symmetric) and win rates of row over column (ties half), NaN where no battles."""
    raw = t.counts.astype(float)
    wins = effective_wins(raw)
    battles = wins + wins.T
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(battles > 0, wins / battles, np.nan)
    return battles, rate


def expected_score(ra: float, rb: float, params: RatingParams = RatingParams()) -> float:
    """Elo expectation of A against B."""
    return 1.0 / (1.0 + params.base ** ((rb - ra) / params.scale))


def elo_update(ra: float, rb: float, outcome: int, params: RatingParams = RatingParams()) -> tuple[float, float]:
    """One online Elo step; the points A gains, B loses."""
    score = 1.0 if outcome == A_WINS else 0.0 if outcome == B_WINS else 0.5
    delta = params.k * (score - expected_score(ra, rb, params))
    return ra + delta, rb - delta


def online_elo(a: np.ndarray, b: np.ndarray, outcome: np.ndarray, n_models: int,
               params: RatingParams = RatingParams()) -> np.ndarray:
    """Online Elo over the votes in the given order."""
    ratings = [params.initial] * n_models
    for i, j, o in zip(np.asarray(a).tolist(), np.asarray(b).tolist(), np.asarray(outcome).tolist()):
        ratings[i], ratings[j] = elo_update(ratings[i], ratings[j], o, params)
    return np.array(ratings)


# --- The anchored method (rating_method "anchored-sandwich-1"): who is identified, and robust intervals. ---

OUTCOME_SCORE = np.array([1.0, 0.0, 0.5])  # what a vote in each outcome cell scores for side A


def strong_components(wins: np.ndarray) -> list[np.ndarray]:
    """Groups in which every model has beaten (or tied) and lost to every other, directly or via others.

    Bradley-Terry's maximum-likelihood ratings exist, finite, exactly within such a group (Zermelo's
    condition): between two groups that never met, or where one side never lost, the data put no bound
    on the gap. `wins[i, j] > 0` means i scored against j (a tie scores both ways). Order: by first member.
    """
    n = wins.shape[0]
    reach = ((wins > 0) | np.eye(n, dtype=bool)).astype(float)
    while True:  # transitive closure by squaring: at most log2(n) products
        grown = (reach @ reach > 0).astype(float)
        if np.array_equal(grown, reach):
            break
        reach = grown
    mutual = (reach > 0) & (reach > 0).T
    groups, seen = [], np.zeros(n, dtype=bool)
    for i in range(n):
        if not seen[i]:
            members = np.flatnonzero(mutual[i])
            seen[members] = True
            groups.append(members)
    return groups


def identified_components(counts: np.ndarray, min_battles: int) -> list[np.ndarray]:
    """The rankable models, as components (largest first): each has at least `min_battles` battles and,
    among the other rankable models, at least one outright win and one outright loss, and shares a
    strongly connected group of two or more with them. Dropping a model can strand another, so the
    rule is applied until nothing changes.
    """
    raw = counts.astype(float)
    beat = raw[..., A_WINS] + raw[..., B_WINS].T  # outright wins of row over column
    ties = raw[..., TIE] + raw[..., TIE].T
    battles = beat.sum(1) + beat.sum(0) + ties.sum(1)
    keep = battles >= max(min_battles, 1)
    while True:
        inside = keep[:, None] & keep[None, :]
        won = np.where(inside, beat, 0.0)
        keep = keep & (won.sum(1) > 0) & (won.sum(0) > 0)
        inside = keep[:, None] & keep[None, :]
        groups = [g for g in strong_components(np.where(inside, beat + 0.5 * ties, 0.0)) if keep[g[0]]]
        stable = np.zeros_like(keep)
        for g in groups:
            stable[g] = len(g) >= 2
        if np.array_equal(stable, keep):
            groups = [g for g in groups if len(g) >= 2]
            return sorted(groups, key=lambda g: (-len(g), int(g[0])))
        keep = stable


def _laplacian(c: np.ndarray) -> np.ndarray:
    """sum over pairs a<b of c_ab (e_a - e_b)(e_a - e_b)^T, for symmetric c with a zero diagonal."""
    return np.diag(c.sum(1)) - c


def robust_covariance(s: np.ndarray, weights: np.ndarray, weights_sq: np.ndarray) -> np.ndarray:
    """Sandwich (robust) covariance of mean-zero BT ratings `s` (natural units) fitted to the cells.

    H is the observed information (the fit's Hessian), S the sum over votes of each vote's score
    outer product; H+ S H+ is the covariance of the centred estimate whether or not the model's
    binomial variance is right (ties, for one, are less noisy than a win or a loss). H+ is the
    pseudo-inverse: the ratings are defined up to a constant, and mean zero is the chosen one.
    """
    p = 1.0 / (1.0 + np.exp(-(s[:, None] - s[None, :])))  # P(row beats column)
    h = weights.sum(-1) * p * (1.0 - p)
    g = (weights_sq * (OUTCOME_SCORE[None, None, :] - p[..., None]) ** 2).sum(-1)
    bread = np.linalg.pinv(_laplacian(h + h.T), hermitian=True)
    return bread @ _laplacian(g + g.T) @ bread


def conditional_rating(wins: np.ndarray, losses: np.ndarray, anchors: np.ndarray) -> tuple[float, float]:
    """(rating, standard error) in natural units of one model given fixed opponents' ratings `anchors`.

    For a model below the minimum, reported but not ranked. Its own votes decide it, plus half a win
    and half a loss against an average model (rating 0): without them an unbeaten model's estimate is
    infinite. The standard error is the model's (Fisher) one, never the sandwich's, which a handful of
    votes can make arbitrarily small. The anchors are held fixed, so it cannot move them.
    """
    opp = np.append(np.asarray(anchors, float), 0.0)
    w = np.append(np.asarray(wins, float), 0.5)
    games = w + np.append(np.asarray(losses, float), 0.5)
    x = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(x - opp)))
        info = float((games * p * (1.0 - p)).sum())
        step = float((w - games * p).sum()) / info
        x += max(-1.0, min(1.0, step))  # the log-likelihood is concave: damped Newton cannot overshoot
        if abs(step) < 1e-12:
            break
    p = 1.0 / (1.0 + np.exp(-(x - opp)))
    return x, 1.0 / math.sqrt(float((games * p * (1.0 - p)).sum()))
