"""A scratch PostgreSQL database (created, migrated, dropped) and a private redis-server for the bench."""
from __future__ import annotations

import os
import subprocess
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import psycopg
import redis

from app.cli import upgrade_db

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def scratch_database():
    """Yield the SQLAlchemy URL of a fresh migrated database; drop it afterwards."""
    name = f"arena_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    try:
        url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
        upgrade_db(url)
        yield url, f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def private_redis(port: int):
    """A throw-away redis-server on `port` (no persistence); stopped afterwards."""
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                             "--bind", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_timeout=1)
    try:
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        proc.terminate()
        proc.wait(10)


def seed_contest(conninfo: str, n_models: int, n_users: int) -> tuple[list[int], list[int]]:
    """A round `bench` with `n_models` models and `n_users` users; returns (model ids, user ids)."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with psycopg.connect(conninfo) as conn:
        conn.execute("INSERT INTO rounds (id, title, opens_at, closes_at, categories, status, created_at) "
                     "VALUES ('bench', 'bench', %s, %s, '[\"daily\", \"coding\"]', 'open', %s)",
                     (now - timedelta(days=1), now + timedelta(days=30), now))
        models = []
        for i in range(n_models):
            team = conn.execute("INSERT INTO teams (slug, name_ko, name_en, created_at) VALUES (%s, %s, %s, %s) "
                                "RETURNING id", (f"t{i}", f"팀{i}", f"Team {i}", now)).fetchone()[0]
            models.append(conn.execute(
                "INSERT INTO models (slug, team_id, display_name, version, backend, active, created_at) "
                "VALUES (%s, %s, %s, '1', '{}', true, %s) RETURNING id", (f"m{i}", team, f"Model {i}", now)).fetchone()[0])
            conn.execute("INSERT INTO round_models (round_id, model_id) VALUES ('bench', %s)", (models[-1],))
        users = [conn.execute("INSERT INTO users (display_name, status, created_at) VALUES (%s, 'active', %s) "
                              "RETURNING id", (f"u{i}", now)).fetchone()[0] for i in range(n_users)]
    return models, users


def copy_battles(conninfo: str, rows, status: str = "ready") -> None:
    """Bulk-load battles (id, user_id, model_a_id, model_b_id) with COPY."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy("COPY battles (id, user_id, round_id, category, model_a_id, model_b_id, status, created_at, "
                      "ready_at) FROM STDIN") as copy:
            for bid, uid, a, b in rows:
                copy.write_row((bid, uid, "bench", "daily", a, b, status, now, now))
