"""Pair sampling with equal exposure for the whole round and within each category.

Pure: the round's counts, the battle's category, the available models and a random source in,
a `Draw` out. Three gaps are watched at two levels, the round (all categories together) and the
battle's category: the model gap (most minus fewest battles), the pair gap (most minus fewest
battles of an unordered pair) and the side gap (the largest |side A - side B| of a model).

The bounds, among the level models (below), after every battle:
- round level: every gap within 2, and within 1 whenever the category allows it;
- each category: every gap within 2 whenever the round allows it, else within 3.
All six within one cannot always hold at once (four models: the round may need {3, 4} while the
category needs {1, 2}), and with categories arriving at random a one-draw look-ahead does not
avoid every dead end: in simulation (20 runs of 10,000 battles, 4 and 5 models, a late model and
an outage) the round always held 2, and a category went to 4 in one battle in 3 of the runs;
deeper look-ahead (two draws in every category) did not remove such dead ends. The round, which
is what the teams' totals show, is held first. The sampler draws uniformly among the ordered
pairs that are best by, in order: how far round gaps exceed 2; how far category gaps exceed 3;
how many category gaps exceed 2; whether every category, a new one included, still has a draw
within 2 afterwards (look-ahead); whether the pair catches up a model that is behind; which gaps exceed 1 (round pairs, models, sides, then category models,
sides, pairs); then, where all six stay within 1, the pairs that can keep them so a draw or two
further in this category, else the least growth of the squared deviations at both levels. The
propensity recorded with a battle is 1 / (the number of pairs so allowed). A round with a single
category stays within 1 (three to five models). Rosters of six to nine: same bounds in simulation.

Availability. Only available models are drawn (active, not in outage, and in a bank round holding
an answer to the prompt); gaps are taken among them. A model that joins late or comes back from an
outage is *behind* at a level while counting it would break the level's bound (round 2; in a
category 5, BEHIND_IN_CATEGORY, the gaps over 3 it still causes being reduced first, so it is held
to 3 from when it is within 3; `contest.balance.behind`). It is in every battle that can take it
without a gap over the bounds among the others or a dead end ahead, and never overtakes them
(its battles and pairings are capped at the others' most), until it has caught up; from then on
it is held to the bounds like the others. Sides are held for every available model throughout.
Two models catching up at once (a late model still behind when another returns) can take a
category well past 3 for a while (up to 13 seen in simulation) and, once in 18 such runs, the
round to 4.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import groupby, permutations
from typing import Hashable, Iterable

from contest.balance import Level

ModelId = Hashable
ROUND_BOUND = 2  # the round level's bound (dead ends aside, see above)
CATEGORY_BOUND = 2  # a category's bound whenever the round allows it
CATEGORY_LIMIT = 3  # a category's bound otherwise (dead ends aside)
# Behind in a category only past this gap, so one dead end does not make a level model look behind.
BEHIND_IN_CATEGORY = CATEGORY_LIMIT + 2
# Draws looked ahead for keeping all within one, by roster size (cost grows as n^(2 * depth)).
LOOKAHEAD = {3: 1, 4: 1, 5: 2}


def pair_key(x: ModelId, y: ModelId) -> frozenset:
    """The unordered pair {x, y}."""
    return frozenset((x, y))


@dataclass
class Exposure:
    """How often each model, unordered pair and side was shown (one level: a round or a category)."""

    models: dict = field(default_factory=dict)
    pairs: dict = field(default_factory=dict)
    side_a: dict = field(default_factory=dict)
    side_b: dict = field(default_factory=dict)

    def add(self, a: ModelId, b: ModelId, times: int = 1) -> None:
        """Count `times` battles with `a` on side A and `b` on side B (negative to undo)."""
        for m in (a, b):
            self.models[m] = self.models.get(m, 0) + times
        key = pair_key(a, b)
        self.pairs[key] = self.pairs.get(key, 0) + times
        self.side_a[a] = self.side_a.get(a, 0) + times
        self.side_b[b] = self.side_b.get(b, 0) + times

    def gaps(self, models: list) -> tuple[int, int, int]:
        """(model spread, pair spread, largest |A - B|) among `models`."""
        counts = [self.models.get(m, 0) for m in models]
        pairs = [self.pairs.get(pair_key(x, y), 0) for i, x in enumerate(models) for y in models[i + 1:]]
        sides = max(abs(self.side_a.get(m, 0) - self.side_b.get(m, 0)) for m in models)
        return max(counts) - min(counts), (max(pairs) - min(pairs)) if pairs else 0, sides

    def level(self, models: list, bound: int) -> Level:
        """These counts as a `Level` over `models` (by index); `bound` decides who is behind."""
        index = range(len(models))
        pairs = [[self.pairs.get(pair_key(models[i], models[j]), 0) if i != j else 0 for j in index]
                 for i in index]
        return Level([self.models.get(m, 0) for m in models], pairs,
                     [self.side_a.get(m, 0) - self.side_b.get(m, 0) for m in models], bound)


@dataclass
class RoundExposure:
    """A round's exposure: the whole round, and each category apart."""

    total: Exposure = field(default_factory=Exposure)
    categories: dict[str, Exposure] = field(default_factory=dict)

    def add(self, category: str, a: ModelId, b: ModelId, times: int = 1) -> None:
        """Count `times` battles of (a, b) in `category` (negative to undo)."""
        self.total.add(a, b, times)
        self.categories.setdefault(category, Exposure()).add(a, b, times)

    def category(self, name: str) -> Exposure:
        """One category's counts (empty when it has none yet)."""
        return self.categories.get(name) or Exposure()


@dataclass(frozen=True)
class Draw:
    """The chosen ordered pair and the probability it had of being drawn."""

    a: ModelId
    b: ModelId
    propensity: float


class NotEnoughModels(Exception):
    """Fewer than two models can answer right now."""


def _key(round_: Level, here: Level, a: int, b: int) -> tuple:
    round_model, round_pair, round_side = round_.gaps_after(a, b)
    cat_model, cat_pair, cat_side = here.gaps_after(a, b)
    # Whether the pair catches up a model behind (at the round, in the category); two behind models
    # count no more than one, or they would be drawn against each other until their pair ran away.
    catch_up = (not (round_.level[a] and round_.level[b])) + (not (here.level[a] and here.level[b]))
    over_one = tuple(g > 1 for g in (round_pair, round_model, round_side, cat_model, cat_side, cat_pair))
    return (sum(max(0, g - ROUND_BOUND) for g in (round_model, round_pair, round_side)),
            sum(max(0, g - CATEGORY_LIMIT) for g in (cat_model, cat_pair, cat_side)),
            sum(g > CATEGORY_BOUND for g in (cat_model, cat_pair, cat_side)),
            -catch_up, over_one)


def _has_draw(round_: Level, category: Level) -> bool:
    n = len(round_.counts)
    return any(max(round_.gaps_after(x, y)) <= ROUND_BOUND and max(category.gaps_after(x, y)) <= CATEGORY_BOUND
               for x, y in permutations(range(n), 2))


def _safe(round_: Level, here: Level, levels: list[Level], a: int, b: int) -> bool:
    """After (a, b), every category (this one, the others, a new one) still has a draw within 2."""
    round_.add(a, b)
    here.add(a, b)
    try:
        return all(_has_draw(round_, level) for level in levels)
    finally:
        round_.add(a, b, -1)
        here.add(a, b, -1)


def _within_one_ahead(round_: Level, here: Level, a: int, b: int, depth: int) -> bool:
    """Drawing (a, b) keeps all six gaps within one, and so can `depth` further draws here."""
    if max(round_.gaps_after(a, b) + here.gaps_after(a, b)) > 1:
        return False
    if depth == 0:
        return True
    round_.add(a, b)
    here.add(a, b)
    try:
        return any(_within_one_ahead(round_, here, x, y, depth - 1)
                   for x, y in permutations(range(len(round_.counts)), 2))
    finally:
        round_.add(a, b, -1)
        here.add(a, b, -1)


def _best(round_: Level, here: Level, pairs: list[tuple[int, int]], all_within_one: bool) -> list:
    """Among equally good pairs: those that keep all within one further ahead, else the least push."""
    if all_within_one:
        depth = LOOKAHEAD.get(len(round_.counts), 0)
        strict = [p for p in pairs if _within_one_ahead(round_, here, *p, depth)]
        if strict:
            return strict
    push = {p: round_.push(*p) + here.push(*p) for p in pairs}
    least = min(push.values())
    return [p for p in pairs if push[p] == least]


def allowed_pairs(counts: RoundExposure, category: str,
                  available: Iterable[ModelId]) -> list[tuple[ModelId, ModelId]]:
    """Every ordered pair the next draw in `category` may pick, each equally likely."""
    models = sorted(set(available), key=repr)
    if len(models) < 2:
        raise NotEnoughModels()
    round_ = counts.total.level(models, ROUND_BOUND)
    here = counts.category(category).level(models, BEHIND_IN_CATEGORY)
    scored = sorted((_key(round_, here, a, b), (a, b)) for a, b in permutations(range(len(models)), 2))
    levels = [here] + [e.level(models, BEHIND_IN_CATEGORY) for name, e in counts.categories.items()
                       if name != category] + [Exposure().level(models, BEHIND_IN_CATEGORY)]
    chosen = None
    for key, group in groupby(scored, key=lambda item: item[0]):
        if key[:3] != scored[0][0][:3]:
            break  # never trade a gap over the bounds now for a look-ahead
        pairs = [pair for _, pair in group]
        chosen = chosen or _best(round_, here, pairs, False)
        safe = [p for p in pairs if _safe(round_, here, levels, *p)]
        if safe:
            chosen = _best(round_, here, safe, not any(key[-1]))
            break
    return [(models[a], models[b]) for a, b in chosen]


def choose_pair(counts: RoundExposure, category: str, available: Iterable[ModelId], rng: random.Random) -> Draw:
    """Draw an ordered pair among `available` (models in outage already left out) for `category`."""
    allowed = allowed_pairs(counts, category, available)
    a, b = allowed[rng.randrange(len(allowed))]
    return Draw(a=a, b=b, propensity=1.0 / len(allowed))
