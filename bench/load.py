"""The load client: separate processes (the client shares the machine's cores with the server, as the
issue measured it), one keep-alive connection each, started together behind a barrier.

Each process runs one `kind` until a deadline and reports what it did:
- healthz: GET /healthz (no session, no database: the stack's own limit);
- noop: POST /bench/noop with a citizen's session cookie and CSRF token (the app's fixed cost per request);
- cycle: a citizen's cycle, POST /api/battles (a random curated prompt) then POST .../vote;
- board: GET /api/leaderboard;
- poll: GET /api/leaderboard every `interval` seconds, keeping (sent, answered, votes) of each read.
With `rate` (cycles per second for this process) a cycle is sent on a fixed schedule (open loop) instead
of as fast as the server answers. Times are time.monotonic(): one clock for every process of the machine.
"""
from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

WINNERS = ("a", "b", "tie", "bothbad")


@dataclass
class Report:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    battle_ms: list = field(default_factory=list)
    vote_ms: list = field(default_factory=list)
    counted_at: list = field(default_factory=list)  # when each counted vote was acknowledged
    polls: list = field(default_factory=list)  # (sent, answered, votes)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if not isinstance(status, int) or not 200 <= status < 300)

    def merge(self, other: "Report") -> None:
        self.requests += other.requests
        self.statuses.update(other.statuses)
        for name in ("battle_ms", "vote_ms", "counted_at", "polls"):
            getattr(self, name).extend(getattr(other, name))


class Client:
    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def send(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        for attempt in (1, 2):  # a keep-alive connection the server closed: once more on a new one
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _headers(citizen: tuple[str, str]) -> dict:
    token, csrf = citizen
    return {"Cookie": f"arena_session={token}", "X-CSRF-Token": csrf, "Content-Type": "application/json"}


def _cycle(client: Client, headers: dict, rng: random.Random, report: Report) -> None:
    began = time.monotonic()
    status, body = client.send("POST", "/api/battles", b"{}", headers)
    report.requests += 1
    report.statuses[status] += 1
    if status != 201:
        return
    report.battle_ms.append((time.monotonic() - began) * 1000)
    battle_id = json.loads(body)["battle_id"]
    winner = rng.choice(WINNERS).encode()
    began = time.monotonic()
    status, body = client.send("POST", f"/api/battles/{battle_id}/vote", b'{"winner": "' + winner + b'"}', headers)
    done = time.monotonic()
    report.requests += 1
    report.statuses[status] += 1
    if status == 200:
        report.vote_ms.append((done - began) * 1000)
        if json.loads(body)["counted"]:
            report.counted_at.append(done)


def worker(index: int, base_url: str, kind: str, citizens: list, duration: float, rate: float | None,
           interval: float, barrier, out) -> None:
    report, start = Report(), time.monotonic()
    try:
        start = _work(index, base_url, kind, citizens, duration, rate, interval, barrier, report)
    except Exception as exc:  # a lost connection, a timeout, a malformed answer: counted, never a hang
        report.statuses[f"{type(exc).__name__}"] += 1
        barrier.abort()
    out.put((index, report, time.monotonic() - start))


def _work(index: int, base_url: str, kind: str, citizens: list, duration: float, rate: float | None,
          interval: float, barrier, report: Report) -> float:
    client, rng = Client(base_url), random.Random(index)
    client.send("GET", "/healthz")  # connected before the clock starts
    barrier.wait()
    start = time.monotonic()
    until, turn = start + duration, 0
    while True:
        now = time.monotonic()
        if now >= until:
            break
        if kind == "healthz":
            status, _ = client.send("GET", "/healthz")
        elif kind == "noop":
            status, _ = client.send("POST", "/bench/noop", b"{}", _headers(citizens[turn % len(citizens)]))
        elif kind == "board":
            status, _ = client.send("GET", "/api/leaderboard")
        elif kind == "poll":
            status, body = client.send("GET", "/api/leaderboard")
            if status == 200:
                report.polls.append((now, time.monotonic(), json.loads(body)["votes"]))
            time.sleep(max(0.0, now + interval - time.monotonic()))
        else:  # cycle
            if rate:
                due = start + turn / rate
                if due > now:
                    time.sleep(due - now)
                    if time.monotonic() >= until:
                        break
            _cycle(client, _headers(citizens[turn % len(citizens)]), rng, report)
            turn += 1
            continue
        report.requests += 1
        report.statuses[status] += 1
        turn += 1
    return start


@dataclass
class Group:
    """`procs` processes of one kind; citizens are dealt to them in turn."""

    kind: str
    procs: int
    rate: float | None = None  # cycles per second over the whole group (cycle only)
    interval: float = 0.05  # poll only
    linger: float = 0.0  # seconds this group keeps going after the others stop (a poller seeing the last votes)


def run(base_url: str, groups: list[Group], citizens: list, duration: float) -> dict[str, tuple[Report, float]]:
    """Run every group at once for `duration` seconds; per kind, the merged report and requests per second."""
    ctx = mp.get_context("spawn")
    total = sum(g.procs for g in groups)
    barrier, out = ctx.Barrier(total), ctx.Queue()
    procs, kinds, index = [], {}, 0
    for group in groups:
        for i in range(group.procs):
            mine = citizens[i::group.procs] if citizens else []
            rate = group.rate / group.procs if group.rate else None
            kinds[index] = group.kind
            procs.append(ctx.Process(target=worker, args=(index, base_url, group.kind, mine, duration + group.linger, rate,
                                                          group.interval, barrier, out), daemon=True))
            index += 1
    for p in procs:
        p.start()
    results = [out.get(timeout=duration + 180) for _ in procs]
    for p in procs:
        p.join(30)
    merged: dict[str, list] = {}
    for idx, report, elapsed in results:
        entry = merged.setdefault(kinds[idx], [Report(), 0.0])
        entry[0].merge(report)
        entry[1] = max(entry[1], elapsed)
    return {kind: (report, report.requests / elapsed) for kind, (report, elapsed) in merged.items()}


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))]


def vote_to_board(counted_at: list[float], polls: list[tuple[float, float, int]], base: int) -> list[float]:
    """Seconds from each counted vote's acknowledgement until a board read answered after it showed a count
    including it: the k-th acknowledged counted vote is on the board once a read shows base + k votes.
    (One poller reads in sequence, so answers come in the order reads were sent.)"""
    polls = sorted(polls)
    delays, j = [], 0
    for k, acked in enumerate(sorted(counted_at), start=1):
        while j < len(polls) and (polls[j][1] < acked or polls[j][2] < base + k):
            j += 1
        delays.append(polls[j][1] - acked if j < len(polls) else float("inf"))
    return delays
