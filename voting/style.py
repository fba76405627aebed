"""Style control: Bradley-Terry with answer-style covariates (LMArena's "style control"). Pure; no Flask, no SQL.

Voters favour longer, more formatted answers. Per vote, four covariates describe how answer A's style differs
from answer B's: length, markdown headers, list items and bold spans. They enter the logistic model beside
the ratings, P(A beats B) = sigmoid(s_A - s_B + z . beta), and are fitted jointly with them, so a model's
style-controlled rating is what its answers would earn if both sides were styled alike.

- Length is counted in tokens, Korean-aware (`answer_style`): each Hangul syllable, Hangul jamo, kana or CJK
  ideograph is one token, and each run of other letters or digits (an English word, a number) is one token.
  Bytes would count a Korean answer three times over, and whitespace words would count a Korean phrase of
  particles and endings as one.
- Markdown is counted outside fenced code blocks: header lines (`#` to `######` and a space), list items
  (`-`, `*`, `+` or `1.` / `1)` and a space, at any indent) and bold spans (`**...**` or `__...__`).
- A multi-turn battle sums each side's answers over its turns.
- Normalisation as LMArena's: per feature d = (A - B) / (A + B + 1) (the 1 keeps two empty sides at 0), then
  standardised over the votes of the fit (mean 0, population standard deviation 1). A feature that does not
  vary there is left out of the fit, its coefficient reported as null.
- The fit is the anchored method's (voting.board): only identified models, per component, no ridge, mean zero
  per component; ties count as half a win each way; robust (sandwich) intervals. A model with too few votes is
  rated given the fitted ratings and coefficients held fixed, and never ranked.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

import numpy as np

FEATURES = ("length", "headers", "lists", "bold")
K = len(FEATURES)
MAX_COUNT = 2**31 - 1  # counts are kept and read as 32-bit integers


def valid_counts(pair: list) -> bool:
    """Whether [style_a, style_b] of a release line are K counts each: integers (not booleans) in 0..MAX_COUNT.
    The one rule of the verifier and `python -m voting.ratings --style`."""
    return all(isinstance(s, list) and len(s) == K and
               all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= MAX_COUNT for x in s) for s in pair)

_CJK = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_FENCE = re.compile(r"^ {0,3}(```|~~~).*?(^ {0,3}\1[^\n]*$|\Z)", re.M | re.S)
_HEADER = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.M)
_LIST = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\S", re.M)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__", re.S)


def answer_style(text: str) -> tuple[int, int, int, int]:
    """(tokens, headers, list items, bold spans) of one answer; Korean-aware token count (see module doc)."""
    text = unicodedata.normalize("NFC", text or "")
    prose = _FENCE.sub("\n", text)
    return (len(_TOKEN.findall(text)), len(_HEADER.findall(prose)), len(_LIST.findall(prose)),
            len(_BOLD.findall(prose)))


def conversation_style(answers: Iterable[str | None]) -> tuple[int, int, int, int]:
    """One side's style over a battle's turns: each feature summed (a missing answer counts as empty)."""
    totals = [0] * K
    for text in answers:
        for i, v in enumerate(answer_style(text or "")):
            totals[i] += v
    return tuple(totals)  # type: ignore[return-value]


def relative_differences(style_a: np.ndarray, style_b: np.ndarray) -> np.ndarray:
    """d = (A - B) / (A + B + 1) per vote and feature: in (-1, 1), 0 when both sides are alike."""
    a, b = np.asarray(style_a, dtype=float), np.asarray(style_b, dtype=float)
    return (a - b) / (a + b + 1.0)


@dataclass(frozen=True)
class Standardiser:
    """Mean and population standard deviation per feature, over the votes of the fit; `kept`: features that vary."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def over(cls, d: np.ndarray) -> "Standardiser":
        if len(d) == 0:
            return cls(np.zeros(d.shape[1]), np.zeros(d.shape[1]))
        return cls(d.mean(0), d.std(0))

    @property
    def kept(self) -> np.ndarray:
        return self.std > 1e-9

    def __call__(self, d: np.ndarray) -> np.ndarray:
        """The kept features standardised: shape (votes, number kept)."""
        k = self.kept
        return (d[:, k] - self.mean[k]) / self.std[k]


@dataclass(frozen=True)
class Design:
    """The fit's votes in local model indices: pair = a * m + b, score y (1, 0, or 1/2 for a tie), weight w."""

    pair: np.ndarray
    y: np.ndarray
    w: np.ndarray
    zt: np.ndarray  # (covariates, votes), standardised: one covariate's values contiguous
    m: int  # fitted models
    groups: list[np.ndarray]  # local indices of each component: ratings are centred within each

    @property
    def size(self) -> int:
        return self.m + self.zt.shape[0]


def _eta(theta: np.ndarray, d: Design) -> np.ndarray:
    s = theta[:d.m]
    return (s[:, None] - s[None, :]).ravel()[d.pair] + theta[d.m:] @ d.zt


def _loss(theta: np.ndarray, d: Design) -> float:
    eta = _eta(theta, d)
    return float((d.w * (d.y * np.logaddexp(0.0, -eta) + (1.0 - d.y) * np.logaddexp(0.0, eta))).sum())


def _sum_of_squares(v: np.ndarray, d: Design) -> np.ndarray:
    """sum over votes of v x x^T, where x = (e_a - e_b, z): by model pairs, never one row at a time (the model
    block a weighted Laplacian of the pair counts, the cross block by pair per covariate, the covariate block
    dense k x k)."""
    m = d.m
    out = np.empty((d.size, d.size))
    c = np.bincount(d.pair, v, m * m).reshape(m, m)
    out[:m, :m] = np.diag(c.sum(1) + c.sum(0)) - c - c.T
    vz = d.zt * v
    for j, row in enumerate(vz):
        cj = np.bincount(d.pair, row, m * m).reshape(m, m)
        out[:m, m + j] = out[m + j, :m] = cj.sum(1) - cj.sum(0)
    out[m:, m:] = vz @ d.zt.T
    return out


def information(theta: np.ndarray, d: Design) -> tuple[np.ndarray, np.ndarray]:
    """(P(A wins) per vote, the Fisher information sum w p (1 - p) x x^T) at `theta`."""
    p = 1.0 / (1.0 + np.exp(-_eta(theta, d)))
    return p, _sum_of_squares(d.w * p * (1.0 - p), d)


def identifiable(d: Design, weighted: np.ndarray | None = None) -> np.ndarray:
    """Which covariates the data can tell apart, taken in order: one that is a linear combination of the model
    differences and the covariates kept before it (e.g. bold and list counts that always go together) is left
    out, its coefficient unreported, instead of splitting an effect arbitrarily between the two.

    `weighted`: sum v x x^T with any positive v (e.g. the information at the start), which has the same rank as
    the unweighted sum computed otherwise."""
    full = (_sum_of_squares(np.ones(len(d.y)), d) if weighted is None else weighted).copy()
    for g in d.groups:
        full[np.ix_(g, g)] += 1.0
    kept: list[int] = []
    base = np.linalg.matrix_rank(full[:d.m, :d.m], hermitian=True)
    for j in range(d.zt.shape[0]):
        idx = list(range(d.m)) + [d.m + i for i in kept + [j]]
        if np.linalg.matrix_rank(full[np.ix_(idx, idx)], hermitian=True) > base + len(kept):
            kept.append(j)
    mask = np.zeros(d.zt.shape[0], dtype=bool)
    mask[kept] = True
    return mask


def _gradient(p: np.ndarray, d: Design) -> np.ndarray:
    """Gradient of the negative log-likelihood."""
    r = d.w * (p - d.y)
    c = np.bincount(d.pair, r, d.m * d.m).reshape(d.m, d.m)
    return np.concatenate([c.sum(1) - c.sum(0), d.zt @ r])


def _centre(theta: np.ndarray, d: Design) -> np.ndarray:
    for g in d.groups:
        theta[g] -= theta[g].mean()
    return theta


DIVERGED = 15.0  # natural units (about 2,600 Elo points, or odds of 3 million to 1 per standard deviation)


def fit(d: Design, start: np.ndarray | None = None, tol: float = 1e-10, max_iter: int = 60) -> np.ndarray | None:
    """Maximum likelihood (ratings in natural units, mean zero per group; then the coefficients) by Newton.

    None when there is no maximum: some combination of covariates separates the votes, and the estimate runs
    off (past DIVERGED, or still moving after max_iter steps)."""
    found = newton(d, start, tol=tol, max_iter=max_iter)
    return None if found is None else found[0]


def newton(d: Design, start: np.ndarray | None = None, first: tuple[np.ndarray, np.ndarray] | None = None,
           tol: float = 1e-10, max_iter: int = 60) -> tuple[np.ndarray, np.ndarray] | None:
    """`fit`, also giving the information of the last step (at most `tol` away: the sandwich's bread). `first`:
    (p, information) at `start` when already computed."""
    theta = np.zeros(d.size) if start is None else _centre(np.array(start, dtype=float), d)
    p, info = first if first is not None else information(theta, d)
    for _ in range(max_iter):
        grad = _gradient(p, d)
        hess = info.copy()
        for g in d.groups:  # the ratings' constant per group is free: fix it without changing the step
            hess[np.ix_(g, g)] += hess[g, g].mean() / len(g) + 1e-12
        step = -np.linalg.lstsq(hess, grad, rcond=None)[0]  # lstsq: a nearly singular H raises no error
        t = 1.0
        if np.max(np.abs(step), initial=0.0) > 0.25:  # far from the optimum: Armijo backtracking
            f, slope = _loss(theta, d), float(grad @ step)
            while t > 1e-9 and _loss(theta + t * step, d) > f + 1e-4 * t * slope:
                t /= 2
        theta = _centre(theta + t * step, d)
        if np.max(np.abs(theta), initial=0.0) > DIVERGED:
            return None
        if np.max(np.abs(t * step), initial=0.0) < tol:
            return theta, info
        p, info = information(theta, d)
    return None


def sandwich(theta: np.ndarray, d: Design, info: np.ndarray | None = None) -> np.ndarray:
    """Robust covariance H+ S H+ of the fit (H the information, S the sum of each vote's score outer product).
    `info`: H when already computed (newton's, from its last step)."""
    p = 1.0 / (1.0 + np.exp(-_eta(theta, d)))
    if info is None:
        info = _sum_of_squares(d.w * p * (1.0 - p), d)
    bread = np.linalg.pinv(info, hermitian=True)
    return bread @ _sum_of_squares((d.w * (d.y - p)) ** 2, d) @ bread


def conditional(y: np.ndarray, w: np.ndarray, offset: np.ndarray) -> tuple[float, float]:
    """(rating, Fisher standard error) in natural units of one model from its own votes, everything else fixed.

    `y` its score per vote, `offset` the rest of the vote's logit (the opponent's rating, the style term). Half a
    win and half a loss against an average model (as voting.rating.conditional_rating) keep it finite."""
    y, w, offset = (np.append(np.asarray(v, float), extra) for v, extra in ((y, 0.5), (w, 1.0), (offset, 0.0)))
    x = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(x + offset)))
        info = float((w * p * (1.0 - p)).sum())
        step = float((w * (y - p)).sum()) / info
        x += max(-1.0, min(1.0, step))
        if abs(step) < 1e-12:
            break
    p = 1.0 / (1.0 + np.exp(-(x + offset)))
    return x, 1.0 / float(np.sqrt((w * p * (1.0 - p)).sum()))
