"""Pair sampling with equal exposure for the whole round and within each category.

Pure: the round's counts, the battle's category, the available models and a random source in,
a `Draw` out. Three gaps are watched at two levels, the round (all categories together) and the
battle's category: the model gap (most minus fewest battles), the pair gap (most minus fewest
battles of an unordered pair) and the side gap (the largest |side A - side B| of a model); and at
the round level, each pair's two orders (|#(x on A against y) - #(y on A against x)|).

The sampler draws uniformly among the ordered pairs that are best by, in order: how far round gaps
exceed 2 (a pair's two orders included); how far category gaps exceed 2, and how many do; whether
every category, a new one included, still has a draw within 2 at both levels afterwards (look-ahead;
if no pair passes, one that leaves every category a draw within 3); whether the pair's order is the
one it had less often (its two orders kept within 1 where the rest allows); whether it catches up a
model that is behind; how many gaps go past 1 (the six, the round's sides twice); then, where none
does, the pairs that keep all within one a draw or two further in this category, else the least
growth of the squared deviations. The propensity recorded with a battle is 1 / (pairs so allowed).

What any sampler can hold, decided exactly (`bench/exposure_game.py`, a safety game in which the
category sequence is the adversary; `tests/contest/test_sampling_game.py`):
- all within 1 at both levels: impossible from two categories (4 models: x, y, x breaks it);
- the round within 1 beside categories within 2: impossible (4 models, two categories, pairs and
  models alone); so the round's bound is 2;
- categories within 1 beside the round within 2: holdable with two categories, impossible from
  three (4 models, pairs and models); so a category's bound is 2 too;
- every gap within 2 at both levels: holdable (4 models, two and three categories, pairs and
  models; 5 models, three categories, pairs and models, 155,200,220 states; 3 models, three
  categories, sides and orders too), but not with each pair's orders held
  within 1 at the round (3 models, three categories, even with a category's own orders let run to
  6): so those are held within 2 and kept within 1 only where the rest allows.
- every gap within 2 at both levels: impossible from four categories (4 models, pairs and models
  alone; 2,164,453 states), so no sampler can promise it with the five categories of a round;
- from four categories the round within 2 beside categories within 3 is impossible too (4 models,
  pairs and models; 322,019,154 states, `bench/exposure_game.c`), while the round within 3 beside
  categories within 2 holds (6,804,178 states). The draw still puts the round first (2, the level
  whose drift the teams' totals show) and a category second; what that holds is measured below.

What holds, measured (40 runs of 10,000 battles, seeds 0-19, 4 and 5 models, five random
categories, a late model and an outage; `tests/contest/test_sampling_sim.py`), not proven:
- round: every gap within 2 but for 2 battles of 400,000 at 3 (just after a model left or caught
  up); within 1 in 53%;
- each category: within 2 in 99.82% of battles, 3 in 0.18%, 4 in 3 battles, never 5 (22 battles at 4
  before a catch-up kept to where the model is short, see Availability);
- a pair's two orders (round): within 2 always, within 1 in 97.6% of battles;
- a steady roster (60 runs, seeds 100-129): the round at 3 (a side) in 3 battles of 300,000 with 5
  models, a category at 4 (a pair) in 5 battles of 300,000 with 4, both dead ends the one-draw
  look-ahead did not see;
- one category only: all within 1 (3 models), within 2 and at 2 in about 3% of battles (4, 5).
Dead ends remain: the one-draw look-ahead does not see two draws ahead. The draw is nearly
determined: one pair is allowed in about 83% of draws, and a pair's most frequent successor in 1,500
draws predicts the next pair of the next 1,500 in 15% (4 models; chance 8%) and 7.7% (5; 5%), as before.

Availability. Only available models are drawn (active, not in outage, and in a bank round holding
an answer to the prompt); gaps are taken among them. A model that joins late or comes back from an
outage is *behind* at a level while counting it would break the level's bound (round 2; in a
category 5, BEHIND_IN_CATEGORY, the gaps over 3 it still causes being reduced first, so it is held
to 3 from when it is within 3; `contest.balance.behind`). It is in every battle that can take it
without a gap over the bounds among the others or a dead end ahead, and never overtakes them
(its battles and pairings are capped at the others' most), until it has caught up; from then on
it is held to the bounds like the others. Behind at one level, it catches up there only where it is
short of the others at the other level: a model behind at the round that ran ahead in a category
was held back there once level at the round, a clash no draw could settle within the bounds (over
40 runs of 10,000 battles this took the excursions past round 2 or a category 3 from 25 to 5; a
catch-up takes about 2% longer). Sides are held for every available model throughout.
Two models catching up at once (a late model still behind when another returns) can take a
category well past 3 for a while.
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
PAIR_SIDES_LIMIT = 2  # |#(x on A against y) - #(y on A against x)| for every pair, at the round level
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
    ordered: dict = field(default_factory=dict)  # (a, b): battles with a on side A against b

    def add(self, a: ModelId, b: ModelId, times: int = 1) -> None:
        """Count `times` battles with `a` on side A and `b` on side B (negative to undo)."""
        for m in (a, b):
            self.models[m] = self.models.get(m, 0) + times
        key = pair_key(a, b)
        self.pairs[key] = self.pairs.get(key, 0) + times
        self.side_a[a] = self.side_a.get(a, 0) + times
        self.side_b[b] = self.side_b.get(b, 0) + times
        self.ordered[(a, b)] = self.ordered.get((a, b), 0) + times

    def pair_sides(self, models: list) -> int:
        """The largest |#(x on A against y) - #(y on A against x)| over pairs of `models`."""
        return max((abs(self.ordered.get((x, y), 0) - self.ordered.get((y, x), 0))
                    for i, x in enumerate(models) for y in models[i + 1:]), default=0)

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
        orient = [[self.ordered.get((models[i], models[j]), 0) - self.ordered.get((models[j], models[i]), 0)
                   for j in index] for i in index]
        return Level([self.models.get(m, 0) for m in models], pairs,
                     [self.side_a.get(m, 0) - self.side_b.get(m, 0) for m in models], bound, orient)


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
    propensity: float | None  # None: a designed pair (a panel assignment), not drawn


class NotEnoughModels(Exception):
    """Fewer than two models can answer right now."""


def _key(round_: Level, here: Level, a: int, b: int) -> tuple:
    round_model, round_pair, round_side = round_.gaps_after(a, b)
    cat_model, cat_pair, cat_side = here.gaps_after(a, b)
    order = round_.orient[a][b] + 1  # this pair's two orders at the round level, after the draw
    # Whether the pair catches up a model behind (at the round, in the category); two behind models
    # count no more than one, or they would be drawn against each other until their pair ran away.
    # A model behind at one level catches up there only where it is short of the other level's level
    # models: pushed past them at the other level, it would be held back there once caught up.
    catch_up = (any(not round_.level[m] and here.counts[m] < _most_of_level(round_, here) for m in (a, b))
                + any(not here.level[m] and round_.counts[m] < _most_of_level(here, round_) for m in (a, b)))
    # How many of the six gaps go past one; the round's sides count twice: two models both a side
    # ahead that must next meet each other are a dead end for the round.
    over_one = sum(g > 1 for g in (round_pair, round_model, round_side, round_side, cat_model, cat_side, cat_pair))
    return (sum(max(0, g - ROUND_BOUND) for g in (round_model, round_pair, round_side))
            + max(0, order - PAIR_SIDES_LIMIT),
            sum(max(0, g - CATEGORY_BOUND) for g in (cat_model, cat_pair, cat_side)),
            sum(g > CATEGORY_BOUND for g in (cat_model, cat_pair, cat_side)),
            order > 1,  # each pair's two orders within one where the bounds allow
            -catch_up, over_one)


def _most_of_level(level: Level, other: Level) -> int:
    """The most battles at `other` of a model level at `level` (0 when none is)."""
    return max((c for c, held in zip(other.counts, level.level) if held), default=0)


def _has_draw(round_: Level, category: Level, bound: int) -> bool:
    n = len(round_.counts)
    return any(round_.orient[x][y] < PAIR_SIDES_LIMIT and max(round_.gaps_after(x, y)) <= ROUND_BOUND
               and max(category.gaps_after(x, y)) <= bound for x, y in permutations(range(n), 2))


def _safe(round_: Level, here: Level, levels: list[Level], a: int, b: int, bound: int = CATEGORY_BOUND) -> bool:
    """After (a, b), every category (this one, the others, a new one) still has a draw within 2."""
    round_.add(a, b)
    here.add(a, b)
    try:
        return all(_has_draw(round_, level, bound) for level in levels)
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
    keys = {(a, b): _key(round_, here, a, b) for a, b in permutations(range(len(models)), 2)}
    levels = [here] + [e.level(models, BEHIND_IN_CATEGORY) for name, e in counts.categories.items()
                       if name != category] + [Exposure().level(models, BEHIND_IN_CATEGORY)]
    least = min(key[:3] for key in keys.values())  # never trade a gap over the bounds now for a look-ahead
    front = sorted((key[3:], p) for p, key in keys.items() if key[:3] == least)
    groups = [[p for _, p in group] for _, group in groupby(front, key=lambda item: item[0])]
    # The best group holding pairs after which every category still has a draw within 2 at both
    # levels; if no group has one, the best group's pairs that leave every category a draw within 3.
    for group in groups:
        safe = [p for p in group if _safe(round_, here, levels, *p)]
        if safe:
            chosen = _best(round_, here, safe, keys[safe[0]][-1] == 0)
            break
    else:
        fallback = [p for group in groups for p in group if _safe(round_, here, levels, *p, CATEGORY_LIMIT)]
        fallback = [p for p in fallback if keys[p][3:] == keys[fallback[0]][3:]] if fallback else groups[0]
        chosen = _best(round_, here, fallback, False)
    return [(models[a], models[b]) for a, b in chosen]


def choose_pair(counts: RoundExposure, category: str, available: Iterable[ModelId], rng: random.Random) -> Draw:
    """Draw an ordered pair among `available` (models in outage already left out) for `category`."""
    allowed = allowed_pairs(counts, category, available)
    a, b = allowed[rng.randrange(len(allowed))]
    return Draw(a=a, b=b, propensity=1.0 / len(allowed))
