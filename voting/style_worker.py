"""The rating worker's second loop: keeps the style-controlled boards fresh in voting.style_cache. No Flask.

It runs beside the vote-stream loop (its own thread in the worker process, or in the web process in the embedded
default), so a fit of several seconds never delays the live board. Each pass refreshes the scopes of the open
rounds (all categories and each one) and the scopes requests found missing; a scope is refitted at most once every
STYLE_FRESH_S seconds, and at least FRESH_PER_COMPUTE times as long as its last fit took.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.models import Round
from voting import queries
from voting.board import BoardSettings
from voting.style_board import compute_style_board
from voting.style_cache import StyleBoards, dump_board, load_board, scope_of, settings_key
from voting.style_store import fill_missing, style_votes

log = logging.getLogger("arena.voting.style_worker")

STYLE_FRESH_S = 5.0  # at least this long between two fits of one scope's style board
FRESH_PER_COMPUTE = 10  # ... and at least ten times as long as its last fit took
PASS_EVERY_S = 1.0


class StyleRefresher:
    """Fits the style boards the public reads; `refresh()` is one pass, `run(stop)` loops."""

    def __init__(self, sessions: Callable[[], Session], store: StyleBoards,
                 settings_for: Callable[[dict | None], BoardSettings], clock: Callable[[], datetime]):
        self.sessions, self.store, self.settings_for, self.clock = sessions, store, settings_for, clock

    def scopes(self, session: Session) -> list[tuple[Round, str]]:
        """The open rounds' scopes, then those requests wanted (rounds that are not drafts)."""
        now = self.clock()
        rounds = session.scalars(select(Round).where(Round.status == "open", Round.opens_at <= now,
                                                     Round.closes_at > now).order_by(Round.id)).all()
        out = [(r, c) for r in rounds for c in ["all", *r.categories]]
        for scope in self.store.wanted(now.timestamp()):
            round_id, _, category = scope.partition("\x1f")
            round_ = session.get(Round, round_id)
            if round_ is not None and round_.status != "draft" and (round_, category) not in out and \
                    (category == "all" or category in round_.categories):
                out.append((round_, category))
        return out

    def refresh(self, force: bool = False) -> int:
        """One pass over the scopes; how many boards were refitted (`force`: every scope, fresh or not)."""
        done = 0
        with self.sessions() as session:
            for round_, category in self.scopes(session):
                done += self.refresh_scope(session, round_, category, force)
        return done

    def refresh_scope(self, session: Session, round_: Round, category: str, force: bool = False) -> bool:
        """Refit one scope unless its stored board is fresh for this roster and protocol, or another process
        is fitting it."""
        scope = scope_of(round_.id, category)
        settings = self.settings_for(round_.protocol)
        models = queries.roster_models(session, round_.id)
        model_ids = [m.id for m in models]
        text = self.store.get(scope)
        if text is not None and not force:
            _, record = load_board(text)
            age = time.time() - record["computed_at"]
            same = record["model_ids"] == model_ids and record["settings"] == settings_key(settings)
            if same and age < max(STYLE_FRESH_S, FRESH_PER_COMPUTE * record["took"]):
                return False
        if not self.store.claim(scope, 120.0):
            return False
        try:
            start, at = time.monotonic(), time.time()
            fill_missing(session, round_.id)
            session.commit()  # the styles of votes read for the first time
            a, b, outcome, style_a, style_b = style_votes(session, round_.id, None if category == "all" else category,
                                                          model_ids)
            board = compute_style_board(a, b, outcome, style_a, style_b, len(model_ids), settings)
            self.store.put(scope, dump_board(board, model_ids, settings, at, time.monotonic() - start))
            return True
        finally:
            self.store.release(scope)

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
