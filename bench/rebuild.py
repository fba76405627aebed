"""(b) The board from PostgreSQL with 1M votes: the SQL leaderboard and the full live-board rebuild."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import numpy as np
import psycopg
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.ratings import N_MODELS, synthetic_votes
from bench.scratch import copy_battles, private_redis, scratch_database, seed_contest
from voting import queries
from voting.board import BoardSettings, compute_rows
from voting.live import MemoryLiveBoard, RedisLiveBoard
from voting.rating import RatingParams, tally_from_cells
from voting.rebuild import rebuild_live_board

WINNER = np.array(["a", "b", "tie"])


def load_votes(conninfo: str, n_votes: int) -> None:
    """1M battles and their votes, bulk-loaded with COPY."""
    models, users = seed_contest(conninfo, N_MODELS, 1)
    a, b, outcome = synthetic_votes(n_votes)
    ids = [f"b{i:09d}" for i in range(n_votes)]
    mid = np.array(models)
    copy_battles(conninfo, zip(ids, [users[0]] * n_votes, mid[a].tolist(), mid[b].tolist()), status="voted")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy("COPY votes (id, battle_id, user_id, round_id, category, model_a_id, model_b_id, winner, "
                      "created_at, excluded) FROM STDIN") as copy:
            for i, (ma, mb, w) in enumerate(zip(mid[a].tolist(), mid[b].tolist(), WINNER[outcome].tolist())):
                copy.write_row((f"v{i:031d}", ids[i], users[0], "bench", "daily", ma, mb, w, now, False))
        cur.execute("ANALYZE votes")


def sql_board(url: str) -> float:
    """Seconds: aggregate the counted votes in SQL, then BT + 1,000-round bootstrap."""
    engine = create_engine(url)
    with Session(engine) as session:
        start = time.perf_counter()
        cells = queries.counted_cells(session, "bench")
        ids = sorted({a for a, _, _ in cells} | {b for _, b, _ in cells})
        index = {m: i for i, m in enumerate(ids)}
        mapped = {(index[a], index[b], o): n for (a, b, o), n in cells.items()}
        compute_rows(tally_from_cells(len(ids), mapped), BoardSettings())
        elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def live_rebuild(url: str, board) -> float:
    """Seconds: replay every vote (counts + online Elo) and load the live board."""
    engine = create_engine(url)
    with Session(engine) as session:
        start = time.perf_counter()
        rebuild_live_board(session, board, RatingParams(), datetime.now(timezone.utc))
        elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def run(n_votes: int = 1_000_000, redis_port: int = 6657) -> dict:
    """Load, then time the SQL board and the live rebuild (into a private Redis, and in process)."""
    with scratch_database() as (url, conninfo):
        start = time.perf_counter()
        load_votes(conninfo, n_votes)
        load_s = time.perf_counter() - start
        board_s = sql_board(url)
        memory_s = live_rebuild(url, MemoryLiveBoard())
        import redis

        with private_redis(redis_port) as redis_url:
            client = redis.Redis.from_url(redis_url, socket_timeout=30, decode_responses=True)
            redis_s = live_rebuild(url, RedisLiveBoard(client))
            client.close()
    return {"votes": n_votes, "load_s": load_s, "sql_board_s": board_s, "rebuild_memory_s": memory_s,
            "rebuild_redis_s": redis_s}
