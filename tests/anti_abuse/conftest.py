"""Fixtures of anti_abuse tests: private redis-servers, apps with the probe route, moderation worlds."""
from __future__ import annotations

import pytest

from tests.anti_abuse.moderation_world import build_world, close_world
from tests.anti_abuse.servers import PRIVATE_REDIS_PORT, probe
from tests.redis_server import PrivateRedis


@pytest.fixture
def private_redis():
    server = PrivateRedis(PRIVATE_REDIS_PORT)
    yield server
    server.stop()


@pytest.fixture
def second_private_redis():
    """On the next port, for a test that freezes its server (a frozen one is never reused)."""
    server = PrivateRedis(PRIVATE_REDIS_PORT + 1)
    yield server
    server.stop()


@pytest.fixture
def probe_app(make_app):
    """Builds an app with the probe route and the given limits (`redis=` sets the storage)."""

    def build(db_url, **limits):
        app = make_app(db_url, **{f"LIMIT_{k.upper()}": v for k, v in limits.items() if k != "redis"},
                       REDIS_URL=limits.get("redis", ""))
        app.register_blueprint(probe)
        return app

    return build


# The moderation worlds (tests/anti_abuse/moderation_world.py) on each database.
@pytest.fixture
def world(any_db_url):
    built = build_world(any_db_url)
    yield built
    close_world(built)


@pytest.fixture
def sqlite_world(sqlite_url):
    built = build_world(sqlite_url)
    yield built
    close_world(built)


@pytest.fixture
def pg_world(pg_url):
    built = build_world(pg_url)
    yield built
    close_world(built)
