"""Fixtures of the limit tests: private redis-servers and apps with the probe route."""
from __future__ import annotations

import pytest

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
