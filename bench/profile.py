"""Where a citizen's cycle spends its time: py-spy samples both gunicorn workers of the bench stack while
the cycle load runs, then prints the heaviest frames (inclusive and own) and writes the collapsed stacks
(speedscope/flamegraph input) under tests/artifacts/bench/.

    .venv/bin/python -m bench.profile [cycle|noop|board] [seconds]

py-spy (requirements-dev) attaches with ptrace: run as root, or allow it (kernel.yama.ptrace_scope=0).
"""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

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
        report, rps = load.run(stack.base_url, [Group(kind, 8)], citizens, seconds)[kind]
        for spy in spies:
            spy.wait(60)
        print(f"{kind}: {rps:.0f} req/s, {report.errors} errors while sampled")
        print(summarise([p for p in outputs if p.exists()]))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "cycle", float(sys.argv[2]) if len(sys.argv) > 2 else 20.0)
