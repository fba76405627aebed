"""The leaderboard and matrix payloads of a round: live counts (or SQL) to ratings. No Flask."""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Callable, NamedTuple

from redis.exceptions import RedisError

from sqlalchemy.orm import Session

from app.db import KST

from contest.models import Model, Round
from contest.reveal import revealed_name, revealed_team
from voting import queries
from voting.board import METHOD, Board, BoardSettings, compute_board, matrix_payload
from voting.live import ALL, Cells, LiveBoard, scope_key
from voting.rating import tally_from_cells
from voting.served import ServedMarks

log = logging.getLogger("arena.voting.leaderboard")


def seoul_time(moment: datetime) -> str:
    """A UTC moment as Seoul's wall-clock time, "YYYY-MM-DD HH:MM:SS" (the page names the zone)."""
    return moment.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S")


def model_name(model: Model) -> str:
    """What voters see after voting: display name and version."""
    return revealed_name(model.display_name, model.version)


def team_name(model: Model, lang: str) -> str:
    """The team's name in the request's language (Korean by default)."""
    return revealed_team(model.team.name_ko, model.team.name_en, lang)


# How many of the most recently applied votes must be on the live board for it to be trusted: more
# than one worker batch, since several workers mark their batches in an order of their own.
RECENT_APPLIED_CHECKED = 400
# A vote waiting longer than this for the live board means the pipeline stalled, not ordinary lag
# (under a second): the worker is dead, or Redis was unreachable and the votes cast meanwhile wait for
# the relay (grace 5 s). While they wait, SQL serves and, Redis being back, records its count as the
# shared mark, so the live board cannot be served behind what was shown from SQL during the outage.
STALLED_AFTER = timedelta(seconds=3)


def current_cells(session: Session, board: LiveBoard, marks: ServedMarks, round_id: str,
                  category: str, now: datetime, prompt_lang: str | None = None) -> tuple[Cells, str]:
    """Pair counts of a scope (a category or ALL, of one prompt language when given) from the live
    board when it lost nothing and keeps up, else from SQL.

    The live board is served when it is not rebuilding, holds the votes the worker most recently
    marked applied (read from SQL first: missing when Redis came back empty, flushed or from an old
    snapshot), no vote has waited for it longer than STALLED_AFTER (a dead worker), it is not empty
    for this scope and it has at least the most any process served. Otherwise SQL serves every
    counted vote, and that read records its time as the cutoff. A live board that is sound but still
    behind that mark (catching up after such a read) is answered with SQL up to the cutoff: a fixed
    target the live board reaches within one lag, whereas chasing the newest SQL count under steady
    voting would keep every read on SQL. What is served raises the shared mark first.
    """
    recent = queries.latest_published_ids(session, RECENT_APPLIED_CHECKED)
    waiting_since = queries.oldest_unpublished_at(session)
    stalled = waiting_since is not None and now - waiting_since > STALLED_AFTER
    cells, source, cutoff = None, "live", None
    live_scope = scope_key(category, prompt_lang)
    try:
        if not stalled and not board.rebuilding():
            cells, cutoff = _trusted_live_cells(board, marks, round_id, live_scope, recent)
    except Exception as exc:  # Redis down: SQL is the truth anyway
        log.warning("live board unavailable, reading SQL: %s", exc)
    scope = None if category == ALL else category
    new_cutoff = None
    if cells is None and cutoff is not None:  # sound but catching up: the fixed target
        cells, source = queries.counted_cells(session, round_id, scope, until=cutoff, prompt_lang=prompt_lang), "sql"
    elif cells is None:
        cells, source = queries.counted_cells(session, round_id, scope, prompt_lang=prompt_lang), "sql"
        new_cutoff = now.timestamp()
    try:
        marks.raise_to(round_id, live_scope, sum(cells.values()), new_cutoff)
    except Exception as exc:  # Redis down: the live board cannot be served either, and SQL only grows
        log.warning("could not record the served count: %s", exc)
    return cells, source


def _trusted_live_cells(board: LiveBoard, marks: ServedMarks, round_id: str, category: str,
                        recent: list[str]) -> tuple[Cells | None, datetime | None]:
    """(the scope's live cells, None) when they can be served; (None, the cutoff to serve SQL up to)
    when the live board is sound but behind a mark a full SQL read set; (None, None) when it lost votes."""
    if not board.has_applied(recent):
        log.warning("live board lost applied votes; serving SQL", extra={"fields": {"round": round_id}})
        return None, None
    cells = board.cells(round_id, category)
    total = sum(cells.values())
    served, cutoff = marks.get(round_id, category)
    if total and total >= served:
        return cells, None
    if total and cutoff is not None:
        return None, datetime.fromtimestamp(cutoff, timezone.utc)
    return None, None


@lru_cache(maxsize=64)
def _cached_board(n: int, cells: tuple, settings: BoardSettings) -> Board:
    # Keyed by the exact counts, so a cached board is never stale.
    return compute_board(tally_from_cells(n, dict(cells)), settings)


class ScopeCounts(NamedTuple):
    """A round's models (stable order), its counted cells keyed by their indices, the source, and the
    prompt language the counts are of ("all", "ko" or "en")."""

    models: list[Model]
    cells: dict[tuple, int]
    source: str
    prompt_lang: str = ALL


def scope_counts(session: Session, board: LiveBoard, marks: ServedMarks, round_id: str,
                 category: str, now: datetime, prompt_lang: str | None = None) -> ScopeCounts:
    """Read the counts once (live or SQL) and map them onto the round's roster."""
    cells, source = current_cells(session, board, marks, round_id, category, now, prompt_lang)
    models = queries.roster_models(session, round_id)
    return ScopeCounts(models, roster_cells(models, cells), source, prompt_lang or ALL)


def roster_cells(models: list[Model], cells: Cells) -> dict[tuple, int]:
    """Cells keyed by model ids, re-keyed by the models' positions in `models` (others left out)."""
    index = {m.id: i for i, m in enumerate(models)}
    mapped: dict[tuple, int] = {}
    for (a, b, o), n in cells.items():
        if a in index and b in index:
            key = (index[a], index[b], o)
            mapped[key] = mapped.get(key, 0) + n
    return mapped


def leaderboard(counts: ScopeCounts, round_: Round, category: str, settings: BoardSettings, lang: str,
                now: datetime) -> dict:
    """The board of a round and category ("all" for every category).

    A model with too few votes has "rank": null and "status": "too_few_votes"; ranks compare only
    within one of "components" (groups of models that met), and "warnings" says "disconnected" when
    there is more than one.
    """
    models, mapped = counts.models, counts.cells
    board = _cached_board(len(models), tuple(sorted(mapped.items())), settings)
    rated = {r.index for r in board.rows}
    return {
        "round": round_.id, "category": category, "prompt_lang": counts.prompt_lang,
        "computed_at": now.isoformat().replace("+00:00", "Z"),
        "votes": sum(mapped.values()), "method": METHOD, "rating_method": settings.method,
        "params": settings.describe(), "source": counts.source,
        "models": board_rows(board.rows, models, lang),
        "components": [[model_name(models[i]) for i in group] for group in board.components],
        "warnings": board.warnings,
        "unrated": [model_name(m) for i, m in enumerate(models) if i not in rated],
    }


def board_rows(rows: list, models: list[Model], lang: str) -> list[dict]:
    """A board's rows as the API shows them (the plain and the style-controlled board alike)."""
    return [{"rank": r.rank, "name": model_name(models[r.index]), "team": team_name(models[r.index], lang),
             "rating": round(r.rating, 2), "ci": [round(r.ci[0], 2), round(r.ci[1], 2)],
             "battles": r.battles, "win_rate": round(r.win_rate, 4), "provisional": r.provisional,
             "status": r.status, "component": r.component}
            for r in rows]


def matrix(counts: ScopeCounts, round_: Round, category: str, lang: str) -> dict:
    """Pairwise battle counts and win rates of the round's models."""
    models = counts.models
    payload = matrix_payload(tally_from_cells(len(models), counts.cells)) if models else {"battles": [], "win_rate": []}
    return {"round": round_.id, "category": category, "prompt_lang": counts.prompt_lang, "source": counts.source,
            "models": [{"name": model_name(m), "team": team_name(m, lang)} for m in models], **payload}


LOCK_MS = 1000  # a recompute that takes longer (its process died) is given up on
WAIT_STEP_S = 0.003


class BoardCache:
    """The public board's answer per scope, recomputed at most once per `max_age` seconds and never served
    older than that: under a steady vote stream a read costs one Redis GET instead of the live counts, the
    SQL checks and the rating maths on every request.

    With Redis, one copy is shared by every process and host (so the board cannot step backwards between
    two web processes) and one process recomputes a stale scope at a time (a lock with an expiry); a reader
    that finds the lock taken computes its own answer rather than serve a stale one, and so does every
    reader while Redis fails. Without Redis (the embedded default, one process) the copy lives in memory.
    `max_age` 0 turns the cache off.
    """

    PREFIX = "arena:board-cache:"

    def __init__(self, client, max_age: float, clock: Callable[[], float]):
        self.client, self.max_age, self.clock = client, max_age, clock
        self._local: dict[str, tuple[float, dict]] = {}
        self._local_lock = threading.Lock()

    def get(self, key: str, compute: Callable[[], str]) -> str:
        """The scope's answer, as the text `compute` makes (kept and served as text: a read parses nothing)."""
        if self.max_age <= 0:
            return compute()
        if self.client is None:
            return self._get_local(key, compute)
        try:
            return self._get_shared(key, compute)
        except RedisError as exc:
            log.warning("board cache unavailable, computing the board: %s", exc)
            return compute()

    def _get_local(self, key: str, compute: Callable[[], str]) -> str:
        with self._local_lock:  # one thread recomputes; the others wait for its answer
            held = self._local.get(key)
            if held is not None and self.clock() - held[0] < self.max_age:
                return held[1]
            at = self.clock()
            body = compute()
            self._local[key] = (at, body)
            return body

    def _fresh(self, key: str) -> str | None:
        """The shared copy if younger than max_age (stored as "<computed at> <text>")."""
        raw = self.client.get(self.PREFIX + key)
        if raw is None:
            return None
        at, _, body = raw.partition(" ")
        return body if self.clock() - float(at) < self.max_age else None

    def _get_shared(self, key: str, compute: Callable[[], str]) -> str:
        body = self._fresh(key)
        if body is not None:
            return body
        lock = self.PREFIX + "lock:" + key
        if not self.client.set(lock, "1", nx=True, px=LOCK_MS):
            return self._wait_for_fresh(key, compute)
        try:
            at = self.clock()  # before the counts are read: the copy's age is an upper bound
            body = compute()
            self.client.set(self.PREFIX + key, f"{at!r} {body}", px=int(self.max_age * 1000) + 1000)
            return body
        finally:
            self.client.delete(lock)

    def _wait_for_fresh(self, key: str, compute: Callable[[], str]) -> str:
        """Another process is recomputing: its answer, once stored (copies reach readers in the order
        they were computed, so the board never steps back); our own if it does not come in time."""
        deadline = self.clock() + LOCK_MS / 1000
        while self.clock() < deadline:
            time.sleep(WAIT_STEP_S)
            body = self._fresh(key)
            if body is not None:
                return body
        return compute()
