"""The rating worker: consumes the vote stream into the live board, exactly once per vote.

Loop: record a heartbeat, reclaim stale pending entries, read new ones, apply each (idempotent by
vote id), XACK, mark the outbox. Every few seconds it relays unpublished votes; once a minute it
records the vote log's daily roots of days just completed. When the
stream or its group is gone (Redis restarted empty, flushed) it recreates them and rebuilds the
live board from SQL; when Redis restarted with them (an old snapshot) it audits the board against
SQL before applying anything, and rebuilds it if votes are missing.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

import redis
from sqlalchemy.orm import Session

from voting import queries
from voting.heartbeat import Heartbeats
from voting.live import BUSY, LiveBoard
from voting.log_store import seal_roots
from voting.outbox import relay
from voting.rating import RatingParams
from voting.rebuild import RebuildBusy, rebuild_live_board
from voting.stream import Entry, StreamLost, VoteStream

log = logging.getLogger("arena.voting.worker")


@dataclass(frozen=True)
class WorkerSettings:
    """Batch sizes and timings of the worker loop."""

    batch: int = 200
    block_ms: int = 500
    claim_idle_ms: int = 15_000
    relay_every_s: float = 2.0
    relay_grace_s: float = 5.0
    audit_every_s: float = 30.0
    beat_every_s: float = 1.0
    seal_every_s: float = 60.0


def redis_server_id(client: redis.Redis) -> Callable[[], str]:
    """The Redis server's run id (changes with every restart), for `RatingWorker(server_id=...)`."""
    return lambda: str(client.info("server")["run_id"])


def consumer_name() -> str:
    """A consumer name unique to this process."""
    return f"{socket.gethostname()}-{os.getpid()}-{threading.get_ident() % 10_000}"


class RatingWorker:
    """One consumer of the vote stream; several may run in one group."""

    def __init__(self, sessions: Callable[[], Session], stream: VoteStream, board: LiveBoard,
                 params: RatingParams, clock: Callable[[], datetime], consumer: str | None = None,
                 settings: WorkerSettings = WorkerSettings(), heartbeats: Heartbeats | None = None,
                 server_id: Callable[[], str] | None = None):
        self.sessions, self.stream, self.board, self.params, self.clock = sessions, stream, board, params, clock
        self.consumer = consumer or consumer_name()
        self.settings = settings
        self.heartbeats, self.server_id = heartbeats, server_id
        self._server: str | None = None
        self._next_relay = 0.0
        self._next_audit = 0.0
        self._next_beat = 0.0
        self._next_seal = 0.0

    def start(self) -> None:
        """Make sure the group exists; if it had to be created, the board is rebuilt from SQL, else audited."""
        self._server = self.server_id() if self.server_id else None
        if self.stream.ensure_group():
            self.reconcile()
        else:
            self.audit()

    def reconcile(self) -> bool:
        """Rebuild the live board from SQL; False when another worker's rebuild is running."""
        with self.sessions() as session:
            try:
                count = rebuild_live_board(session, self.board, self.params, self.clock())
                log.info("live board rebuilt from SQL", extra={"fields": {"votes": count}})
                return True
            except RebuildBusy:
                log.info("live board rebuild already running elsewhere")
                return False

    def step(self) -> int:
        """One pass: stale entries, new entries, housekeeping; returns how many were applied or skipped."""
        s = self.settings
        self.beat()
        if self._server_restarted():
            log.warning("Redis restarted; checking the live board against SQL before applying anything")
            self.audit()
        entries = self.stream.claim_stale(self.consumer, s.claim_idle_ms, s.batch)
        entries += self.stream.read(self.consumer, s.batch, 0 if entries else s.block_ms)
        done = self.process(entries)
        if time.monotonic() >= self._next_relay:
            self.housekeeping()
        if time.monotonic() >= self._next_seal:
            self.seal()
        return done

    def beat(self) -> None:
        """Say this consumer's loop is running (at most every `beat_every_s`; /readyz and /metrics read it)."""
        if self.heartbeats is not None and time.monotonic() >= self._next_beat:
            self.heartbeats.beat(self.consumer, self.clock().timestamp())
            self._next_beat = time.monotonic() + self.settings.beat_every_s

    def process(self, entries: list[Entry]) -> int:
        """Apply entries in order, acknowledge the applied ones and mark their outbox records."""
        acked, vote_ids = [], []
        for entry_id, event in entries:
            if self.board.apply(event, self.params) == BUSY:
                break  # a rebuild is running; the rest stay pending and are reclaimed later
            acked.append(entry_id)
            vote_ids.append(event["vote_id"])
        self.stream.ack(acked)
        if vote_ids:
            with self.sessions() as session:
                queries.mark_published(session, vote_ids, self.clock())
                session.commit()
        return len(acked)

    def housekeeping(self) -> None:
        """Relay what the vote path could not publish; rebuild the board when a moderator changed which
        votes count; now and then check the board lost nothing."""
        self._next_relay = time.monotonic() + self.settings.relay_every_s
        with self.sessions() as session:
            relay(session, self.stream, self.clock(), timedelta(seconds=self.settings.relay_grace_s))
            requested = queries.waiting_rebuilds(session)
            board_lost_votes = time.monotonic() >= self._next_audit and self._board_lost_votes(session)
        if (requested or board_lost_votes) and self.reconcile() and requested:
            # Requests read before the rebuild began are covered by it; later ones wait for the next pass.
            with self.sessions() as session:
                queries.finish_rebuilds(session, requested, self.clock())
                session.commit()
            log.info("live board rebuilt after votes were voided or restored",
                     extra={"fields": {"requests": len(requested)}})

    def seal(self) -> None:
        """Record the vote log's roots of days just completed (at most every `seal_every_s`: an index
        lookup or two per round)."""
        self._next_seal = time.monotonic() + self.settings.seal_every_s
        with self.sessions() as session:
            sealed = seal_roots(session, self.clock())
            session.commit()
        for root in sealed:
            log.info("vote log day sealed", extra={"fields": {"round": root.round_id, "day": root.day,
                                                               "last_seq": root.last_seq, "root": root.root}})

    def _server_restarted(self) -> bool:
        """Redis answers with another run id: it restarted (maybe from an old snapshot, with the stream)."""
        if self.server_id is None:
            return False
        previous, self._server = self._server, self.server_id()
        return previous is not None and previous != self._server

    def audit(self) -> None:
        """Rebuild now if the board lost applied votes."""
        with self.sessions() as session:
            lost = self._board_lost_votes(session)
        if lost:
            self.reconcile()

    def _board_lost_votes(self, session: Session) -> bool:
        """The board knows fewer applied votes than SQL says were applied: Redis came back from an old
        snapshot or evicted keys while the stream and group survived. Only a rebuild can tell."""
        self._next_audit = time.monotonic() + self.settings.audit_every_s
        applied, published = self.board.applied_count(), queries.count_published(session)
        if applied < published:
            log.warning("live board lost applied votes; rebuilding from SQL",
                        extra={"fields": {"applied": applied, "published": published}})
            return True
        return False

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set, surviving Redis and database outages."""
        backoff = 0.1
        started = False
        while not stop.is_set():
            try:
                if not started:
                    self.start()
                    started = True
                self.step()
                backoff = 0.1
            except StreamLost:
                log.warning("vote stream lost; recreating the group and rebuilding from SQL")
                started = False
            except Exception:  # Redis or the database is down: wait and retry, never die
                log.exception("rating worker step failed; retrying in %.1fs", backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
