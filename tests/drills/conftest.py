"""The drills' fixtures: one production-shaped stack per module, and a drill per test that restores it."""
from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import need_service
from tests.drills.drill import SETTLE_S, Drill
from tests.drills.load import make_citizens
from tests.drills.postgres import postgres_bin
from tests.drills.stack import Stack
from tests.drills.truth import Truth

CITIZENS = 300


def require_tools() -> None:
    """redis-server and PostgreSQL's server tools (and, as root, the postgres OS user to run them)."""
    if not shutil.which("redis-server"):
        need_service("redis-server", "not installed")
    if not (postgres_bin("initdb") and postgres_bin("pg_ctl")):
        need_service("PostgreSQL server (initdb, pg_ctl)", "not installed")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        need_service("runuser", "needed to run PostgreSQL as the postgres user")


@pytest.fixture(scope="module")
def stack():
    """Private PostgreSQL and Redis, gunicorn 2x4 and the rating worker, with 300 logged-in citizens."""
    require_tools()
    launched = Stack()
    try:
        launched.launch()
        launched.citizens = make_citizens(launched.postgres.app_url, CITIZENS)
        launched.truth = Truth(launched.postgres.app_url, launched.redis.url, launched.base_url)
        print(f"\ndrill stack up: {launched.timings}")
        yield launched
    finally:
        if getattr(launched, "truth", None):
            launched.truth.close()
        launched.close()


@pytest.fixture
def drill(stack, request):
    """A drill on the module's stack; afterwards whatever it broke is restored for the next one."""
    if not stack.healthy():
        stack.restore()
    stack.truth.wait_settled(SETTLE_S)  # start from a board that agrees with SQL (normally at once)
    running = Drill(stack, request.node.name)
    yield running
    running.stop()
    stack.restore()
