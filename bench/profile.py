"""Where a citizen's cycle spends its time: py-spy samples both gunicorn workers of the bench stack while
the cycle load runs, then prints the heaviest frames (inclusive and own) and writes the collapsed stacks
(speedscope/flamegraph input) under tests/artifacts/bench/. Meanwhile the database's sessions are sampled
too (pg_stat_activity every 10 ms): what each busy connection was doing, and which of the round's locks
(the draw lock, the vote log's write lock, a voter's lock) it was waiting for.

    .venv/bin/python -m bench.profile [cycle|noop|board] [seconds]

py-spy (requirements-dev) attaches with ptrace: run as root, or allow it (kernel.yama.ptrace_scope=0).
"""
from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import psycopg

from bench import load
from bench.citizens import log_in_many
from bench.load import Group
from bench.stack import LOGS, production_stack

PY_SPY = str(Path(sys.executable).with_name("py-spy"))


def summarise(paths: list[Path], top: int = 30) -> str:
    inclusive, own, total = Counter(), Counter(), 0
    for path in paths:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack:
                continue
            n = int(count)
            frames = [f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 2)[-1]
                      if " (" in f else f for f in stack.split(";")]
            total += n
            own[frames[-1]] += n
            for frame in set(frames):
                inclusive[frame] += n
    lines = [f"{total} samples"]
    lines += ["inclusive:"] + [f"  {n / total * 100:5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    lines += ["own:"] + [f"  {n / total * 100:5.1f}%  {f}" for f, n in own.most_common(top)]
    return "\n".join(lines)


_SESSIONS = """
SELECT a.state, coalesce(a.wait_event_type || ':' || a.wait_event, 'on CPU'), regexp_replace(a.query, '\\s+', ' ', 'g'),
       l.classid, l.objid, l.objsubid, h.classid, h.objid
FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted AND l.locktype = 'advisory'
LEFT JOIN LATERAL (SELECT classid, objid FROM pg_locks WHERE pid = a.pid AND granted AND locktype = 'advisory'
                   AND objsubid = 1 LIMIT 1) h ON true
WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
  AND a.state <> 'idle'"""


def _lock_names(conn) -> dict[tuple[int, int], str]:
    """(classid, objid) of each round's advisory locks (a bigint key: high and low 32 bits) -> its name."""
    names = {}
    for round_id, in conn.execute("SELECT id FROM rounds"):
        for name in ("arena-draw", "arena-log"):
            key = conn.execute("SELECT hashtextextended(%s, 0)", (f"{name}:{round_id}",)).fetchone()[0] & (2**64 - 1)
            names[(key >> 32, key & 0xFFFFFFFF)] = f"{name} lock of round {round_id}"
    return names


def _label(names: dict, state: str, wait: str, query: str, classid, objid, objsubid, held_class, held_obj) -> str:
    if classid is not None:
        return "waiting for " + (names.get((classid, objid), "a voter's lock") if objsubid == 1 else "a voter's lock")
    holding = f", holding the {names.get((held_class, held_obj), 'an unnamed advisory lock')}" if held_class is not None else ""
    if state.startswith("idle in transaction"):
        return f"idle in transaction (the app's turn: Python, the GIL, the network){holding}"
    return f"{wait}: {query[:60]}{holding}"


class SessionSampler:
    """pg_stat_activity of the stack's database every `interval` seconds, in a thread of its own."""

    def __init__(self, conninfo: str, interval: float = 0.01):
        self.conninfo, self.interval = conninfo, interval
        self.counts: Counter = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "SessionSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            names = _lock_names(conn)
            while not self._stop.wait(self.interval):
                self.samples += 1
                for row in conn.execute(_SESSIONS):
                    self.counts[_label(names, *row)] += 1

    def summary(self, top: int = 15) -> str:
        busy = sum(self.counts.values())
        lines = [f"database sessions: {self.samples} samples, {busy / max(self.samples, 1):.1f} busy connections "
                 "on average; share of busy connection-samples:"]
        lines += [f"  {n / max(busy, 1) * 100:5.1f}%  {what}" for what, n in self.counts.most_common(top)]
        return "\n".join(lines)


def main(kind: str = "cycle", seconds: float = 20.0) -> None:
    with production_stack() as stack:
        citizens = [(c.token, c.csrf) for c in log_in_many(stack.base_url, 50)]
        load.run(stack.base_url, [Group(kind, 8)], citizens, 3.0)  # warm
        outputs, spies = [], []
        for pid in stack.web_pids():
            out = LOGS / f"profile-{kind}-{pid}.txt"
            outputs.append(out)
            spies.append(subprocess.Popen([PY_SPY, "record", "--pid", str(pid), "--duration", str(int(seconds)),
                                           "--rate", "200", "--format", "raw", "--output", str(out), "--nonblocking"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with SessionSampler(stack.db_conninfo) as sessions:
            report, rps = load.run(stack.base_url, [Group(kind, 8)], citizens, seconds)[kind]
        for spy in spies:
            spy.wait(60)
        print(f"{kind}: {rps:.0f} req/s, {report.errors} errors while sampled")
        print(sessions.summary())
        print(summarise([p for p in outputs if p.exists()]))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "cycle", float(sys.argv[2]) if len(sys.argv) > 2 else 20.0)
