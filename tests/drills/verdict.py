"""What each drill must show, as checks that return problems (empty: the drill held).

Each check names what it saw: which statuses, which vote ids, the board's sequence, /readyz's states.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tests.drills.load import Sample
from tests.drills.tally import Tally


@dataclass(frozen=True)
class Outage:
    """A dependency made unavailable (drill seconds): the fault ran from `start` to `down`, the
    recovery from `healing` to `end`. Out for sure between `down` and `healing`; up outside `start`-`end`."""

    dependency: str  # as /readyz names it: "redis" or "database"
    start: float
    down: float
    healing: float
    end: float


READY_GRACE_IN = 1.5  # seconds /readyz may take to notice an outage (a Redis socket timeout is 0.5 s)
READY_GRACE_OUT = 3.0  # seconds it may take to notice the recovery (pools reconnect)
SHOW = 12  # ids or samples quoted in a message


def no_server_errors(tally: Tally, lost_ok: bool) -> list[str]:
    """Zero 500s (503 is the contract's answer for a dependency down); every request answered unless a
    web worker was killed under it."""
    problems = []
    errors = {k: n for k, n in tally.statuses.items() if isinstance(k[1], int) and k[1] >= 500 and k[1] != 503}
    if errors:
        problems.append(f"server errors {fmt_counts(errors)}; first bodies: {tally.server_errors[:5]}")
    malformed = {k: n for k, n in tally.statuses.items() if k[0] == "bad_body"}
    if malformed:
        problems.append(f"successful answers without the promised body: {fmt_counts(malformed)}")
    lost = {k: n for k, n in tally.statuses.items() if str(k[1]).startswith("lost")}
    if lost and not lost_ok:
        problems.append(f"requests without an answer {fmt_counts(lost)}")
    return problems


def votes_exactly_once(tally: Tally, before: set[str], rows: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """(problems, ids of unacknowledged rows explained by a lost answer).

    Every 200's vote_id is stored exactly once for its battle; a stored vote nobody was told about is
    a problem unless its request's answer was lost with a killed web worker.
    """
    problems = []
    per_id = Counter(vote_id for vote_id, _ in rows)
    battle_of = dict(rows)
    twice = [v for v, n in per_id.items() if n > 1]
    if twice or tally.duplicate_acks:
        problems.append(f"votes stored or acknowledged twice: rows {twice[:SHOW]}, acks {tally.duplicate_acks[:SHOW]}")
    missing = [v for v in tally.acked if v not in per_id]
    if missing:
        problems.append(f"{len(missing)} of {len(tally.acked)} acknowledged votes are not in SQL: {missing[:SHOW]}")
    moved = [v for v, b in tally.acked.items() if v in battle_of and battle_of[v] != b]
    if moved:
        problems.append(f"acknowledged votes stored on another battle: {moved[:SHOW]}")
    lost_battles = set(tally.lost_votes)
    unacked = [(v, b) for v, b in rows if v not in before and v not in tally.acked]
    explained = [v for v, b in unacked if b in lost_battles]
    unexplained = [f"{v} (battle {b}: answered {tally.vote_answers.get(b, 'no answer recorded')})"
                   for v, b in unacked if b not in lost_battles]
    if unexplained:
        problems.append(f"{len(unexplained)} stored votes were never acknowledged: {unexplained[:SHOW]}")
    return problems, explained


def board_never_backwards(samples: list[Sample]) -> list[str]:
    """The published vote count never drops between two reads."""
    read = [s for s in samples if s.status == 200 and s.votes is not None]
    drops = [(a, b) for a, b in zip(read, read[1:]) if b.votes < a.votes]
    if not drops:
        return []
    shown = ", ".join(f"t={a.t:.1f}s {a.votes}({a.source}) -> t={b.t:.1f}s {b.votes}({b.source})"
                      for a, b in drops[:SHOW])
    return [f"the board went backwards {len(drops)} times: {shown}; sequence: {board_runs(samples)}"]


def readyz_honest(samples: list[Sample], outages: list[Outage], lost_ok: bool) -> list[str]:
    """503 naming the dependency while it is out, 200 otherwise.

    A read is judged only when it was sent and answered wholly while the dependency was surely out
    (after the grace to notice it) or wholly outside every outage (and the grace to notice the recovery).
    """
    wrong = []
    for s in samples:
        if s.status == "lost":
            if not lost_ok:
                wrong.append(f"t={s.t:.1f}s no answer")
            continue
        for o in outages:
            if o.down + READY_GRACE_IN <= s.t and s.t_end <= o.healing and (
                    s.status != 503 or o.dependency not in s.failing):
                wrong.append(f"t={s.t:.1f}s {s.status}{list(s.failing)} while {o.dependency} was out")
        clear = all(s.t_end < o.start or s.t > o.end + READY_GRACE_OUT for o in outages)
        if clear and s.status != 200:
            wrong.append(f"t={s.t:.1f}s {s.status}{list(s.failing)} with everything up")
    unread = [o.dependency for o in outages
              if not any(o.down + READY_GRACE_IN <= s.t and s.t_end <= o.healing for s in samples)]
    problems = [f"/readyz was never read during the {dependency} outage" for dependency in unread]
    if wrong:
        problems.append(f"/readyz dishonest in {len(wrong)} of {len(samples)} reads: {wrong[:SHOW]}; "
                        f"outages {[(o.dependency, round(o.down, 1), round(o.healing, 1)) for o in outages]}; "
                        f"states: {ready_runs(samples)}")
    return problems


def board_runs(samples: list[Sample]) -> list[str]:
    """The board's reads, consecutive equal (status, source) folded: 't0-t1 status source votes first..last'."""
    return _runs(samples, lambda s: (s.status, s.source),
                 lambda k, a, b: f"{a.t:.1f}-{b.t:.1f}s {k[0]} {k[1]} {a.votes}..{b.votes}")


def ready_runs(samples: list[Sample]) -> list[str]:
    """/readyz's reads folded into runs of the same answer."""
    return _runs(samples, lambda s: (s.status, s.failing),
                 lambda k, a, b: f"{a.t:.1f}-{b.t:.1f}s {k[0]}{list(k[1]) if k[1] else ''}")


def _runs(samples, key, show) -> list[str]:
    runs, start = [], 0
    for i in range(1, len(samples) + 1):
        if i == len(samples) or key(samples[i]) != key(samples[start]):
            runs.append(show(key(samples[start]), samples[start], samples[i - 1]))
            start = i
    return runs


def fmt_counts(counts: dict) -> str:
    return ", ".join(f"{kind} {status}: {n}" for (kind, status), n in sorted(counts.items(), key=str))
