"""The rating worker's second loop: keeps the style-controlled boards fresh in voting.style_cache. No Flask.

It runs beside the vote-stream loop (its own thread in the worker process, or in the web process in the embedded
default), so a fit of several seconds never delays the live board. Each pass looks at the scopes of the open
rounds, of the rounds closed in the last RECENTLY_CLOSED_S (all categories and each one), and those requests read
in the last 15 minutes. A scope is refitted when its stored board is missing or will not load, was fitted for
another roster or protocol, or its vote-set marker (the round's vote-log head seq) moved since the fit: so the
last votes before a close and votes voided after it reach the board, once. A marker that moved is followed at most
every STYLE_FRESH_S seconds, and at least FRESH_PER_COMPUTE times as long as the last fit took. A scope that fails
is logged and the pass goes on with the next one.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.models import Round
from voting import log_store, queries
from voting.board import BoardSettings
from voting.style_board import compute_style_board
from voting.style_cache import StyleBoards, dump_board, load_board, scope_of, settings_key
from voting.style_store import fill_missing, style_votes

log = logging.getLogger("arena.voting.style_worker")

STYLE_FRESH_S = 5.0  # at least this long between two fits of one scope's style board
FRESH_PER_COMPUTE = 10  # ... and at least ten times as long as its last fit took
PASS_EVERY_S = 1.0
RECENTLY_CLOSED_S = 86400.0  # a closed round's scopes are watched this long after it closed (votes voided late)
LOCK_S = 120.0  # a claim lasts at least this long, and at least LOCK_PER_COMPUTE times the last fit
LOCK_PER_COMPUTE = 4


class StyleRefresher:
    """Fits the style boards the public reads; `refresh()` is one pass, `run(stop)` loops."""

    def __init__(self, sessions: Callable[[], Session], store: StyleBoards,
                 settings_for: Callable[[dict | None], BoardSettings], clock: Callable[[], datetime]):
        self.sessions, self.store, self.settings_for, self.clock = sessions, store, settings_for, clock

    def scopes(self, session: Session) -> list[tuple[Round, str]]:
        """The open and recently closed rounds' scopes, then those requests wanted (rounds that are not drafts)."""
        now = self.clock()
        live = (Round.status == "open") & (Round.opens_at <= now) & (Round.closes_at > now)
        over = Round.status.in_(("closed", "published")) & (Round.closed_at >= now - timedelta(
            seconds=RECENTLY_CLOSED_S))
        rounds = session.scalars(select(Round).where(live | over).order_by(Round.id)).all()
        out = [(r, c) for r in rounds for c in ["all", *r.categories]]
        for scope in self.store.wanted(now.timestamp()):
            round_id, _, category = scope.partition("\x1f")
            round_ = session.get(Round, round_id)
            if round_ is not None and round_.status != "draft" and (round_, category) not in out and \
                    (category == "all" or category in round_.categories):
                out.append((round_, category))
        return out

    def refresh(self, force: bool = False) -> int:
        """One pass over the scopes; how many boards were refitted (`force`: every scope, fresh or not). A scope
        that fails is logged and skipped."""
        done = 0
        with self.sessions() as session:
            for round_, category in self.scopes(session):
                try:
                    done += self.refresh_scope(session, round_, category, force)
                except Exception:
                    session.rollback()
                    log.exception("style board of %s/%s failed; the pass goes on", round_.id, category)
        return done

    def refresh_scope(self, session: Session, round_: Round, category: str, force: bool = False) -> bool:
        """Refit one scope unless its stored board is current (same roster, protocol and vote-set marker) or
        was fitted too recently to follow the marker yet, or another process is fitting it."""
        scope = scope_of(round_.id, category)
        settings = self.settings_for(round_.protocol)
        models = queries.roster_models(session, round_.id)
        model_ids = [m.id for m in models]
        marker = log_store.head(session, round_.id).seq  # read first: a vote after it moves it again
        found = load_board(self.store.get(scope))
        took = 0.0
        if found is not None:
            record = found[1]
            took = record["took"]
            if not force and record["model_ids"] == model_ids and record["settings"] == settings_key(settings):
                if record["log_seq"] == marker:
                    return False
                if time.time() - record["computed_at"] < max(STYLE_FRESH_S, FRESH_PER_COMPUTE * took):
                    return False
        fill_missing(session, round_.id, session.commit)  # the styles of votes read for the first time
        session.commit()
        token = self.store.claim(scope, max(LOCK_S, LOCK_PER_COMPUTE * took))
        if token is None:
            return False
        try:
            start, at = time.monotonic(), time.time()
            a, b, outcome, style_a, style_b = style_votes(session, round_.id, None if category == "all" else category,
                                                          model_ids)
            board = compute_style_board(a, b, outcome, style_a, style_b, len(model_ids), settings)
            self.store.put(scope, dump_board(board, model_ids, settings, at, time.monotonic() - start, marker))
            return True
        finally:
            self.store.release(scope, token)

    def run(self, stop: threading.Event, alive: Callable[[], bool] = lambda: True) -> None:
        """Pass after pass until `stop` is set (or `alive` says the app is gone), surviving outages."""
        backoff = PASS_EVERY_S
        while not stop.is_set() and alive():
            try:
                self.refresh()
                backoff = PASS_EVERY_S
            except Exception:  # the database or Redis is down, or the app went away: wait and retry
                if not alive():
                    return
                log.exception("style board refresh failed; retrying in %.1fs", backoff)
                backoff = min(backoff * 2, 30.0)
            stop.wait(backoff)

    def start(self, stop: threading.Event, alive: Callable[[], bool] = lambda: True) -> threading.Thread:
        """`run` in a daemon thread of its own, started."""
        thread = threading.Thread(target=self.run, args=(stop, alive), daemon=True, name="style-boards")
        thread.start()
        return thread
