"""Gap arithmetic for pair sampling: one level's counts (the round, or one category) as arrays.

A `Level` holds, over the models available now (by index), how often each was drawn, each
unordered pair and each model's side A minus side B. Models that are *behind* at this level (back
from an outage, or late to the round) are left out of the model and pair gaps until they have
caught up: see `behind`. It also holds, per pair, side A against side B in each order (`orient`).
`gaps_after(a, b)` answers the three gaps after one more draw in constant
time, so the sampler can score every ordered pair, and look a draw ahead, in a millisecond or two.
"""
from __future__ import annotations

from itertools import combinations


def _spread(values: list[int]) -> tuple[int, int, int]:
    """(minimum, how many hold it, maximum); (0, 1, 0) when empty."""
    if not values:
        return 0, 1, 0
    low = min(values)
    return low, values.count(low), max(values)


def behind(counts: list[int], pairs: list[list[int]], bound: int) -> set[int]:
    """Models that are not level yet: while the model or pair gap among the rest exceeds `bound`, the
    model furthest behind (battles short of the most, plus pairings short of the most) is taken out."""
    level = set(range(len(counts)))
    while len(level) > 2:
        model_low, _, model_high = _spread([counts[i] for i in level])
        pair_low, _, pair_high = _spread([pairs[i][j] for i, j in combinations(sorted(level), 2)])
        if model_high - model_low <= bound and pair_high - pair_low <= bound:
            break
        level.remove(max(level, key=lambda i: (model_high - counts[i]
                                               + sum(pair_high - pairs[i][j] for j in level if j != i), -i)))
    return set(range(len(counts))) - level


class Level:
    """One level's counts over the available models, and the gaps among its level models."""

    def __init__(self, counts: list[int], pairs: list[list[int]], sides: list[int], bound: int,
                 orient: list[list[int]] | None = None):
        self.counts, self.pairs, self.sides = counts, pairs, sides
        # orient[a][b]: battles with a on side A against b, less those with b on side A against a.
        self.orient = orient or [[0] * len(counts) for _ in counts]
        lagging = behind(counts, pairs, bound)
        self.level = [i not in lagging for i in range(len(counts))]
        self._members = [i for i in range(len(counts)) if self.level[i]]
        self._pair_ids = list(combinations(self._members, 2))
        self._summarise()

    def _summarise(self) -> None:
        self.model_stat = _spread([self.counts[i] for i in self._members])
        self.pair_stat = _spread([self.pairs[i][j] for i, j in self._pair_ids])
        self.side_top = sorted(((abs(s), i) for i, s in enumerate(self.sides)), reverse=True)[:3]

    def gaps(self) -> tuple[int, int, int]:
        """(model gap, pair gap, largest |A - B|) now, among the level models (sides: all)."""
        return (self.model_stat[2] - self.model_stat[0], self.pair_stat[2] - self.pair_stat[0],
                self.side_top[0][0] if self.side_top else 0)

    def gaps_after(self, a: int, b: int) -> tuple[int, int, int]:
        """The three gaps were `a` (side A) and `b` (side B) drawn once more."""
        counts, level = self.counts, self.level
        low, at_low, high = self.model_stat
        hit = (level[a] and counts[a] == low) + (level[b] and counts[b] == low)
        high = max(high, counts[a] + 1, counts[b] + 1)  # a model behind must not overtake the others
        model_gap = high - (low if at_low > hit else low + 1)
        low, at_low, high = self.pair_stat
        if level[a] and level[b]:
            held = self.pairs[a][b]
            pair_gap = max(high, held + 1) - (low if at_low > (held == low) else low + 1)
        else:  # a pair of a model still behind must not overtake the level pairs either
            pair_gap = max(high, self.pairs[a][b] + 1) - low if self._pair_ids else 0
        rest = next((v for v, i in self.side_top if i != a and i != b), 0)
        return model_gap, pair_gap, max(abs(self.sides[a] + 1), abs(self.sides[b] - 1), rest)

    def push(self, a: int, b: int) -> int:
        """How much drawing (a, b) adds to this level's squared deviations (half of it, less a constant):
        low means the pair is what this level lacks most."""
        return self.counts[a] + self.counts[b] + self.pairs[a][b] + self.sides[a] - self.sides[b]

    def add(self, a: int, b: int, times: int = 1) -> None:
        """Count `times` more draws of (a, b) (negative to undo); the level set stays as it is."""
        self.counts[a] += times
        self.counts[b] += times
        self.pairs[a][b] += times
        self.pairs[b][a] += times
        self.sides[a] += times
        self.sides[b] -= times
        self.orient[a][b] += times
        self.orient[b][a] -= times
        self._summarise()
