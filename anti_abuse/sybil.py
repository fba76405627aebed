"""A seeded, pure sybil simulation: honest voters, one campaign boosting a target, and what detection undoes.

Honest voters vote on uniformly drawn pairs from known model strengths (Bradley-Terry on the Elo scale)
with human noise: a personal taste per model (and fans: 5 % of voters like one model 150 Elo points
more), ties and "both bad", a small side lean, inattentive coin-flip votes, reading times (some skimmers,
some answers read while they streamed), a heavy-tailed activity with a few heavy voters and many light
ones (about half cast at most five votes), and a small share of accounts behind shared addresses (NAT).
A campaign of sybil accounts recognises the target model (e.g. by an identity leak) and boosts it:
- `naive`: votes only in battles with the target, always for it, seconds after the answers are ready,
  back to back, from a few addresses;
- `slow`: the same choices at a human reading pace, spread over the whole round, one address each;
- `mixed`: votes on every battle, honestly (by the true strengths) when the target is absent and for
  the target when present, at a human pace in sessions over a few days, from a small pool of addresses.
`simulate` runs `detect` on everything (with the ratings the board would show during the campaign) and
reports what share of campaign votes the findings cover, what share of honest voters they name, and
the target's rank and rating with honest votes only, with the campaign, and after voiding every vote
the findings list.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np

from anti_abuse.detectors import DetectorPolicy, Finding, VoteEvent, board, detect

STRATEGIES = ("naive", "slow", "mixed")
START = datetime(2026, 6, 1, tzinfo=timezone.utc)
DAY = 86_400.0


@dataclass(frozen=True)
class SimConfig:
    """Size and shape of one simulated round."""

    honest_voters: int = 2_000
    honest_votes: int = 20_000
    n_models: int = 10
    model_gap: float = 40.0  # Elo points between neighbouring true strengths
    days: float = 14.0
    target_rank: int = 6  # true rank of the boosted model (1 = strongest)
    campaign_share: float = 0.04  # votes for the target the campaign adds, as a share of honest votes
    sybil_accounts: int = 30
    nat_share: float = 0.03  # honest accounts behind a shared address (2-6 accounts each)
    heavy_share: float = 0.01  # honest voters with about 15x the usual activity
    fan_share: float = 0.05  # honest voters who like one model far beyond its strength (a team's fans) ...
    fan_taste: float = 150.0  # ... by this many Elo points
    seed: int = 7


@dataclass(frozen=True)
class SimResult:
    """What one strategy gives (shares in [0, 1]; ranks 1 = best)."""

    strategy: str
    campaign_votes: int
    campaign_boosts: int
    caught: float  # share of all campaign votes listed in findings
    caught_boosts: float  # share of the campaign's votes for the target listed in findings
    honest_voters: int
    honest_flagged: float
    rank_honest: int
    rank_during: int
    rank_after: int
    rating_honest: float
    rating_during: float
    rating_after: float
    findings: dict = field(default_factory=dict)  # kind -> count
    detect_seconds: float = 0.0


def strengths(config: SimConfig) -> tuple[list[str], np.ndarray]:
    """Model slugs and true strengths, strongest first."""
    slugs = [f"model-{i + 1:02d}" for i in range(config.n_models)]
    return slugs, 1000.0 + config.model_gap * ((config.n_models - 1) / 2 - np.arange(config.n_models))


def _pairs(rng: np.random.Generator, n: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    a = rng.integers(0, n, count)
    return a, (a + rng.integers(1, n, count)) % n


def _sessions(rng: np.random.Generator, voter: np.ndarray, gaps: np.ndarray, mean_len: float,
              window: tuple[float, float]) -> np.ndarray:
    """Vote times (s): each voter's votes in sessions of about `mean_len` votes starting inside `window`."""
    new = np.r_[True, voter[1:] != voter[:-1]] | (rng.random(len(voter)) < 1.0 / mean_len)
    session = np.cumsum(new) - 1
    start = rng.uniform(*window, session[-1] + 1) if len(voter) else np.empty(0)
    total = np.cumsum(gaps)
    offset = total - (total - gaps)[np.flatnonzero(new)][session]
    return start[session] + offset


def _events(ids: np.ndarray, voter: np.ndarray, address: list, a: np.ndarray, b: np.ndarray, winner: np.ndarray,
            voted: np.ndarray, elapsed: np.ndarray, chars: np.ndarray, slugs: list[str]) -> list[VoteEvent]:
    names = ("a", "b", "tie", "bothbad")
    return [VoteEvent(vote_id=int(i), voter=int(v), address=ad, model_a=slugs[x], model_b=slugs[y],
                      winner=names[w], category="general", voted_at=START + timedelta(seconds=float(t)),
                      ready_at=START + timedelta(seconds=float(t - e)), read_chars=int(c))
            for i, v, ad, x, y, w, t, e, c in zip(ids.tolist(), voter.tolist(), address, a.tolist(), b.tolist(),
                                                 winner.tolist(), voted.tolist(), elapsed.tolist(), chars.tolist())]


def honest_votes(rng: np.random.Generator, config: SimConfig, true: np.ndarray, slugs: list[str]) -> list[VoteEvent]:
    """Honest voters 1..H and their votes (ids 1..N), drawn as the module docstring says."""
    h, n_models = config.honest_voters, config.n_models
    heavy = rng.random(h) < config.heavy_share
    weight = rng.lognormal(0.0, 1.0, h) * np.where(heavy, 15.0, 1.0)
    counts = 1 + rng.multinomial(config.honest_votes - h, weight / weight.sum())
    voter = np.repeat(np.arange(h), counts)
    n = len(voter)
    a, b = _pairs(rng, n_models, n)
    taste = rng.normal(0.0, 40.0, (h, n_models))
    fans = np.flatnonzero(rng.random(h) < config.fan_share)
    taste[fans, rng.integers(0, n_models, len(fans))] += config.fan_taste
    lean = rng.normal(0.0, 0.15, h)  # logit shift towards side A
    attentive = rng.uniform(0.6, 1.0, h)
    tie_rate = rng.uniform(0.05, 0.2, h)
    diff = (true[a] + taste[voter, a] - true[b] - taste[voter, b]) * np.log(10) / 400 + lean[voter]
    p_a = np.where(rng.random(n) < attentive[voter], 1 / (1 + np.exp(-diff)), 0.5 + lean[voter] / 4)
    u = rng.random(n)
    tie = rng.random(n) < tie_rate[voter]
    winner = np.where(tie, np.where(u < 0.5, 2, 3), np.where(u < p_a, 0, 1))
    chars = rng.integers(600, 3000, n)
    speed = rng.lognormal(np.log(12.0), 0.4, h)[voter]  # characters per second
    elapsed = chars / speed * rng.uniform(0.3, 1.0, n)  # part was read while the answers streamed
    elapsed = np.where(rng.random(n) < 0.05, rng.uniform(0.5, 3.0, n), elapsed)  # decided at a glance
    gaps = rng.uniform(8, 25, n) + elapsed + rng.exponential(20.0, n)
    voted = _sessions(rng, voter, gaps, 6.0, (0.0, config.days * DAY))
    nat = np.flatnonzero(rng.random(h) < config.nat_share)
    home = [f"h{v}" for v in range(h)]
    for i, group in enumerate(np.array_split(nat, max(1, len(nat) // 4))):
        for v in group:
            home[v] = f"nat{i}"
    address = [home[v] if r > 0.02 else None for v, r in zip(voter.tolist(), rng.random(n).tolist())]
    return _events(np.arange(1, n + 1), voter + 1, address, a, b, winner, voted, elapsed, chars, slugs)


def campaign(rng: np.random.Generator, config: SimConfig, strategy: str, true: np.ndarray, slugs: list[str],
             target: int, first_id: int) -> list[VoteEvent]:
    """The sybil accounts' votes (voters after the honest ones, ids from `first_id`)."""
    boosts = round(config.campaign_share * config.honest_votes)
    s, n_models = config.sybil_accounts, config.n_models
    if strategy == "mixed":  # every battle is voted on; about 2/n of them hold the target
        n = round(boosts * n_models / 2)
        a, b = _pairs(rng, n_models, n)
    else:  # battles without the target are abandoned: every vote is a boost
        n = boosts
        a, b = _pairs(rng, n_models - 1, n)
        a, b = np.where(a >= target, a + 1, a), np.where(b >= target, b + 1, b)
        side = rng.random(n) < 0.5
        a, b = np.where(side, target, a), np.where(side, b, target)
    account = np.sort(rng.integers(0, s, n))
    honest_p = 1 / (1 + 10 ** ((true[b] - true[a]) / 400))
    u = rng.random(n)
    winner = np.where(u < 0.1, 2, np.where(rng.random(n) < honest_p, 0, 1))
    winner = np.where(a == target, 0, np.where(b == target, 1, winner))
    chars = rng.integers(600, 3000, n)
    human = chars / rng.lognormal(np.log(12.0), 0.3, n) * rng.uniform(0.3, 1.0, n)
    mid = config.days * DAY / 2
    if strategy == "naive":
        elapsed = rng.uniform(0.3, 1.5, n)
        voted = _sessions(rng, account, rng.uniform(5, 30, n), 1e9, (mid - DAY / 2, mid + DAY / 2))
        address = [f"bot{v % 3}" for v in account.tolist()]
    elif strategy == "slow":
        elapsed = human
        voted = rng.uniform(0, config.days * DAY, n)
        address = [f"proxy{v}" for v in account.tolist()]
    else:
        elapsed = human
        gaps = rng.uniform(8, 25, n) + elapsed + rng.exponential(20.0, n)
        voted = _sessions(rng, account, gaps, 8.0, (mid - 1.5 * DAY, mid + 1.5 * DAY))
        address = [f"vpn{v % max(1, s // 4)}" for v in account.tolist()]
    order = np.lexsort((voted, account))
    voter = account[order] + config.honest_voters + 1
    return _events(np.arange(first_id, first_id + n), voter, [address[i] for i in order], a[order], b[order],
                   winner[order], voted[order], elapsed[order], chars[order], slugs)


def rank_of(ratings: np.ndarray, model: int) -> int:
    return int(1 + (ratings > ratings[model]).sum())


def simulate(strategy: str, config: SimConfig = SimConfig(), policy: DetectorPolicy = DetectorPolicy()) -> SimResult:
    """One round with one campaign: detection, then the target's rank before, during and after voiding."""
    rng = np.random.default_rng([config.seed, STRATEGIES.index(strategy)])
    slugs, true = strengths(config)
    target = config.target_rank - 1
    honest = honest_votes(rng, config, true, slugs)
    sybil = campaign(rng, config, strategy, true, slugs, target, len(honest) + 1)
    everything = honest + sybil
    during = board(everything, slugs)
    started = time.perf_counter()
    findings = detect(everything, dict(zip(slugs, during.tolist())), policy, now=max(e.voted_at for e in everything))
    seconds = time.perf_counter() - started
    flagged_votes = {v for f in findings for v in f.vote_ids}
    flagged_voters = {v for f in findings for v in f.voters}
    honest_ids = {e.voter for e in honest}
    boosts = [e for e in sybil if slugs.index(e.model_a if e.winner == "a" else e.model_b) == target
              and e.winner in ("a", "b")]
    before, after = board(honest, slugs), board([e for e in everything if e.vote_id not in flagged_votes], slugs)
    return SimResult(
        strategy=strategy, campaign_votes=len(sybil), campaign_boosts=len(boosts),
        caught=sum(e.vote_id in flagged_votes for e in sybil) / max(1, len(sybil)),
        caught_boosts=sum(e.vote_id in flagged_votes for e in boosts) / max(1, len(boosts)),
        honest_voters=len(honest_ids), honest_flagged=len(flagged_voters & honest_ids) / len(honest_ids),
        rank_honest=rank_of(before, target), rank_during=rank_of(during, target), rank_after=rank_of(after, target),
        rating_honest=float(before[target]), rating_during=float(during[target]), rating_after=float(after[target]),
        findings=_kinds(findings), detect_seconds=seconds)


def _kinds(findings: list[Finding]) -> dict:
    out: dict[str, int] = {}
    for f in findings:
        out[f.kind] = out.get(f.kind, 0) + 1
    return out
