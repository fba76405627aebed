"""One drill: voting load and pollers on the running stack, a fault, recovery, then the verdict.

Timeline: BASELINE_S of steady load, the fault (the test's function, which marks outages), AFTER_S of
load on the restored stack, the load stopped, up to SETTLE_S for the live board to catch up (the
pollers keep reading), then every check of the issue, written to tests/artifacts/drills/<drill>.json.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import pytest

from tests.drills import verdict
from tests.drills.load import Poller, VoteLoad
from tests.drills.processes import logged_exceptions
from tests.drills.tally import Clock, Tally
from tests.drills.verdict import Outage

BASELINE_S = 3.0
AFTER_S = 4.0
SETTLE_S = 45.0  # entries a killed worker had read are reclaimed only after they idled 15 s
VOTER_THREADS = 6
Step = tuple[str, Callable[[], object]]  # what the timeline calls it, and the action


@dataclass
class DrillReport:
    """What a drill observed and which checks failed."""

    name: str
    seconds: float
    statuses: dict
    acknowledged: int
    lost_vote_answers: int
    stored_without_answer: list[str]
    settle_s: float | None
    settle_state: str
    events: list
    outages: list
    board: list[str]
    readyz: list[str]
    server_exceptions: dict[str, int] = field(default_factory=dict)  # from gunicorn's log, for debugging
    problems: list[str] = field(default_factory=list)

    def explain(self) -> str:
        """The failure message: every problem, then what was observed."""
        return "\n".join([f"{self.name}: {len(self.problems)} problem(s)", *(f"  - {p}" for p in self.problems),
                          f"observed: {self.summary()}", f"events: {self.events}", f"board: {self.board}",
                          f"readyz: {self.readyz}", f"exceptions in gunicorn.log: {self.server_exceptions}"])

    def summary(self) -> str:
        settled = f"{self.settle_s:.1f}s" if self.settle_s is not None else f"never ({self.settle_state})"
        return (f"{self.seconds:.0f}s, statuses {self.statuses}, {self.acknowledged} votes acknowledged, "
                f"{self.lost_vote_answers} vote answers lost ({len(self.stored_without_answer)} of them stored), "
                f"board settled after {settled}")


def assert_held(report: DrillReport) -> None:
    """Fail with every problem and what was observed (no assertion rewriting of the report object)."""
    if report.problems:
        pytest.fail(report.explain(), pytrace=False)


class Drill:
    """Load, pollers and a fault timeline on one stack; `run` returns the report."""

    def __init__(self, stack, name: str):
        self.stack, self.name = stack, name
        self.clock, self.tally = Clock(), Tally()
        self.events: list[tuple[float, str]] = []
        self.outages: list[Outage] = []
        self.log_offset = 0
        self.load = VoteLoad(stack.base_url, stack.citizens, self.tally, self.clock, VOTER_THREADS)
        self.board = Poller(stack.base_url, "/api/leaderboard", "board", self.tally, self.clock, 0.3)
        self.ready = Poller(stack.base_url, "/readyz", "readyz", self.tally, self.clock, 0.25)

    def event(self, what: str) -> None:
        self.events.append((round(self.clock.now(), 2), what))

    def outage(self, dependency: str, seconds: float, cause: Step, cure: Step) -> None:
        """Take `dependency` out, keep it out `seconds`, bring it back; /readyz is judged on this window."""
        start = self.clock.now()
        cause[1]()
        down = self.clock.now()
        self.event(cause[0])
        time.sleep(seconds)
        healing = self.clock.now()
        cure[1]()
        self.outages.append(Outage(dependency, start, down, healing, self.clock.now()))
        self.event(cure[0])

    def run(self, fault: Callable[["Drill"], None], lost_ok: bool = False) -> DrillReport:
        before = {vote_id for vote_id, _ in self.stack.truth.vote_rows()}
        self.log_offset = self.stack.web.log_path.stat().st_size
        for part in (self.ready, self.board, self.load):
            part.start()
        try:
            time.sleep(BASELINE_S)
            fault(self)
            time.sleep(AFTER_S)
        finally:
            self.load.stop()
        self.event("load stopped")
        settle_s, settle_state = self.stack.truth.wait_settled(SETTLE_S)
        self.event("settled" if settle_s is not None else "not settled")
        time.sleep(1.0)  # a few reads of the settled board
        self.board.stop()
        self.ready.stop()
        return self._verdict(before, settle_s, settle_state, lost_ok)

    def _verdict(self, before: set[str], settle_s: float | None, settle_state: str, lost_ok: bool) -> DrillReport:
        truth = self.stack.truth
        problems, stored_lost = verdict.votes_exactly_once(self.tally, before, truth.vote_rows())
        if settle_s is None:
            problems.append(f"the live board did not catch up with SQL within {SETTLE_S:.0f}s: {settle_state}")
        problems += truth.live_equals_rebuild()
        problems += verdict.no_server_errors(self.tally, lost_ok)
        problems += verdict.board_never_backwards(self.board.samples)
        problems += verdict.readyz_honest(self.ready.samples, self.outages, lost_ok)
        report = DrillReport(
            name=self.name, seconds=self.clock.now(), statuses=self.tally.by_kind(),
            acknowledged=len(self.tally.acked), lost_vote_answers=len(self.tally.lost_votes),
            stored_without_answer=stored_lost, settle_s=settle_s, settle_state=settle_state, events=self.events,
            outages=[asdict(o) for o in self.outages], board=verdict.board_runs(self.board.samples),
            readyz=verdict.ready_runs(self.ready.samples), problems=problems,
            server_exceptions=dict(logged_exceptions(self.stack.web.log_path, self.log_offset).most_common(10)))
        path = self.stack.log_dir / f"{self.name}.json"
        path.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=1))
        print(f"\n{self.name}: {report.summary()}\n  problems: {len(problems)} (report: {path})")
        return report

    def stop(self) -> None:
        """Stop whatever still runs (after a failure inside `run`); never raises."""
        for part in (self.load, self.board, self.ready):
            part.stopping.set()
        for thread in [self.board.thread, self.ready.thread, *self.load.threads]:
            if thread.ident is not None:  # started
                thread.join(30)
