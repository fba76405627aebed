"""Every request the drills send, counted: by kind and status, with the votes acknowledged or lost.

A request that got no answer at all (the connection dropped, a web worker was killed) counts as
"lost:<exception>".
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy

import requests

TIMEOUT = (3.0, 20.0)  # connect, read: far above any healthy answer, below any hang worth waiting for


@dataclass
class Tally:
    """Thread-safe counts of every response, the acknowledged votes and the votes whose answer was lost."""

    statuses: Counter = field(default_factory=Counter)  # (kind, status) -> n
    acked: dict[str, str] = field(default_factory=dict)  # vote_id -> battle_id, from each 200
    duplicate_acks: list[str] = field(default_factory=list)
    lost_votes: list[str] = field(default_factory=list)  # battle ids whose vote request got no answer
    vote_answers: dict[str, int] = field(default_factory=dict)  # battle id -> status of a vote not answered 200
    server_errors: list[str] = field(default_factory=list)  # "t kind status body" of each 5xx but 503
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int | str, t: float, body: str = "") -> None:
        with self.lock:
            self.statuses[(kind, status)] += 1
            if isinstance(status, int) and status >= 500 and status != 503 and len(self.server_errors) < 50:
                self.server_errors.append(f"t={t:.1f}s {kind} {status} {body[:160]}")

    def vote_answer(self, battle_id: str, resp: requests.Response | None) -> None:
        """Remember a vote that got no answer (lost) or an answer other than 200."""
        with self.lock:
            if resp is None:
                self.lost_votes.append(battle_id)
            elif resp.status_code != 200:
                self.vote_answers[battle_id] = resp.status_code

    def ack(self, vote_id: str, battle_id: str) -> None:
        with self.lock:
            if vote_id in self.acked:
                self.duplicate_acks.append(vote_id)
            self.acked[vote_id] = battle_id

    def by_kind(self) -> dict[str, dict[str, int]]:
        """{kind: {status: n}} for reports."""
        out: dict[str, dict[str, int]] = {}
        for (kind, status), n in sorted(self.statuses.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            out.setdefault(kind, {})[str(status)] = n
        return out


def new_http() -> requests.Session:
    """A client that keeps no cookies of its own: each request names its citizen's session."""
    http = requests.Session()
    http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    return http


class Clock:
    """Seconds since the drill began (one clock for the load, the pollers and the fault timeline)."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self.t0


def send(http: requests.Session, tally: Tally, clock: Clock, kind: str, method: str, url: str,
         **kwargs) -> requests.Response | None:
    """One request, tallied; None when no answer came back."""
    try:
        resp = http.request(method, url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        tally.record(kind, f"lost:{type(exc).__name__}", clock.now())
        return None
    tally.record(kind, resp.status_code, clock.now(), resp.text if resp.status_code >= 500 else "")
    return resp


def error_code(resp: requests.Response) -> str:
    try:
        return str(resp.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""
