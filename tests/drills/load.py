"""Steady concurrent voting by many citizens, and pollers of the board and /readyz (every request tallied)."""
from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import timedelta

import requests
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import User
from app.sessions import COOKIE_NAME, open_user_session
from tests.drills.tally import Clock, Tally, error_code, new_http, send
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
                    if self.stopping.is_set() or not self._guarded_cycle(http, citizen, rng):
                        break
                self.pool.give_back(citizen)

    def _guarded_cycle(self, http: requests.Session, citizen: Citizen, rng: random.Random) -> bool:
        try:
            return self._cycle(http, citizen, rng)
        except (ValueError, KeyError, TypeError) as exc:  # a success without the promised body
            self.tally.record("bad_body", type(exc).__name__, self.clock.now(), repr(exc))
            return False

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
        self.tally.vote_answer(battle_id, resp)
        if resp is None or resp.status_code != 200:
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


DEPENDENCIES = ("database", "redis")


def failing(body: dict, resp: requests.Response) -> tuple[str, ...]:
    """The dependencies a /readyz refusal names: its `failing` list, else any it mentions."""
    listed = body.get("failing")
    if isinstance(listed, list):
        return tuple(str(name) for name in listed)
    return tuple(name for name in DEPENDENCIES if name in resp.text) if resp.status_code != 200 else ()


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
        if not isinstance(body, dict):
            return Sample(t, t_end, resp.status_code)
        return Sample(t, t_end, resp.status_code, body.get("votes"), body.get("source"), failing(body, resp))
