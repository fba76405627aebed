"""What SQL says, and whether the live board agrees with a rebuild from it.

The rebuild is computed here, in the test process, with the same functions `flask ratings rebuild`
uses, without writing it anywhere: the live board in Redis and the API's board are compared with it.
"""
from __future__ import annotations

import json
import time

import requests
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.redis_client import make_redis
from contest.demo import DEMO_ROUND_ID
from contest.models import Round
from voting import queries
from voting.leaderboard import leaderboard, scope_counts
from voting.live import ALL, BoardState, RedisLiveBoard
from voting.models import Vote
from voting.queries import exclusion_stats
from voting.rebuild import board_state_from_sql
from voting.served import MemoryServedMarks
from voting.runtime import RATING_DEFAULTS, board_settings_for, rating_params


class RebuiltBoard:
    """A rebuild from SQL, read like the live board (for `scope_counts`)."""

    def __init__(self, state: BoardState):
        self.state = state

    def rebuilding(self) -> bool:
        return False

    def has_applied(self, vote_ids) -> bool:
        return set(vote_ids) <= self.state.applied

    def cells(self, round_id: str, category: str) -> dict:
        return dict(self.state.cells.get((round_id, category), {}))


class Truth:
    """Reads the private database, Redis and the API to say whether the board agrees with SQL."""

    def __init__(self, db_url: str, redis_url: str, base_url: str):
        self.engine = create_engine(db_url, pool_pre_ping=True)
        self.redis = make_redis(redis_url, 2.0, 2.0)
        self.base_url = base_url
        self.config = dict(RATING_DEFAULTS)  # the stack runs with the default rating settings

    def close(self) -> None:
        self.engine.dispose()
        self.redis.close()

    def vote_rows(self) -> list[tuple[str, str]]:
        """Every stored vote as (vote id, battle id)."""
        with Session(self.engine) as session:
            return [tuple(row) for row in session.execute(select(Vote.id, Vote.battle_id))]

    def api_board(self, category: str = ALL) -> dict:
        resp = requests.get(f"{self.base_url}/api/leaderboard", params={"category": category}, timeout=20)
        return {"status": resp.status_code, **(resp.json() if resp.status_code == 200 else {})}

    def state(self) -> str:
        """'settled' when the API serves the live board with every counted vote and the outbox is empty."""
        with Session(self.engine) as session:
            counted = sum(queries.counted_cells(session, DEMO_ROUND_ID).values())
            unpublished = queries.count_unpublished(session)
            stored = session.scalar(select(func.count()).select_from(Vote))
        board = self.api_board()
        if board["status"] == 200 and board.get("source") == "live" and board["votes"] == counted and not unpublished:
            return "settled"
        return (f"API board {board['status']} source={board.get('source')} votes={board.get('votes')}; "
                f"SQL: {stored} stored, {counted} counted, {unpublished} not yet on the live board")

    def wait_settled(self, timeout: float) -> tuple[float | None, str]:
        """(seconds until settled or None, the last state seen)."""
        began = time.monotonic()
        while True:
            try:
                last = self.state()
            except Exception as exc:  # a dependency still recovering
                last = f"not readable: {exc!r}"
            if last == "settled":
                return time.monotonic() - began, last
            if time.monotonic() - began > timeout:
                return None, last
            time.sleep(0.5)

    def live_equals_rebuild(self) -> list[str]:
        """The live board (Redis and the API) equals a rebuild from SQL: applied votes, pair counts, boards.

        (Online Elo is not compared: it depends on the order votes were applied, which a rebuild cannot
        reproduce under concurrency, and the published board does not use it.)
        """
        problems = []
        live = RedisLiveBoard(self.redis)
        with Session(self.engine) as session:
            rebuilt = board_state_from_sql(session, rating_params(self.config))
            applied = live.applied_count()
            if applied != len(rebuilt.applied):
                problems.append(f"the live board applied {applied} votes, SQL holds {len(rebuilt.applied)}")
            round_ = session.get(Round, DEMO_ROUND_ID)
            for category in [ALL, *round_.categories]:
                problems += self._compare_scope(session, live, rebuilt, round_, category)
        return problems

    def _compare_scope(self, session: Session, live: RedisLiveBoard, rebuilt: BoardState, round_: Round,
                       category: str) -> list[str]:
        problems = []
        live_cells, sql_cells = live.cells(round_.id, category), rebuilt.cells.get((round_.id, category), {})
        if live_cells != sql_cells:
            diff = {f"{k}": (live_cells.get(k, 0), sql_cells.get(k, 0)) for k in set(live_cells) | set(sql_cells)
                    if live_cells.get(k, 0) != sql_cells.get(k, 0)}
            problems.append(f"{category}: live pair counts differ from the rebuild (live, sql): {diff}")
        served = self.api_board(category)
        counts = scope_counts(session, RebuiltBoard(rebuilt), MemoryServedMarks(), round_.id, category, utcnow())
        settings = board_settings_for(round_.protocol, self.config)  # as the API: the round's own protocol
        expected = json.loads(json.dumps(leaderboard(counts, round_, category, settings, "ko", utcnow())))
        for key in ("computed_at", "status"):
            served.pop(key, None)
        exclusions = served.pop("exclusions", None)  # from SQL, not the board: checked on its own
        # The style-controlled board is fitted by the worker's style loop (voting.style_worker), not from the live
        # board: present here, checked in tests/voting/test_style_api.py.
        if not isinstance(served.pop("style_control", None), dict):
            problems.append(f"{category}: the API board has no style_control block")
        truth = exclusion_stats(session, round_.id)
        if exclusions is None or {k: exclusions[k] for k in ("excluded", "by_reason")} != \
                {k: truth[k] for k in ("excluded", "by_reason")}:
            problems.append(f"{category}: the API's exclusion statistics {exclusions} differ from SQL's {truth}")
        expected.pop("computed_at")
        expected.pop("source")
        source = served.pop("source", None)
        if source != "live":
            problems.append(f"{category}: the API board was served from {source!r}, not the live board")
        if served != expected:
            problems.append(f"{category}: the API board differs from the rebuild: served votes={served.get('votes')} "
                            f"models={served.get('models')}; rebuild votes={expected['votes']} "
                            f"models={expected['models']}")
        return problems
