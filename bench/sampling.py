"""(g) The equal-exposure draw's cost per battle start (it runs under the round's draw lock)."""
from __future__ import annotations

import random
import time

from contest.sampling import RoundExposure, choose_pair

CATEGORIES = ("daily", "writing", "coding", "reasoning", "culture")
TARGET_MS = 10.0


def run(sizes: tuple[int, ...] = (4, 5, 8), warm: int = 300, timed: int = 200) -> list[dict]:
    """Per roster size: ms per draw after `warm` draws (a round under way), against a uniform random pair
    drawn in the same run (the floor any sampler pays)."""
    rows = []
    for n in sizes:
        rng, roster = random.Random(n), [f"m{i}" for i in range(n)]
        counts = RoundExposure()
        for _ in range(warm):
            category = rng.choice(CATEGORIES)
            draw = choose_pair(counts, category, roster, rng)
            counts.add(category, draw.a, draw.b)
        started = time.perf_counter()
        for _ in range(timed):
            choose_pair(counts, rng.choice(CATEGORIES), roster, rng)
        ours = (time.perf_counter() - started) * 1000 / timed
        started = time.perf_counter()
        for _ in range(timed):
            rng.sample(roster, 2)
            rng.choice(CATEGORIES)
        floor = (time.perf_counter() - started) * 1000 / timed
        rows.append({"models": n, "ours_ms": ours, "floor_ms": floor})
    return rows


def table_rows(rows: list[dict]) -> list[str]:
    return [f"| (g) equal-exposure draw, {r['models']} models, 5 categories (per battle start, under the draw lock) | "
            f"{r['ours_ms']:.2f} ms | {r['floor_ms'] * 1000:.1f} us uniform random pair | "
            f"{r['ours_ms'] / max(r['floor_ms'], 1e-9):.0f}x | <= {TARGET_MS:g} ms | "
            f"{'ok' if r['ours_ms'] <= TARGET_MS else 'MISSED'} |" for r in rows]
