"""The style-controlled board from per-vote rows: the anchored method's rules, style covariates fitted jointly.

Pure; no Flask, no SQL. The maths is in voting.style; this module decides who is fitted (the identified
components of voting.rating, as on the plain board), builds the rows and publishes the coefficients.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from statistics import NormalDist

import numpy as np

from voting.board import RANKED, TOO_FEW_VOTES, BoardSettings, Row
from voting.rating import (OUTCOME_SCORE, effective_wins, fit_bt, identified_components, pair_matrices,
                           ranks_from_ci, tally)
from voting.style import FEATURES, Design, Standardiser, conditional, identifiable, information, newton, sandwich

STYLE_METHOD = "bradley-terry-style-control-1"


@dataclass(frozen=True)
class StyleBoard:
    """Rows (the plain board's shape and order rules), components, and per feature its coefficient or None."""

    rows: list[Row]
    components: list[list[int]]
    coefficients: dict[str, dict | None]
    votes: int

    @property
    def warnings(self) -> list[str]:
        return ["disconnected"] if len(self.components) > 1 else []


def describe(settings: BoardSettings) -> dict:
    """The method's parameters beside the plain board's (published with the board)."""
    return {**settings.describe(), "style_method": STYLE_METHOD, "features": list(FEATURES),
            "length": "tokens: a Hangul syllable, jamo, kana or CJK character each; a run of other letters or "
                      "digits each",
            "markdown": "outside fenced code: header lines, list items, bold spans",
            "feature_normalisation": "(A - B) / (A + B + 1), standardised over the fitted votes",
            "coefficients": "log-odds of A winning per standard deviation of the feature, robust intervals"}


@dataclass(frozen=True)
class _Votes:
    """The votes and what every part of the board reads from them, computed once."""

    a: np.ndarray
    b: np.ndarray
    y: np.ndarray  # A's score: 1, 0 or 1/2
    battles: np.ndarray  # per model
    score: np.ndarray  # row's wins over column, ties half
    groups: list[np.ndarray]  # the identified components
    comp: np.ndarray  # each model's component, -1 for none
    local: np.ndarray  # each ranked model's index among the fitted ones, -1 for none


def _votes(a, b, outcome, n_models: int, settings: BoardSettings) -> tuple[_Votes, np.ndarray]:
    a, b, outcome = (np.asarray(v, dtype=np.int64) for v in (a, b, outcome))
    t = tally(a, b, outcome, n_models)
    groups = identified_components(t.counts, settings.provisional_below)
    comp, local = np.full(n_models, -1), np.full(n_models, -1)
    for c, g in enumerate(groups):
        comp[g] = c
    members = np.concatenate(groups) if groups else np.array([], dtype=np.int64)
    local[members] = np.arange(len(members))
    votes = _Votes(a, b, OUTCOME_SCORE[outcome], pair_matrices(t)[0].sum(1), effective_wins(t.counts.astype(float)),
                   groups, comp, local)
    return votes, t.counts


def compute_style_board(a: np.ndarray, b: np.ndarray, outcome: np.ndarray, style_a: np.ndarray,
                        style_b: np.ndarray, n_models: int, settings: BoardSettings) -> StyleBoard:
    """The style-controlled board of the votes (model indices, outcomes, raw style counts per side)."""
    v, counts = _votes(a, b, outcome, n_models, settings)
    m = int((v.local >= 0).sum())
    zt_all = _differences(style_a, style_b)
    inside = (v.comp[v.a] >= 0) & (v.comp[v.a] == v.comp[v.b])
    everyone = bool(inside.all())
    fitted = zt_all if everyone else zt_all[:, inside]
    standardise = Standardiser(fitted.mean(1), fitted.std(1)) if fitted.shape[1] else Standardiser.over(fitted.T)
    kept = standardise.kept
    zt_all = zt_all[kept]  # standardised in place: mean 0, population standard deviation 1 over the fitted votes
    zt_all -= standardise.mean[kept, None]
    zt_all /= standardise.std[kept, None]
    pair = v.local[v.a] * m + v.local[v.b]
    design = Design(pair=pair if everyone else pair[inside], y=v.y if everyone else v.y[inside],
                    w=np.ones(int(inside.sum())), zt=zt_all if everyone else np.ascontiguousarray(zt_all[:, inside]),
                    m=m, groups=[v.local[g] for g in v.groups])
    unit = np.log(settings.params.base) / settings.params.scale
    plain = np.zeros(m)
    for g in v.groups:  # the plain ratings are a close start: Newton then needs a few steps
        elo = fit_bt(effective_wins(counts[np.ix_(g, g)].astype(float)), replace(settings.params, ridge=0.0))
        plain[v.local[g]] = (elo - settings.params.initial) * unit
    theta, design, kept_now, info = _joint_fit(design, plain, kept.copy())
    se = np.sqrt(np.clip(np.diag(sandwich(theta, design, info)), 0.0, None)) if m else np.zeros(design.size)
    z = NormalDist().inv_cdf(0.5 + settings.confidence / 2)
    style_term = theta[m:] @ zt_all[kept_now[kept]] if m else np.zeros(len(v.a))
    rows = _rows(v, theta, se, style_term, settings, z)
    coefficients = _coefficients(theta[m:], se[m:], kept_now, z) if m else {f: None for f in FEATURES}
    return StyleBoard(rows, [[int(i) for i in g] for g in v.groups], coefficients, int(len(v.a)))


def _differences(style_a: np.ndarray, style_b: np.ndarray) -> np.ndarray:
    """relative_differences per feature as rows (covariates, votes), one feature's values contiguous: each
    column read once, two temporaries in all."""
    sa, sb = np.asarray(style_a), np.asarray(style_b)
    out = np.empty((len(FEATURES), len(sa)))
    for j in range(len(FEATURES)):
        aj, bj = sa[:, j].astype(np.float64), sb[:, j].astype(np.float64)
        np.subtract(aj, bj, out=out[j])
        aj += bj
        aj += 1.0
        out[j] /= aj
    return out


def _rows(v: _Votes, theta: np.ndarray, se: np.ndarray, style_term: np.ndarray, settings: BoardSettings,
          z: float) -> list[Row]:
    """Ranked models by component, then the too-few-votes ones rated given the fitted ratings and coefficients."""
    unit = np.log(settings.params.base) / settings.params.scale

    def elo(x):
        return x / unit + settings.params.initial

    def row(m: int, x: float, e: float, rank: int | None, component: int | None) -> Row:
        return Row(index=m, rating=float(elo(x)), ci=(float(elo(x - z * e)), float(elo(x + z * e))), rank=rank,
                   battles=int(v.battles[m]), win_rate=float(v.score[m].sum() / v.battles[m]),
                   provisional=bool(v.battles[m] < settings.provisional_below),
                   status=RANKED if rank is not None else TOO_FEW_VOTES, component=component)

    ranked = []
    for c, g in enumerate(v.groups):
        s, e = theta[v.local[g]], se[v.local[g]]
        ranks = ranks_from_ci(elo(s - z * e), elo(s + z * e))
        ranked += [row(int(m), s[i], e[i], int(ranks[i]), c) for i, m in enumerate(g)]
    ranked.sort(key=lambda r: (r.component, r.rank, -r.rating, r.index))
    s_all = np.zeros(len(v.comp))
    s_all[v.local >= 0] = theta[v.local[v.local >= 0]]
    too_few = []
    for m in np.flatnonzero((v.battles > 0) & (v.comp < 0)):
        best, x, e = _given_the_fitted(int(m), v, style_term, s_all)
        too_few.append(row(int(m), x, e, None, best))
    too_few.sort(key=lambda r: (-r.battles, r.index))
    return ranked + too_few


def _joint_fit(design: Design, plain: np.ndarray, kept: np.ndarray
               ) -> tuple[np.ndarray, Design, np.ndarray, np.ndarray | None]:
    """The fit with the covariates the votes can estimate: those that are linear combinations of the others are
    left out first; then, while the estimate runs off (separation), the last remaining one in FEATURES order.
    Also the information at the fit's last step (None without one)."""
    if design.m == 0:
        return np.zeros(design.size), design, kept, None

    def keep_only(mask: np.ndarray) -> Design:
        kept[np.flatnonzero(kept)[~mask]] = False
        return replace(design, zt=design.zt[mask] if mask.all() else np.ascontiguousarray(design.zt[mask]))

    # At the start (the plain ratings, no style effect) the information does not depend on which covariates are
    # in: computed once, it decides which are identifiable and makes the first Newton step.
    start = np.concatenate([plain, np.zeros(design.zt.shape[0])])
    p, info = information(start, design)
    mask = identifiable(design, info)
    at = np.r_[np.ones(design.m, dtype=bool), mask]
    first = (p, info[np.ix_(at, at)])
    design = keep_only(mask)
    while True:
        found = newton(design, start[:design.size], first)
        if found is not None:
            return found[0], design, kept, found[1]
        if design.zt.shape[0] == 0:  # cannot happen on identified components; the plain ratings, then
            return plain, design, kept, None
        design = keep_only(np.arange(design.zt.shape[0]) < design.zt.shape[0] - 1)
        first = (p, first[1][:design.size, :design.size])


def _coefficients(beta: np.ndarray, se: np.ndarray, kept: np.ndarray, z: float) -> dict[str, dict | None]:
    out: dict[str, dict | None] = {}
    j = 0
    for f, k in zip(FEATURES, kept):
        if not k:
            out[f] = None
            continue
        out[f] = {"estimate": float(beta[j]), "ci": [float(beta[j] - z * se[j]), float(beta[j] + z * se[j])],
                  "se": float(se[j])}
        j += 1
    return out


def _given_the_fitted(m: int, v: _Votes, style_term: np.ndarray, s: np.ndarray) -> tuple[int | None, float, float]:
    """(component, rating, standard error) of a model below the minimum: against the component it met most,
    whose ratings and the style coefficients are held fixed; None when it met no ranked model."""
    met = [float((v.score[m] + v.score[:, m])[g].sum()) for g in v.groups]
    best = int(np.argmax(met)) if met and max(met) > 0 else None
    if best is None:
        x, e = conditional(np.array([]), np.array([]), np.array([]))
        return None, x, e
    as_a = (v.a == m) & (v.comp[v.b] == best)
    as_b = (v.b == m) & (v.comp[v.a] == best)
    yy = np.concatenate([v.y[as_a], 1.0 - v.y[as_b]])
    offset = np.concatenate([style_term[as_a] - s[v.b[as_a]], -style_term[as_b] - s[v.a[as_b]]])
    x, e = conditional(yy, np.ones(len(yy)), offset)
    return best, x, e
