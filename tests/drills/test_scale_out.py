"""Past one machine (issue 13): two app instances and two rating workers on one PostgreSQL and one Redis.

Citizens vote through both instances at once; one rating worker is killed mid-stream. In the end every
acknowledged vote is in SQL exactly once, the live board equals a rebuild from SQL, and both instances
serve the same board.
"""
from __future__ import annotations

import time

import pytest
import requests

from tests.drills import verdict
from tests.drills.drill import SETTLE_S
from tests.drills.load import VoteLoad, make_citizens
from tests.drills.processes import Service
from tests.drills.stack import GUNICORN_COMMAND, ROOT, WORKER_COMMAND, drill_ports, ensure_free
from tests.drills.tally import Clock, Tally
from tests.drills.truth import Truth

pytestmark = [pytest.mark.drill, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

VOTERS_PER_INSTANCE = 3
BEFORE_KILL_S, AFTER_KILL_S = 3.0, 4.0


@pytest.fixture(scope="module")
def second(stack):
    """A second gunicorn (its own port and metrics directory: another host) and a second rating worker."""
    port = drill_ports()[2] + 1
    ensure_free(port)
    metrics = stack.metrics_dir.with_name("prometheus-2")
    metrics.mkdir()
    env = {**stack.env, "GUNICORN_BIND": f"127.0.0.1:{port}", "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
    web = Service("gunicorn 2", GUNICORN_COMMAND, stack.log_dir / "gunicorn-2.log", env, ROOT)
    worker = Service("rating worker 2", WORKER_COMMAND, stack.log_dir / "worker-2.log", stack.env, ROOT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        web.start(lambda: requests.get(base_url + "/healthz", timeout=2).status_code == 200, timeout=90)
        worker.start(lambda: consumers(stack) >= 2, timeout=90)
        yield base_url, worker
    finally:
        worker.stop()
        web.stop()


def consumers(stack) -> int:
    """Rating workers reading the stream now (clients whose last command is a group read)."""
    with stack.redis.client() as client:
        return sum(c.get("cmd") in ("xreadgroup", "xautoclaim") for c in client.client_list())


def merged(tallies: list[Tally]) -> Tally:
    """One tally of both instances' requests (a vote id acknowledged by both would be a duplicate)."""
    out = Tally()
    for t in tallies:
        out.statuses.update(t.statuses)
        out.duplicate_acks += t.duplicate_acks + [v for v in t.acked if v in out.acked]
        out.acked.update(t.acked)
        out.lost_votes += t.lost_votes
        out.vote_answers.update(t.vote_answers)
        out.server_errors += t.server_errors
    return out


def test_two_instances_two_workers_one_killed_every_vote_counted_once(stack, second):
    other_url, _other_worker = second
    citizens = make_citizens(stack.postgres.app_url, 120)
    other = Truth(stack.postgres.app_url, stack.redis.url, other_url)
    tallies, clock = [Tally(), Tally()], Clock()
    before = {vote_id for vote_id, _ in stack.truth.vote_rows()}
    loads = [VoteLoad(stack.base_url, citizens[:60], tallies[0], clock, VOTERS_PER_INSTANCE),
             VoteLoad(other_url, citizens[60:], tallies[1], clock, VOTERS_PER_INSTANCE)]
    for load in loads:
        load.start()
    try:
        time.sleep(BEFORE_KILL_S)
        stack.worker.kill()  # SIGKILL mid-stream: its read, unacknowledged entries go to the other worker
        time.sleep(AFTER_KILL_S)
    finally:
        for load in loads:
            load.stop()
    assert all(len(t.acked) >= 10 for t in tallies), [t.by_kind() for t in tallies]  # both instances voted
    tally = merged(tallies)
    settled = [stack.truth.wait_settled(SETTLE_S), other.wait_settled(SETTLE_S)]
    problems, _ = verdict.votes_exactly_once(tally, before, stack.truth.vote_rows())
    problems += verdict.no_server_errors(tally, lost_ok=False)
    problems += [f"{url} did not settle: {state}" for url, (took, state) in zip((stack.base_url, other_url), settled)
                 if took is None]
    problems += stack.truth.live_equals_rebuild()
    boards = [truth.api_board() for truth in (stack.truth, other)]
    for board in boards:
        board.pop("computed_at", None)
    if boards[0] != boards[1]:
        problems.append(f"the instances serve different boards: {boards[0].get('votes')} and {boards[1].get('votes')}")
    other.close()
    assert not problems, "\n".join(problems + [f"statuses: {tally.by_kind()}"])
