"""What each pytest-xdist worker has to itself: its Redis test database and its private ports.

`make test` runs the suite in parallel (pytest.ini: `-n 3 --dist loadgroup`). PostgreSQL databases get
unique names already; everything else a test owns is derived here from the worker's number
(`PYTEST_XDIST_WORKER`, "gw0", "gw1", ...; 0 without xdist, so a serial run keeps today's values):

- the machine's Redis: database TEST_REDIS_URL's + n (flushed before and after each test that uses it);
- private redis-servers (tests.redis_server): TEST_PRIVATE_REDIS_PORT + 5n and the next four
  (+0 and +1 the rate-limit tests, +4 tests/voting/test_faults.py);
- the drill stack (tests/drills): TEST_DRILL_PORT + 4n and the next three (Redis, PostgreSQL, gunicorn,
  the scale-out drill's second gunicorn).

Ephemeral ports (port 0) need nothing: live servers, the OIDC providers, gunicorn's startup probes.

Tests that must not run beside each other form one unit of work that a single worker runs in order
(`SERIAL_GROUPS`, by path): the fault drills, which launch a production-shaped stack (gunicorn 2x4, private
PostgreSQL and Redis, the rating worker) once per module, share tests/artifacts/drills and measure recovery
times. xdist's own `xdist_group` marker cannot do this with pytest 9.2: xdist 3.8.0 tags the group onto
`item._nodeid`, which pytest 9.2 no longer reads, so marked tests were spread over all workers.
"""
from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import pytest

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


# group name -> node id prefixes; a group is one unit of work (largest first: it starts at once).
SERIAL_GROUPS = {"drills": ("tests/drills/",)}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` (pytest.ini), with the groups above: every other test is scheduled on its own."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class SerialGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            for group, prefixes in SERIAL_GROUPS.items():
                if nodeid.startswith(prefixes):
                    return group
            return super()._split_scope(nodeid)

    return SerialGroupScheduling(config, log)
