"""Anomalous-voter and ring detectors: pure functions from votes and ratings to findings.

No Flask, no SQL: the wiring reads `VoteEvent`s from the database, calls `detect(events, ratings,
policy, now)` and stores the `Finding`s in the moderation queue. Every finding is a suggestion with
its evidence; only a moderator voids votes.

Statistics (numpy only, so this runs in production without scipy):
- Tail probabilities P(S >= k) of a sum of independent Bernoulli(p_i) (binomial when the p_i are
  equal, Poisson-binomial otherwise) use the Chernoff bound exp(-sup_t [t k - log E e^{tS}]). It is
  an upper bound on the exact p-value (so every test below is conservative) and exact when k is the
  number of trials (P(all) = prod p_i), which is the rigging signature.
- Multiple testing: per detector, p-values of all voters (or voter-model pairs) that were tested are
  adjusted with Benjamini-Hochberg; a finding needs its q-value <= `policy.fdr` AND an effect size
  above a threshold, so a heavy honest voter with a small but real lean is not flagged for having
  many votes. Ring tests use Bonferroni over the candidate groups (few, and selected by links that
  do not look at the outcomes). The cohort test (a campaign spread over many light accounts) uses the
  step-up rule of BH with the exact expected number of honest units below each threshold instead of the
  uniform bound: a light honest account that cannot reach a small p-value adds nothing to it.
- Score in [0, 1]: 1 - q (tested detectors and cohorts), 1 - Bonferroni-adjusted p (rings), and r / (1 + r)
  with r = observed / threshold (count detectors: burst, shared address; 0.5 at the threshold).

A voter-level finding concerns all of that voter's votes in the examined set (`vote_ids`), since the
moderator's remedy is to void the account's votes; `evidence["example_vote_ids"]` names the votes
that show the signal. Address, ring and cohort findings list every account and every vote concerned (a
cohort finding is one unit of the cohort: an account, or the accounts behind one small address).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable, Sequence

import numpy as np

from voting.rating import OUTCOME_OF_WINNER, effective_wins, fit_bt, tally

WINNERS = ("a", "b", "tie", "bothbad")
EXAMPLES = 10  # example vote ids per finding
LN10_400 = math.log(10.0) / 400.0  # Elo scale 400, base 10: logit of the expected score per rating point


@dataclass(frozen=True)
class VoteEvent:
    """One stored vote as the detectors see it (address: keyed hash of the client IP, or None)."""

    vote_id: int
    voter: int
    address: str | None
    model_a: str
    model_b: str
    winner: str  # 'a' | 'b' | 'tie' | 'bothbad'
    category: str
    voted_at: datetime  # UTC
    ready_at: datetime  # when both answers were complete
    read_chars: int  # characters of both answers shown


@dataclass(frozen=True)
class Finding:
    """A suspicion for the moderation queue: what, who, how strong, why, and which votes."""

    kind: str
    voter: int | None
    voters: tuple[int, ...]  # every account concerned (a voter finding: just that one)
    score: float  # in [0, 1], see the module docstring
    evidence: dict
    vote_ids: tuple[int, ...]


@dataclass(frozen=True)
class DetectorPolicy:
    """Thresholds, with the reasons for the defaults (tuned on anti_abuse.sybil, not on its campaigns)."""

    fdr: float = 0.01  # BH false-discovery rate per detector; Bonferroni level for rings
    # too_fast: Korean adults read about 10 characters/s; skimming at 40/s with half of it done while the
    # answers streamed (before ready_at) leaves 80 characters/s after ready_at; under a 2 s floor the
    # vote was decided before the answers were looked at.
    read_chars_per_s: float = 80.0
    read_floor_s: float = 2.0
    fast_base_rate: float = 0.2  # share of too-fast votes an honest voter may have (answers read while streaming)
    fast_min_share: float = 0.5
    fast_min_votes: int = 10
    # position_bias: honest voters lean to one side by a few points; 75 % of decisive votes is far outside.
    position_min_share: float = 0.75
    position_min_votes: int = 20
    # favoured_model: the voter's wins for M exceed the ratings' expectation by 25 points of share, against
    # at least 3 different opponents (unrelated pairs); a fan of the best model stays below that.
    favoured_min_votes: int = 6
    favoured_min_opponents: int = 3
    favoured_min_excess: float = 0.25
    # burst: reading two answers takes tens of seconds; 30 votes in 10 minutes is one every 20 s.
    burst_window_s: float = 600.0
    burst_max_votes: int = 30
    # shared_address: a household or a small office is a handful of accounts; a large NAT is reviewed by hand.
    address_max_voters: int = 10
    # likelihood: fitted agreement slope with the ratings (1 = votes like the board, 0 = coin, < 0 = against).
    likelihood_max_slope: float = 0.0
    likelihood_min_votes: int = 20
    # ring: voters linked by a shared address or by >= K votes for the same model within W of each other;
    # a linked group is a ring when its pooled votes for one model beat the ratings improbably.
    ring_window_s: float = 600.0
    ring_min_covotes: int = 3
    ring_min_size: int = 3
    ring_min_votes: int = 10
    ring_min_excess: float = 0.2
    ring_member_min_share: float = 0.8  # a member's own wins with the model, to be listed ...
    ring_member_p: float = 0.05  # ... and their own tail probability (uncorrected: the group test holds)
    # cohort: per model, the units (an account, or the few accounts behind one small address) all of whose
    # votes with M are decisive wins for M, against how many such units honest voters would give (blind pair
    # draw and the ratings). Flagged while the expected honest share of the flagged units stays under
    # `cohort_fdr` (per shape; the shapes share no record). 2 % keeps the two-vote boosters of a thin
    # campaign (both battles with M, both for M: about 1 in 100 honest two-vote accounts does that for a
    # given model, so it names about ten honest accounts per campaign, 0.1 % of voters, each shown with
    # its q-value); at 1 % they are left out and a campaign of 1,000 four-vote accounts keeps about 9 % of
    # its votes. At least `cohort_min_units` units (fewer is not a campaign that moves a board) and a
    # cohort Poisson tail under `fdr` / models. A unit of more than `cohort_max_votes` votes is tested
    # alone (favoured_model).
    cohort_fdr: float = 0.02
    cohort_min_units: int = 10
    cohort_max_votes: int = 200


@dataclass(frozen=True)
class VoteTable:
    """The events as arrays, sorted by (voter, time), with the expected score of A from the ratings."""

    vote_id: np.ndarray
    voter: np.ndarray  # voter id per vote
    vix: np.ndarray  # voter index 0..V-1 per vote
    voters: np.ndarray  # voter id per index
    aix: np.ndarray  # address index per vote, -1 when unknown
    addresses: tuple[str, ...]
    a: np.ndarray
    b: np.ndarray
    models: tuple[str, ...]
    outcome: np.ndarray  # index into WINNERS
    t: np.ndarray  # seconds since the first vote
    elapsed: np.ndarray  # seconds from ready_at to voted_at
    read_chars: np.ndarray
    p_a: np.ndarray  # expected score of A against B from the ratings
    as_of: str

    @property
    def decisive(self) -> np.ndarray:
        return self.outcome < 2

    @property
    def chosen(self) -> np.ndarray:
        """Model index the voter picked (meaningful where decisive)."""
        return np.where(self.outcome == 1, self.b, self.a)

    def votes_of(self, vix: int) -> np.ndarray:
        lo, hi = np.searchsorted(self.vix, [vix, vix + 1])
        return np.arange(lo, hi)


def build_table(events: Sequence[VoteEvent], ratings: dict[str, float], now: datetime | None = None) -> VoteTable:
    """Arrays from the events (votes after `now` are ignored); unrated models get the mean rating."""
    now = now or datetime.now(timezone.utc)
    events = [e for e in events if e.voted_at <= now]
    models = tuple(sorted({e.model_a for e in events} | {e.model_b for e in events} | set(ratings)))
    mix = {m: i for i, m in enumerate(models)}
    default = float(np.mean(list(ratings.values()))) if ratings else 1000.0
    rating = np.array([ratings.get(m, default) for m in models])
    addresses = tuple(sorted({e.address for e in events if e.address is not None}))
    adix = {x: i for i, x in enumerate(addresses)}
    voted = np.array([e.voted_at.timestamp() for e in events], dtype=float)
    t0 = voted.min() if len(events) else 0.0
    voter = np.array([e.voter for e in events], dtype=np.int64)
    voters, vix = np.unique(voter, return_inverse=True)
    order = np.lexsort((voted, vix))
    a = np.array([mix[e.model_a] for e in events], dtype=np.int64)
    b = np.array([mix[e.model_b] for e in events], dtype=np.int64)
    cols = dict(
        vote_id=np.array([e.vote_id for e in events], dtype=np.int64), voter=voter, vix=vix.astype(np.int64),
        aix=np.array([adix.get(e.address, -1) if e.address is not None else -1 for e in events], dtype=np.int64),
        a=a, b=b, outcome=np.array([WINNERS.index(e.winner) for e in events], dtype=np.int64), t=voted - t0,
        elapsed=voted - np.array([e.ready_at.timestamp() for e in events], dtype=float),
        read_chars=np.array([e.read_chars for e in events], dtype=float),
        p_a=1.0 / (1.0 + 10.0 ** ((rating[b] - rating[a]) / 400.0)))
    return VoteTable(voters=voters, addresses=addresses, models=models, as_of=now.isoformat(),
                     **{k: v[order] for k, v in cols.items()})


# ---- statistics -------------------------------------------------------------------------------------------

def binomial_tail(k: np.ndarray, n: np.ndarray, p0: float | np.ndarray) -> np.ndarray:
    """Chernoff upper bound on P(Binomial(n, p0) >= k): exp(-n KL(k/n || p0)); 1 below the mean."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    p0 = np.clip(np.broadcast_to(p0, k.shape).astype(float), 1e-12, 1 - 1e-12)
    x = np.clip(np.divide(k, n, out=np.zeros_like(k), where=n > 0), 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.where(x > 0, x * np.log(x / p0), 0.0) + np.where(x < 1, (1 - x) * np.log((1 - x) / (1 - p0)), 0.0)
    return np.where((x > p0) & (n > 0), np.exp(-n * kl), 1.0)


def bernoulli_sum_tail(p: np.ndarray, group: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Chernoff upper bound on P(sum of Bernoulli(p_i) in group g >= k[g]) for every group at once."""
    g = len(k)
    p = np.clip(np.asarray(p, float), 1e-12, 1 - 1e-12)
    k = np.asarray(k, float)
    n = np.bincount(group, minlength=g).astype(float)
    mean = np.bincount(group, weights=p, minlength=g)
    log_all = np.bincount(group, weights=np.log(p), minlength=g)
    active = (k > mean) & (k < n)
    t = np.zeros(g)
    for _ in range(100):  # Newton on the convex 1-D rate function, steps clipped for safety
        e = np.exp(t)[group]
        q = p * e / (1 - p + p * e)
        m = np.bincount(group, weights=q, minlength=g)
        v = np.bincount(group, weights=q * (1 - q), minlength=g)
        step = np.where(active, np.clip((k - m) / np.maximum(v, 1e-12), -2.0, 2.0), 0.0)
        t = t + step
        if np.max(np.abs(step), initial=0.0) < 1e-10:
            break
    log_mgf = np.bincount(group, weights=np.log1p(p * np.expm1(t[group])), minlength=g)
    log_tail = np.where(k >= n, log_all, np.minimum(log_mgf - t * k, 0.0))
    return np.where(k <= mean, 1.0, np.exp(log_tail))


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values (step-up adjusted p-values)."""
    p = np.asarray(p, float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.empty(m)
    q[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    return q


def distinct(x: np.ndarray) -> np.ndarray:
    """Sorted distinct values by one sort (numpy's hash-based unique is slower on large int64 keys)."""
    x = np.sort(x)
    return x[np.r_[True, x[1:] != x[:-1]]] if len(x) else x


def _normal_upper(z: np.ndarray) -> np.ndarray:
    return np.array([0.5 * math.erfc(float(x) / math.sqrt(2.0)) for x in z], dtype=float)


def _r(x: float, digits: int = 4) -> float:
    return float(round(float(x), digits))


def _ratio_score(observed: float, threshold: float) -> float:
    r = observed / threshold
    return _r(r / (1.0 + r))


def _voter_finding(kind: str, tab: VoteTable, vix: int, score: float, evidence: dict,
                   examples: np.ndarray) -> Finding:
    rows = tab.votes_of(vix)
    evidence = {**evidence, "votes": int(len(rows)), "as_of": tab.as_of,
                "example_vote_ids": [int(v) for v in tab.vote_id[examples][:EXAMPLES]]}
    voter = int(tab.voters[vix])
    return Finding(kind=kind, voter=voter, voters=(voter,), score=_r(score), evidence=evidence,
                   vote_ids=tuple(int(v) for v in tab.vote_id[rows]))


def _per_voter(tab: VoteTable, mask: np.ndarray) -> np.ndarray:
    return np.bincount(tab.vix[mask], minlength=len(tab.voters))


# ---- detectors: each takes the table and the policy and returns findings ----------------------------------

def too_fast(tab: VoteTable, policy: DetectorPolicy) -> list[Finding]:
    """Voters most of whose votes came sooner after the answers were complete than they could be read."""
    needed = np.maximum(policy.read_floor_s, tab.read_chars / policy.read_chars_per_s)
    fast = tab.elapsed < needed
    n, k = _per_voter(tab, np.ones(len(fast), bool)), _per_voter(tab, fast)
    tested = np.flatnonzero(n >= policy.fast_min_votes)
    q = bh_adjust(binomial_tail(k[tested], n[tested], policy.fast_base_rate))
    found = []
    for vix, qv in zip(tested, q):
        if qv > policy.fdr or k[vix] < policy.fast_min_share * n[vix]:
            continue
        rows = tab.votes_of(vix)
        found.append(_voter_finding("too_fast", tab, vix, 1 - qv, {
            "fast_votes": int(k[vix]), "share": _r(k[vix] / n[vix]), "q_value": float(qv),
            "median_seconds": _r(np.median(tab.elapsed[rows]), 1),
            "median_needed_seconds": _r(np.median(needed[rows]), 1),
            "chars_per_second": policy.read_chars_per_s, "floor_seconds": policy.read_floor_s},
            rows[fast[rows]]))
    return found


def position_bias(tab: VoteTable, policy: DetectorPolicy) -> list[Finding]:
    """Voters who pick one side far more often than chance (two-sided binomial test on decisive votes)."""
    n = _per_voter(tab, tab.decisive)
    k_a = _per_voter(tab, tab.outcome == 0)
    tested = np.flatnonzero(n >= policy.position_min_votes)
    k, m = k_a[tested], n[tested]
    p = np.minimum(1.0, 2 * np.minimum(binomial_tail(k, m, 0.5), binomial_tail(m - k, m, 0.5)))
    q = bh_adjust(p)
    found = []
    for vix, qv in zip(tested, q):
        share_a = k_a[vix] / n[vix]
        if qv > policy.fdr or max(share_a, 1 - share_a) < policy.position_min_share:
            continue
        side = "a" if share_a >= 0.5 else "b"
        rows = tab.votes_of(vix)
        found.append(_voter_finding("position_bias", tab, vix, 1 - qv, {
            "side": side, "decisive_votes": int(n[vix]), "picks": int(k_a[vix] if side == "a" else n[vix] - k_a[vix]),
            "share": _r(max(share_a, 1 - share_a)), "q_value": float(qv)},
            rows[tab.outcome[rows] == (0 if side == "a" else 1)]))
    return found


def _model_rows(tab: VoteTable, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each decisive vote in `mask` twice, once per model: (row, model, won, expected win probability)."""
    rows = np.flatnonzero(mask & tab.decisive)
    model = np.concatenate([tab.a[rows], tab.b[rows]])
    won = np.concatenate([tab.outcome[rows] == 0, tab.outcome[rows] == 1])
    expected = np.concatenate([tab.p_a[rows], 1 - tab.p_a[rows]])
    return np.concatenate([rows, rows]), model, won, expected


def favoured_model(tab: VoteTable, policy: DetectorPolicy) -> list[Finding]:
    """Voters for whom one model M wins far more often than the ratings expect, across different opponents.

    Two independent signs of a voter who recognises M, combined by Fisher's method (chi2 with 4 degrees
    of freedom): M's wins in the voter's decisive votes against the ratings' expectation, and how often
    M is in the voter's battles against its share of all battles (pairs are drawn blind, so only a voter
    who abandons battles without M sees it more often). Flagged on the BH-adjusted combined p-value and
    a win excess of `favoured_min_excess`.
    """
    rows, model, won, expected = _model_rows(tab, np.ones(len(tab.vote_id), bool))
    nm = len(tab.models)
    keys, group = np.unique(tab.vix[rows] * nm + model, return_inverse=True)
    n = np.bincount(group, minlength=len(keys))
    k = np.bincount(group, weights=won, minlength=len(keys))
    mean = np.bincount(group, weights=expected, minlength=len(keys))
    opponent = np.where(model == tab.a[rows], tab.b[rows], tab.a[rows])
    opponents = np.bincount(distinct(group * nm + opponent) // nm, minlength=len(keys))
    tested = np.flatnonzero((n >= policy.favoured_min_votes) & (opponents >= policy.favoured_min_opponents))
    p_win = bernoulli_sum_tail(expected, group, k)[tested]
    presence, shown, exposure = _presence(tab, keys[tested])
    p = fisher(p_win, presence)
    q = bh_adjust(p)
    found = []
    for i, (g, qv) in enumerate(zip(tested, q)):
        excess = (k[g] - mean[g]) / n[g]
        if qv > policy.fdr or excess < policy.favoured_min_excess:
            continue
        vix, m = divmod(int(keys[g]), nm)
        found.append(_voter_finding("favoured_model", tab, vix, 1 - qv, {
            "model": tab.models[m], "votes_with_model": int(n[g]), "wins": int(k[g]), "expected_wins": _r(mean[g], 2),
            "opponents": int(opponents[g]), "p_value_wins": float(p_win[i]),
            "battles_with_model": int(shown[i]), "expected_battles_with_model": _r(exposure[i], 2),
            "p_value_presence": float(presence[i]), "p_value": float(p[i]), "q_value": float(qv)},
            rows[(group == g) & won]))
    return found


def _presence(tab: VoteTable, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For (voter * M + model) keys: P-value of M being in that many of the voter's votes, the count, the expected."""
    nm = len(tab.models)
    vix, m = keys // nm, keys % nm
    share = (np.bincount(tab.a, minlength=nm) + np.bincount(tab.b, minlength=nm)) / max(len(tab.a), 1)
    total = np.bincount(tab.vix, minlength=len(tab.voters))
    present = np.concatenate([tab.vix * nm + tab.a, tab.vix * nm + tab.b])
    uniq, count = np.unique(present, return_counts=True)
    shown = count[np.searchsorted(uniq, keys)]
    return binomial_tail(shown, total[vix], share[m]), shown, total[vix] * share[m]


def fisher(p1: np.ndarray, p2: np.ndarray) -> np.ndarray:
    """Fisher's combination of two independent p-values: P(chi2_4 >= -2 ln(p1 p2))."""
    half = -np.log(np.maximum(p1, 1e-300)) - np.log(np.maximum(p2, 1e-300))
    return np.minimum(1.0, np.exp(-half) * (1.0 + half))


def burst(tab: VoteTable, policy: DetectorPolicy) -> list[Finding]:
    """Voters with more than the allowed number of votes inside any sliding window."""
    if len(tab.t) == 0:
        return []
    span = float(tab.t.max()) + 2 * policy.burst_window_s + 1
    key = tab.vix * span + tab.t  # sorted: the table is ordered by (voter, time)
    in_window = np.searchsorted(key, key + policy.burst_window_s, side="right") - np.arange(len(key))
    best = np.zeros(len(tab.voters), dtype=np.int64)
    np.maximum.at(best, tab.vix, in_window)
    found = []
    for vix in np.flatnonzero(best >= policy.burst_max_votes):
        rows = tab.votes_of(vix)
        start = rows[np.argmax(in_window[rows])]
        window = np.arange(start, start + best[vix])
        found.append(_voter_finding("burst", tab, vix, _ratio_score(best[vix], policy.burst_max_votes), {
            "max_votes_in_window": int(best[vix]), "window_seconds": policy.burst_window_s,
            "threshold": policy.burst_max_votes, "window_vote_ids": [int(v) for v in tab.vote_id[window]]}, window))
    return found


def shared_address(tab: VoteTable, policy: DetectorPolicy) -> list[Finding]:
    """Addresses behind which many distinct accounts voted."""
    known = tab.aix >= 0
    pairs = distinct(tab.aix[known] * len(tab.voters) + tab.vix[known])
    accounts = np.bincount(pairs // len(tab.voters), minlength=len(tab.addresses))
    found = []
    for ax in np.flatnonzero(accounts >= policy.address_max_voters):
        rows = np.flatnonzero(tab.aix == ax)
        ids, per = np.unique(tab.voter[rows], return_counts=True)
        found.append(Finding(
            kind="shared_address", voter=None, voters=tuple(int(v) for v in ids),
            score=_ratio_score(accounts[ax], policy.address_max_voters),
            evidence={"address": tab.addresses[ax], "accounts": int(accounts[ax]), "votes": int(len(rows)),
                      "threshold": policy.address_max_voters, "as_of": tab.as_of,
                      "votes_per_account": {str(int(v)): int(c) for v, c in zip(ids, per)},
                      "example_vote_ids": [int(v) for v in tab.vote_id[rows][:EXAMPLES]]},
            vote_ids=tuple(int(v) for v in tab.vote_id[rows])))
    return found


def likelihood(tab: VoteTable, policy: DetectorPolicy) -> list[Finding]:
    """Voters whose decisive votes do not follow the ratings (one-parameter likelihood-ratio test).

    Model: P(A chosen) = sigmoid(beta * x), x the ratings' logit for A. beta = 1 is the null (votes like
    the board); the fitted beta per voter and LR = 2 (l(beta) - l(1)) ~ chi2(1) give a one-sided p-value.
    Flagged when beta <= policy.likelihood_max_slope (no better than a coin, or against the ratings).
    """
    rows = np.flatnonzero(tab.decisive)
    v = tab.vix[rows]
    x = np.log(tab.p_a[rows] / (1 - tab.p_a[rows]))
    y = (tab.outcome[rows] == 0).astype(float)
    nv = len(tab.voters)
    beta = np.ones(nv)
    for _ in range(50):
        s = 1 / (1 + np.exp(-beta[v] * x))
        grad = np.bincount(v, weights=x * (y - s), minlength=nv)
        info = np.bincount(v, weights=x * x * s * (1 - s), minlength=nv)
        step = np.clip(grad / np.maximum(info, 1e-12), -2, 2)
        beta = np.clip(beta + step, -20, 20)
        if np.max(np.abs(step), initial=0.0) < 1e-8:
            break

    def loglik(bv: np.ndarray) -> np.ndarray:
        z = bv[v] * x
        return np.bincount(v, weights=y * z - np.logaddexp(0, z), minlength=nv)

    lr = np.maximum(2 * (loglik(beta) - loglik(np.ones(nv))), 0.0)
    n = np.bincount(v, minlength=nv)
    tested = np.flatnonzero(n >= policy.likelihood_min_votes)
    p = np.where(beta[tested] < 1, _normal_upper(np.sqrt(lr[tested])), 1.0)
    q = bh_adjust(p)
    found = []
    for vix, pv, qv in zip(tested, p, q):
        if qv > policy.fdr or beta[vix] > policy.likelihood_max_slope:
            continue
        mine = tab.votes_of(vix)
        against = mine[tab.decisive[mine] & ((tab.outcome[mine] == 0) != (tab.p_a[mine] >= 0.5))]
        found.append(_voter_finding("likelihood", tab, vix, 1 - qv, {
            "decisive_votes": int(n[vix]), "slope": _r(beta[vix], 3), "lr_statistic": _r(lr[vix], 2),
            "against_ratings": int(len(against)), "p_value": float(pv), "q_value": float(qv)}, against))
    return found


def _covote_edges(tab: VoteTable, policy: DetectorPolicy) -> np.ndarray:
    """Nodes (model, voter) as model * V + voter: u and w linked for model M when at least K of u's picks
    of M and K of w's had a pick of M by the other within the window (one vote near many counts once)."""
    rows = np.flatnonzero(tab.decisive)
    model, t, v = tab.chosen[rows], tab.t[rows], tab.vix[rows]
    order = np.lexsort((t, model))
    model, t, v = model[order], t[order], v[order]
    nv, n = len(tab.voters), len(t)
    keys, firsts, seconds = [], [], []
    for lag in range(1, n):
        close = (model[lag:] == model[:-lag]) & (t[lag:] - t[:-lag] <= policy.ring_window_s)
        if not close.any():
            break
        i = np.flatnonzero(close)
        j = i + lag
        i, j = i[v[i] != v[j]], j[v[i] != v[j]]
        low = np.where(v[i] < v[j], i, j)
        high = np.where(v[i] < v[j], j, i)
        keys.append((model[i] * nv + v[low]) * nv + v[high])
        firsts.append(low)
        seconds.append(high)
    if not keys:
        return np.empty((0, 2), dtype=np.int64)
    key = np.concatenate(keys)
    pairs, inverse = np.unique(key, return_inverse=True)
    occasions = np.minimum(_distinct_per(inverse, np.concatenate(firsts), n, len(pairs)),
                           _distinct_per(inverse, np.concatenate(seconds), n, len(pairs)))
    pair = pairs[occasions >= policy.ring_min_covotes]
    m, u, w = pair // (nv * nv), (pair // nv) % nv, pair % nv
    return np.stack([m * nv + u, m * nv + w], axis=1)


def _distinct_per(group: np.ndarray, item: np.ndarray, n_items: int, n_groups: int) -> np.ndarray:
    """How many distinct items each group holds."""
    return np.bincount(distinct(group * n_items + item) // n_items, minlength=n_groups)


def _address_edges(tab: VoteTable, max_accounts: int | None = None) -> np.ndarray:
    """Voter pairs sharing an address: each account linked to the first account seen there (only addresses
    with fewer than `max_accounts` accounts, when given)."""
    known = tab.aix >= 0
    nv = len(tab.voters)
    pairs = distinct(tab.aix[known] * nv + tab.vix[known])
    if max_accounts is not None:
        pairs = pairs[np.bincount(pairs // nv)[pairs // nv] < max_accounts]
    ax, vx = pairs // nv, pairs % nv
    first = np.r_[True, ax[1:] != ax[:-1]][:len(ax)]
    head = vx[np.maximum.accumulate(np.where(first, np.arange(len(ax)), 0))]
    return np.stack([head, vx], axis=1)[~first]


def _components(n: int, edges: np.ndarray) -> np.ndarray:
    """Connected-component label per node (union-find with path halving)."""
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u, w in edges.tolist():
        ru, rw = root(u), root(w)
        if ru != rw:
            parent[max(ru, rw)] = min(ru, rw)
    return np.array([root(x) for x in range(n)], dtype=np.int64)


def ring(tab: VoteTable, policy: DetectorPolicy) -> list[Finding]:
    """Linked groups of accounts whose pooled votes boost one model improbably.

    One graph per model M: accounts are linked when they share an address, or when both picked M within
    `ring_window_s` of each other at least `ring_min_covotes` times. A connected group of at least
    `ring_min_size` accounts is tested on its pooled votes with M (wins vs the ratings' expectation,
    Bonferroni over the groups tested) and needs a pooled excess of `ring_min_excess`. Per-model graphs
    keep honest accounts who happen to vote at the same busy hours for different models apart; the
    excess threshold covers the bias of having linked accounts by their picks of M. Listed members are
    those whose own votes with M win at least `ring_member_min_share` of the time and whose own wins
    have a tail probability of at most `ring_member_p` (so an honest voter linked by a few picks of a
    popular model at the campaign's hours is left out).
    """
    nv, nm = len(tab.voters), len(tab.models)
    address = _address_edges(tab)
    per_model = (np.arange(nm)[:, None, None] * nv + address[None, :, :]).reshape(-1, 2)
    label = _components(nv * nm, np.concatenate([_covote_edges(tab, policy), per_model]))
    size = np.bincount(label, minlength=nv * nm)
    rows, model, won, expected = _model_rows(tab, np.ones(len(tab.vote_id), bool))
    node = label[model * nv + tab.vix[rows]]
    grouped = size[node] >= policy.ring_min_size
    rows, model, won, expected, node = rows[grouped], model[grouped], won[grouped], expected[grouped], node[grouped]
    if len(rows) == 0:
        return []
    keys, group = np.unique(node, return_inverse=True)
    n = np.bincount(group, minlength=len(keys))
    k = np.bincount(group, weights=won, minlength=len(keys))
    mean = np.bincount(group, weights=expected, minlength=len(keys))
    tested = np.flatnonzero(n >= policy.ring_min_votes)
    p_adj = np.minimum(1.0, bernoulli_sum_tail(expected, group, k) * max(len(tested), 1))
    found = []
    for g in tested:
        if p_adj[g] <= policy.fdr and (k[g] - mean[g]) / n[g] >= policy.ring_min_excess:
            mine = group == g
            found.append(_ring_finding(tab, policy, int(model[mine][0]), rows[mine], won[mine], expected[mine],
                                       float(p_adj[g]), int(size[keys[g]]), int(k[g]), float(mean[g])))
    return [f for f in found if f is not None]


def _ring_finding(tab: VoteTable, policy: DetectorPolicy, m: int, rows: np.ndarray, won: np.ndarray,
                  chance: np.ndarray, p_adj: float, linked: int, wins: int, expected: float) -> Finding | None:
    members, member, n = np.unique(tab.vix[rows], return_inverse=True, return_counts=True)
    k = np.bincount(member, weights=won, minlength=len(members))
    own_p = bernoulli_sum_tail(chance, member, k)
    keep = members[(k >= policy.ring_member_min_share * n) & (own_p <= policy.ring_member_p)]
    if len(keep) < 2:
        return None
    vote_rows = np.flatnonzero(np.isin(tab.vix, keep))
    boost_rows = rows[won & np.isin(tab.vix[rows], keep)]
    ids = tuple(int(v) for v in tab.voters[keep])
    known = tab.aix[vote_rows][tab.aix[vote_rows] >= 0]
    return Finding(
        kind="ring", voter=None, voters=ids, score=_r(1 - p_adj),
        evidence={"model": tab.models[m], "linked_accounts": linked, "listed_accounts": len(ids),
                  "votes_with_model": int(len(rows)), "wins": wins, "expected_wins": _r(expected, 2),
                  "p_value_bonferroni": p_adj, "addresses": int(len(np.unique(known))),
                  "window_seconds": policy.ring_window_s, "as_of": tab.as_of,
                  "example_vote_ids": [int(v) for v in tab.vote_id[boost_rows][:EXAMPLES]]},
        vote_ids=tuple(int(v) for v in tab.vote_id[vote_rows]))


# ---- cohort: a campaign spread thin over many light accounts -------------------------------------------------

COHORT_SHAPES = ("selective", "blended")


@dataclass(frozen=True)
class Units:
    """Accounts pooled by small shared addresses, with their records per model (rows indexed by unit label)."""

    label: np.ndarray  # unit label per voter index (the unit's first voter index)
    votes: np.ndarray  # votes per unit label
    light: np.ndarray  # labels that are units of at most `cohort_max_votes` votes
    with_model: np.ndarray  # [label, model]: votes holding the model
    wins: np.ndarray  # [label, model]: decisive votes for the model
    with_model_own: np.ndarray  # [voter index, model]: each account's own votes holding the model
    by_label: np.ndarray  # voter indices sorted by unit label

    def members(self, head: int) -> np.ndarray:
        """Voter indices of the unit whose label is `head`."""
        lo, hi = np.searchsorted(self.label[self.by_label], [head, head + 1])
        return self.by_label[lo:hi]


def cohort(tab: VoteTable, policy: DetectorPolicy) -> list[Finding]:
    """Light accounts that, together, back one model far more often than honest voters can.

    A campaign spread over a thousand accounts gives each only a few votes: too few for any per-account
    test. But an honest voter cannot choose the pair (battles are drawn blind), so a vote holds M with
    probability s_M (M's share of all battles) and M wins it with probability q_M (M's mean expected
    score against its opponents from the ratings; a tie or "both bad" is not a win). The signature of a
    booster is a record in which every vote with M is a decisive win for M. Two campaign shapes are
    tested per model, each against the exact probability of its record for an honest unit of n votes:
    - selective (battles without M abandoned: every vote holds M and is a win for M): u = (s q)^n;
    - blended (votes on everything, M whenever shown): at least j votes with M, all of them won, and
      some votes without M, u(n, j) = sum_{j <= i < n} C(n, i) (s q)^i (1 - s)^(n - i).
    The shapes share no record, so a big selective campaign does not let the blended cohort reach into
    weaker honest records (each shape's cohort is judged on its own candidates).
    Both depend only on n, so how many honest units are expected below any threshold is known exactly from
    how many units have each n (light honest accounts that cannot reach a small u add nothing, unlike the
    uniform bound of Benjamini-Hochberg). Per model and shape, the units are sorted by u and the cohort is
    the longest prefix whose expected honest count stays under `cohort_fdr` of its size (step-up), with at
    least `cohort_min_units` units and an excess over that expectation significant on its own (Poisson
    tail under `fdr` / models). Together the two cohorts keep the false share under `cohort_fdr` too.

    s and q should be honest voters' own: a campaign raises its model's share of battles and its rating,
    which hides it. So the cohorts are found once with the ratings given, the ratings are refitted without
    their units' votes, and the cohorts found again with those odds are the findings.

    A unit is an account, or the accounts behind one address that fewer than `address_max_voters` accounts
    share (a household, or a campaign's proxy): pooled, four accounts with four boosts each are one record
    of sixteen. Units of more than `cohort_max_votes` votes are left to favoured_model. Each unit of the
    cohort is a finding listing its accounts that voted on M at all, with every vote of theirs.
    """
    units = _units(tab, policy)
    if not units.light.any():
        return []
    chosen = _cohort_pass(tab, policy, units, _model_odds(tab, tab.p_a))
    if chosen:
        kept = ~np.isin(units.label[tab.vix], np.array(sorted({head for head, _ in chosen})))
        if kept.any():
            chosen = _cohort_pass(tab, policy, units, _model_odds(tab, _refit_p_a(tab, kept), kept))
    return [_cohort_finding(tab, units, head, m, *pick) for (head, m), pick in sorted(chosen.items())]


def _units(tab: VoteTable, policy: DetectorPolicy) -> Units:
    """Accounts joined by the addresses that fewer than `address_max_voters` accounts share; larger ones
    (a campus or carrier NAT) would mix strangers, and shared_address reports them."""
    nv, nm = len(tab.voters), len(tab.models)
    label = _components(nv, _address_edges(tab, policy.address_max_voters))
    votes = np.bincount(label[tab.vix], minlength=nv)
    light = (votes <= policy.cohort_max_votes) & (np.arange(nv) == label)
    own = np.bincount(np.concatenate([tab.vix * nm + tab.a, tab.vix * nm + tab.b]), minlength=nv * nm).reshape(nv, nm)
    with_model = np.zeros((nv, nm), dtype=np.int64)
    np.add.at(with_model, label, own)
    wins = np.bincount((label[tab.vix] * nm + tab.chosen)[tab.decisive], minlength=nv * nm)
    return Units(label=label, votes=votes, light=light, with_model=with_model, wins=wins.reshape(nv, nm),
                 with_model_own=own, by_label=np.argsort(label, kind="stable"))


def _cohort_pass(tab: VoteTable, policy: DetectorPolicy, units: Units,
                 odds: tuple[np.ndarray, np.ndarray]) -> dict[tuple[int, int], tuple]:
    """(unit label, model) -> (shape, u, q-value, cohort evidence) for every unit in a cohort."""
    share, win = odds
    nm, nmax = len(tab.models), int(units.votes[units.light].max())
    sizes = np.bincount(units.votes[units.light], minlength=nmax + 1)
    chosen: dict[tuple[int, int], tuple] = {}
    for m in range(nm):
        all_won = units.light & (units.with_model[:, m] >= 1) & (units.wins[:, m] == units.with_model[:, m])
        for shape in COHORT_SHAPES:
            tail = _shape_tail(shape, nmax, float(share[m]), float(win[m]))
            cand = np.flatnonzero(all_won & ((units.with_model[:, m] == units.votes) == (shape == "selective")))
            picked = _step_up(policy, tail, sizes, cand, tail[units.votes[cand], units.with_model[cand, m]], nm)
            if picked is None:
                continue
            heads, u, q, size, expected, p_cohort = picked
            ev = {"model": tab.models[m], "shape": shape, "cohort_units": size,
                  "expected_honest_units": _r(expected, 3), "cohort_p_value": p_cohort, "threshold": float(u[-1]),
                  "share_of_battles": _r(share[m]), "expected_win_rate": _r(win[m]), "as_of": tab.as_of}
            chosen.update({(head, m): (shape, uv, qv, ev) for head, uv, qv in zip(heads.tolist(), u.tolist(),
                                                                                q.tolist())})
    return chosen


def _step_up(policy: DetectorPolicy, tail: np.ndarray, sizes: np.ndarray, cand: np.ndarray, u: np.ndarray,
             nm: int) -> tuple | None:
    """The longest prefix of the candidates sorted by u whose expected honest count is at most `cohort_fdr`
    of its size: (heads, u, q-values, size, expected honest, Poisson p of the excess), or None."""
    if len(cand) < policy.cohort_min_units:
        return None
    order = np.argsort(u, kind="stable")
    cand, u = cand[order], u[order]
    expected = _expected_honest(tail, sizes, u)
    size = np.arange(1, len(u) + 1)
    ok = np.flatnonzero((expected <= policy.cohort_fdr * size) & (size >= policy.cohort_min_units))
    if len(ok) == 0:
        return None
    last = int(ok[-1]) + 1
    p_cohort = _poisson_tail(last, float(expected[last - 1]))
    if p_cohort > policy.fdr / nm:
        return None
    q = np.minimum.accumulate((expected / size)[::-1])[::-1]
    return cand[:last], u[:last], q[:last], last, float(expected[last - 1]), p_cohort


def _model_odds(tab: VoteTable, p_a: np.ndarray, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per model: its share of the battles (s) and its mean expected score in them (q), over `rows`."""
    nm = len(tab.models)
    rows = np.ones(len(tab.a), bool) if rows is None else rows
    a, b, p = tab.a[rows], tab.b[rows], p_a[rows]
    battles = np.bincount(a, minlength=nm) + np.bincount(b, minlength=nm)
    score = np.bincount(a, weights=p, minlength=nm) + np.bincount(b, weights=1 - p, minlength=nm)
    return battles / max(len(a), 1), np.divide(score, battles, out=np.full(nm, 0.5), where=battles > 0)


def _refit_p_a(tab: VoteTable, rows: np.ndarray) -> np.ndarray:
    """Expected score of A in every vote, from Bradley-Terry ratings fitted on `rows` only."""
    nm = len(tab.models)
    outcome = np.array([OUTCOME_OF_WINNER[w] for w in WINNERS])[tab.outcome[rows]]
    rating = fit_bt(effective_wins(tally(tab.a[rows], tab.b[rows], outcome, nm).weights))
    return 1.0 / (1.0 + 10.0 ** ((rating[tab.b] - rating[tab.a]) / 400.0))


def _shape_tail(shape: str, nmax: int, share: float, win: float) -> np.ndarray:
    """T[n, j] for n <= nmax, j <= nmax + 1: the honest probability of a record at least as extreme as j
    votes with M among n, all of them won, some without M (blended), or of n votes all with M and won
    (selective, j <= n). The two shapes share no record."""
    n = np.arange(nmax + 1)[:, None]
    j = np.arange(nmax + 2)[None, :]
    sq, rest = max(share * win, 1e-300), max(1.0 - share, 1e-300)
    if shape == "selective":
        return np.where((j >= 1) & (j <= n), np.exp(n * math.log(sq)), np.where(j == 0, 1.0, 0.0))
    log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, nmax + 2)))])
    inside = j <= n
    jj, nj = np.minimum(j, n), np.maximum(n - j, 0)
    log_pmf = log_fact[n] - log_fact[jj] - log_fact[nj] + jj * math.log(sq) + nj * math.log(rest)
    pmf = np.where(inside, np.exp(np.where(inside, log_pmf, 0.0)), 0.0)
    selective = np.where((j >= 1) & inside, np.exp(n * math.log(sq)), 0.0)
    return np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1] - selective


def _expected_honest(tail: np.ndarray, sizes: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Expected number of honest units with u <= t, for each t: a unit of n votes reaches it with
    probability T[n, j*] for the first j* with T[n, j*] <= t (T falls with j), `sizes[n]` units of n votes."""
    values = tail[1:len(sizes), 1:-1]
    steps = (values - tail[1:len(sizes), 2:]) * sizes[1:, None]
    live = (values > 0) & (steps > 0)
    values, steps = values[live], steps[live]
    order = np.argsort(values)
    cum = np.concatenate([[0.0], np.cumsum(steps[order])])
    return cum[np.searchsorted(values[order], thresholds, side="right")]


def _poisson_tail(k: int, mean: float) -> float:
    """Chernoff upper bound on P(Poisson(mean) >= k)."""
    if k <= mean:
        return 1.0
    if mean <= 0:
        return 0.0
    return float(math.exp(min(0.0, k - mean - k * math.log(k / mean))))


def _cohort_finding(tab: VoteTable, units: Units, head: int, m: int, shape: str, u: float, q: float,
                    cohort_ev: dict) -> Finding:
    """One unit of a cohort: the accounts of the unit that voted on M (the others show nothing), all their
    votes, the cohort's numbers and the unit's own."""
    accounts = units.members(head)
    listed = np.array([v for v in accounts.tolist() if units.with_model_own[v, m] > 0], dtype=np.int64)
    rows = np.concatenate([tab.votes_of(v) for v in listed.tolist()])
    boosts = rows[(tab.a[rows] == m) | (tab.b[rows] == m)]
    ids = tuple(int(v) for v in tab.voters[listed])
    votes, with_model = int(units.votes[head]), int(units.with_model[head, m])
    evidence = {**cohort_ev, "shape": shape, "accounts": int(len(accounts)), "listed_accounts": len(ids),
                "votes": votes, "votes_with_model": with_model, "wins": with_model,
                "expected_battles_with_model": _r(votes * cohort_ev["share_of_battles"], 2),
                "p_value": u, "q_value": q, "example_vote_ids": [int(v) for v in tab.vote_id[boosts][:EXAMPLES]]}
    return Finding(kind="cohort", voter=ids[0] if len(ids) == 1 else None, voters=ids, score=_r(1 - q),
                   evidence=evidence, vote_ids=tuple(int(v) for v in tab.vote_id[rows]))


DETECTORS: tuple[Callable[[VoteTable, DetectorPolicy], list[Finding]], ...] = (
    too_fast, position_bias, favoured_model, burst, shared_address, likelihood, ring, cohort)


def detect(events: Iterable[VoteEvent], ratings: dict[str, float], policy: DetectorPolicy = DetectorPolicy(),
           now: datetime | None = None) -> list[Finding]:
    """Every detector over the votes cast up to `now`; findings highest score first."""
    tab = build_table(list(events), ratings, now)
    if len(tab.vote_id) == 0:
        return []
    found = [f for detector in DETECTORS for f in detector(tab, policy)]
    return sorted(found, key=lambda f: (-f.score, f.kind, f.voter or 0, f.voters))


def board(events: Sequence[VoteEvent], slugs: list[str]) -> np.ndarray:
    """Bradley-Terry ratings (Elo scale) of the given votes, in the order of `slugs`: the ratings the
    likelihood and favoured-model detectors compare each voter with."""
    ix = {m: i for i, m in enumerate(slugs)}
    a = np.array([ix[e.model_a] for e in events], dtype=np.int64)
    b = np.array([ix[e.model_b] for e in events], dtype=np.int64)
    outcome = np.array([OUTCOME_OF_WINNER[e.winner] for e in events], dtype=np.int64)
    return fit_bt(effective_wins(tally(a, b, outcome, len(slugs)).weights))
