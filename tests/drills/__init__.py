"""Fault drills (issue 8): the production shape under steady voting while Redis, PostgreSQL and workers fail.

Run: `pytest -m drill` (or tests/drills). Needs redis-server and PostgreSQL's server tools (initdb,
pg_ctl); as root they run as the `postgres` OS user. Ports: TEST_DRILL_PORT (default 6481) and the
next three, moved up by 4 for each xdist worker (tests.workers); the drills run one after another on
one worker (tests.workers.SERIAL_GROUPS). Each drill writes its observations to
tests/artifacts/drills/<test>.json, next to the logs of gunicorn, the rating worker, Redis and PostgreSQL.

Modules: `processes` and `postgres` (child processes with deadlines), `stack` (the launched stack
and its restoration), `tally` and `load` (the voting load and the pollers), `truth` (SQL and the
rebuild), `verdict` (the checks), `drill` (one drill's timeline and report).
"""
