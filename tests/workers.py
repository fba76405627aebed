"""What each pytest-xdist worker has to itself: its Redis test database and its private ports.

`make test` runs the suite in parallel (pytest.ini: `-n 2 --dist loadgroup`). PostgreSQL databases get
unique names already; everything else a test owns is derived here from the worker's number
(`PYTEST_XDIST_WORKER`, "gw0", "gw1", ...; 0 without xdist, so a serial run keeps today's values):

- the machine's Redis: database TEST_REDIS_URL's + n (flushed before and after each test that uses it);
- private redis-servers (tests.redis_server): TEST_PRIVATE_REDIS_PORT + 5n and the next four
  (+0 and +1 the rate-limit tests, +4 tests/voting/test_faults.py);
- the drill stack (tests/drills): TEST_DRILL_PORT + 4n and the next three (Redis, PostgreSQL, gunicorn,
  the scale-out drill's second gunicorn).

Ephemeral ports (port 0) need nothing: live servers, the OIDC providers, gunicorn's startup probes.
"""
from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
INDEX = int(WORKER.removeprefix("gw")) if WORKER.startswith("gw") else 0

PRIVATE_REDIS_STRIDE = 5  # ports a worker's private redis-servers use: base+0, +1 and +4
DRILL_STRIDE = 4  # ports of a worker's drill stack: Redis, PostgreSQL, gunicorn and a second gunicorn


def redis_test_url(base: str) -> str:
    """`base` with its database number moved up by this worker's number (Redis has databases 0-15)."""
    parts = urlsplit(base)
    db = int(parts.path.strip("/") or 0) + INDEX
    if db > 15:
        raise RuntimeError(f"xdist worker {WORKER} would need Redis database {db} from {base}: "
                           "run fewer workers or lower TEST_REDIS_URL's database")
    return urlunsplit(parts._replace(path=f"/{db}"))


def private_redis_port() -> int:
    """This worker's first private redis-server port (it and the next four are its own)."""
    return int(os.environ.get("TEST_PRIVATE_REDIS_PORT", "6391")) + PRIVATE_REDIS_STRIDE * INDEX


def drill_port() -> int:
    """This worker's first drill port (it and the next three are its own)."""
    return int(os.environ.get("TEST_DRILL_PORT", "6481")) + DRILL_STRIDE * INDEX
