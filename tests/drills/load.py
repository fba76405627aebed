"""Steady concurrent voting by many citizens, and pollers of the board and /readyz, all counted.

Every request's outcome is tallied by kind and status; a request that got no answer at all (the
connection dropped, a worker was killed) counts as "lost:<exception>".
"""
from __future__ import annotations

import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookiejar import DefaultCookiePolicy

import requests
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import User
from app.sessions import COOKIE_NAME, open_user_session

TIMEOUT = (3.0, 20.0)  # connect, read: far above any healthy answer, below any hang worth waiting for
WINNERS = ("a", "b", "tie", "bothbad")
CYCLES_PER_TURN = 3  # votes a citizen casts before the next one takes over


@dataclass
class Citizen:
    user_id: int
    token: str
    csrf: str | None = None
    exhausted: bool = False  # the arena has nothing left to show them


def make_citizens(db_url: str, count: int) -> list[Citizen]:
    """Users with open server-side sessions, written directly in SQL (as a login would)."""
    engine = create_engine(db_url)
    try:
        with Session(engine) as session:
            users = [User(display_name=f"훈련시민{i}") for i in range(count)]
            session.add_all(users)
            session.flush()
            tokens = [open_user_session(session, u.id, utcnow(), timedelta(days=1)) for u in users]
            session.commit()
            return [Citizen(u.id, t) for u, t in zip(users, tokens)]
    finally:
        engine.dispose()


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


class CitizenPool:
    """Citizens taken in turn; one who has seen everything is retired."""

    def __init__(self, citizens: list[Citizen]):
        self._queue = deque(c for c in citizens if not c.exhausted)
        self._lock = threading.Lock()

    def take(self) -> Citizen | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def give_back(self, citizen: Citizen) -> None:
        if not citizen.exhausted:
            with self._lock:
                self._queue.append(citizen)


class VoteLoad:
    """`threads` clients, each in a loop: take a citizen, start a battle and vote, a few times, then rotate."""

    def __init__(self, base_url: str, citizens: list[Citizen], tally: Tally, clock: Clock, threads: int = 6):
        self.base_url, self.tally, self.clock = base_url, tally, clock
        self.pool = CitizenPool(citizens)
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), name=f"voter-{i}", daemon=True)
                        for i in range(threads)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self, timeout: float = 30) -> None:
        self.stopping.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))
        stuck = [t.name for t in self.threads if t.is_alive()]
        assert not stuck, f"load threads still waiting on a request after {timeout}s: {stuck}"

    def _run(self, index: int) -> None:
        rng, http = random.Random(index), new_http()
        with http:
            while not self.stopping.is_set():
                citizen = self.pool.take()
                if citizen is None:
                    self.tally.record("citizen", "none_left", self.clock.now())
                    self.stopping.wait(0.5)
                    continue
                for _ in range(CYCLES_PER_TURN):
                    if self.stopping.is_set() or not self._cycle(http, citizen, rng):
                        break
                self.pool.give_back(citizen)

    def _cycle(self, http: requests.Session, citizen: Citizen, rng: random.Random) -> bool:
        """Start a battle and vote on it; False to switch citizens (refused, unavailable, no answer)."""
        headers = {"Cookie": f"{COOKIE_NAME}={citizen.token}"}
        if citizen.csrf is None:
            resp = send(http, self.tally, self.clock, "me", "GET", self.base_url + "/api/me", headers=headers)
            if resp is None or resp.status_code != 200:
                return self._pause(resp)
            citizen.csrf = resp.json()["csrf_token"]
        headers["X-CSRF-Token"] = citizen.csrf
        resp = send(http, self.tally, self.clock, "battle", "POST", self.base_url + "/api/battles", json={},
                    headers=headers)
        if resp is None or resp.status_code != 201:
            return self._refused(citizen, resp)
        battle_id = resp.json()["battle_id"]
        resp = send(http, self.tally, self.clock, "vote", "POST", f"{self.base_url}/api/battles/{battle_id}/vote",
                    json={"winner": rng.choice(WINNERS)}, headers=headers)
        if resp is None:
            with self.tally.lock:
                self.tally.lost_votes.append(battle_id)
            return False
        if resp.status_code != 200:
            self.tally.vote_answers[battle_id] = resp.status_code
            return self._refused(citizen, resp)
        self.tally.ack(resp.json()["vote_id"], battle_id)
        return True

    def _refused(self, citizen: Citizen, resp: requests.Response | None) -> bool:
        if resp is not None and resp.status_code in (403, 409, 422) and "prompt" in error_code(resp):
            citizen.exhausted = True  # e.g. no_unseen_prompts: this citizen has seen every prompt
        if resp is not None and resp.status_code == 400 and error_code(resp) == "csrf_failed":
            citizen.csrf = None
        return self._pause(resp)

    def _pause(self, resp: requests.Response | None) -> bool:
        if resp is None or resp.status_code >= 500:
            self.stopping.wait(0.2)  # a dependency is down: do not spin
        return False


@dataclass
class Sample:
    """One poll: when it was sent and answered, the status, and what the body said (board votes and
    source, or the failing dependencies)."""

    t: float
    t_end: float
    status: int | str
    votes: int | None = None
    source: str | None = None
    failing: tuple[str, ...] = ()


class Poller:
    """Reads one path at a fixed interval until stopped, keeping every sample."""

    def __init__(self, base_url: str, path: str, kind: str, tally: Tally, clock: Clock, interval: float):
        self.url, self.kind, self.tally, self.clock, self.interval = base_url + path, kind, tally, clock, interval
        self.samples: list[Sample] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"poll-{kind}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 30) -> None:
        self.stopping.set()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"{self.kind} poller still waiting on a request after {timeout}s"

    def _run(self) -> None:
        with new_http() as http:
            while not self.stopping.is_set():
                t = self.clock.now()
                resp = send(http, self.tally, self.clock, self.kind, "GET", self.url)
                self.samples.append(self._sample(t, self.clock.now(), resp))
                self.stopping.wait(self.interval)

    @staticmethod
    def _sample(t: float, t_end: float, resp: requests.Response | None) -> Sample:
        if resp is None:
            return Sample(t, t_end, "lost")
        try:
            body = resp.json()
        except ValueError:
            return Sample(t, t_end, resp.status_code)
        return Sample(t, t_end, resp.status_code, body.get("votes"), body.get("source"),
                      tuple(body.get("failing") or ()))
