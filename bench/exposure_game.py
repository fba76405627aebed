"""Equal exposure as a safety game, solved exactly on small cases (`python -m bench.exposure_game`).

The category of each battle is the adversary's move (categories arrive in any order); the sampler
answers with a pair. A level (the round, or one category) is a vector of counts, one per unordered
pair (or per ordered pair when sides are watched); its gaps depend only on the counts less their
minimum, so with every gap held within a bound the state is finite and "can the sampler keep every
gap within the bounds forever?" is decided by a greatest fixpoint: drop every state in which some
category leaves the sampler no draw into a kept state, until nothing changes. States are reduced by
renaming the models (and, in `solve`, by renaming the categories).

Watching fewer gaps only helps the sampler, so an adversary win on pair and model gaps alone (the
unordered game) holds for the full problem: those are impossibility proofs. A sampler win in the
ordered game (sides too, the category's own pair orders capped at `cap`, a restriction on the
sampler) is a strategy for the full problem on that case.

Measured (`--slow` adds the last three: 3 models, three categories, a category's counts within
`cap` of its minimum, and 4 models, four categories): all within 1 is broken from two categories
(x, y, x), the round within 1 beside categories within 2 from two, categories within 1 beside the
round within 2 from three; all within 2 holds (4 models, two and three categories; 3 models, three
categories, sides and a pair's orders within 2 too, cap 4) but not with a pair's orders held within
1 at the round (cap 6), and not from four categories (4 models, pairs and models alone).

bench/exposure_game.c solves the unordered game of `solve` (pair and model gaps) in C, with the same
winners and reachable-state counts on CASES and on 4 models, four categories, all within 2 (2,164,453
states, adversary wins: 4.8 s there, 1,133 s here); its header comment says how to build and run it
and tables its results: 4 models, four categories, the round within 2 beside categories within 3 is
broken (322,019,154 states), the round within 3 beside categories within 2 holds (6,804,178 states);
5 models, three categories, all within 2 holds (155,200,220 states).

`forcing_sequence` finds the shortest fixed category sequence (no adapting to the draws) after which
every sampler, whatever it drew, has broken a bound: a concrete counterexample anyone can replay.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from itertools import combinations, permutations, product

GAPS = ("model", "pair", "side", "order")


@dataclass(frozen=True)
class Bounds:
    """The largest gap allowed at one level: model, unordered pair, |A - B| of a model, a pair's two orders."""

    model: int = 99
    pair: int = 99
    side: int = 99
    order: int = 99

    def holds(self, gaps: tuple[int, int, int, int]) -> bool:
        return all(g <= b for g, b in zip(gaps, (self.model, self.pair, self.side, self.order)))

    @property
    def ordered(self) -> bool:
        return self.side < 99 or self.order < 99


class Game:
    """n models, the round's and a category's bounds; vectors of counts interned as small integers."""

    def __init__(self, n: int, round_bounds: Bounds, category_bounds: Bounds, cap: int = 99):
        self.n, self.round_bounds, self.category_bounds, self.cap = n, round_bounds, category_bounds, cap
        ordered = round_bounds.ordered or category_bounds.ordered
        self.pieces = list(permutations(range(n), 2)) if ordered else list(combinations(range(n), 2))
        index = {p: i for i, p in enumerate(self.pieces)}
        self.reverse = [index.get((y, x), i) for i, (x, y) in enumerate(self.pieces)]
        self.pairs = [i for i, (x, y) in enumerate(self.pieces) if x < y]
        self.renamings = [[index[(s[x], s[y]) if ordered else tuple(sorted((s[x], s[y])))]
                           for x, y in self.pieces] for s in permutations(range(n))]
        self.vectors: list[tuple] = []
        self._ids: dict[tuple, int] = {}
        self._step: dict[tuple[int, int], int | None] = {}
        self._renamed: dict[tuple[int, int], int] = {}
        self._round: dict[tuple, bool] = {}
        self.zero = self.intern([0] * len(self.pieces))

    def gaps(self, v: list[int]) -> tuple[int, int, int, int]:
        counts, sides = [0] * self.n, [0] * self.n
        for (x, y), c in zip(self.pieces, v):
            counts[x] += c
            counts[y] += c
            sides[x] += c
            sides[y] -= c
        pair = [v[i] + (v[self.reverse[i]] if self.reverse[i] != i else 0) for i in self.pairs]
        ordered = self.reverse[0] != 0
        return (max(counts) - min(counts), max(pair) - min(pair), max(map(abs, sides)) if ordered else 0,
                max(abs(v[i] - v[self.reverse[i]]) for i in self.pairs) if ordered else 0)

    def intern(self, v: list[int]) -> int:
        low = min(v)
        key = tuple(c - low for c in v)
        if key not in self._ids:
            self._ids[key] = len(self.vectors)
            self.vectors.append(key)
        return self._ids[key]

    def step(self, vid: int, piece: int) -> int | None:
        """The category's vector after one more draw of `piece`, or None if that breaks its bounds."""
        key = (vid, piece)
        if key not in self._step:
            v = list(self.vectors[vid])
            v[piece] += 1
            good = self.category_bounds.holds(self.gaps(v)) and max(v) - min(v) <= self.cap
            self._step[key] = self.intern(v) if good else None
        return self._step[key]

    def round_holds(self, state: tuple[int, ...], piece: int) -> bool:
        key = (tuple(sorted(state)), piece)
        if key not in self._round:
            total = [sum(c) for c in zip(*(self.vectors[i] for i in state))]
            total[piece] += 1
            self._round[key] = self.round_bounds.holds(self.gaps(total))
        return self._round[key]

    def rename(self, vid: int, r: int) -> int:
        key = (vid, r)
        if key not in self._renamed:
            w = [0] * len(self.pieces)
            for j, c in zip(self.renamings[r], self.vectors[vid]):
                w[j] = c
            self._renamed[key] = self.intern(w)
        return self._renamed[key]

    def canon(self, state: tuple[int, ...], sort: bool) -> tuple[int, ...]:
        shape = sorted if sort else tuple
        return min(tuple(shape(self.rename(v, r) for v in state)) for r in range(len(self.renamings)))

    def moves(self, state: tuple[int, ...], category: int, sort: bool) -> set:
        """Every state the sampler can reach when the next battle is in `category`."""
        out = set()
        for piece in range(len(self.pieces)):
            nxt = self.step(state[category], piece)
            if nxt is not None and self.round_holds(state, piece):
                out.add(self.canon(state[:category] + (nxt,) + state[category + 1:], sort))
        return out


def solve(game: Game, categories: int) -> tuple[bool, int]:
    """(whether the sampler can hold the bounds forever from the empty round, reachable states)."""
    start = game.canon((game.zero,) * categories, True)
    graph, todo = {}, [start]
    seen = {start}
    while todo:
        state = todo.pop()
        options = [game.moves(state, c, True) for c in range(categories) if c == 0 or state[c] != state[c - 1]]
        graph[state] = options
        for nxt in set().union(*options) - seen:
            seen.add(nxt)
            todo.append(nxt)
    kept, changed = set(graph), True
    while changed:
        changed = False
        for state in list(kept):
            if any(not (moves & kept) for moves in graph[state]):
                kept.discard(state)
                changed = True
    return start in kept, len(graph)


def forcing_sequence(game: Game, categories: int, longest: int) -> list[int] | None:
    """The shortest category sequence (up to `longest`) after which no sampler has held the bounds."""
    start = game.canon((game.zero,) * categories, False)
    frontier = {(): {start}}
    for _ in range(longest):
        grown = {}
        for seq, states in frontier.items():
            for c in range(categories):
                if seq == () and c:  # the first category is any category
                    continue
                reached = set().union(*(game.moves(s, c, False) for s in states))
                if not reached:
                    return list(seq) + [c]
                grown[seq + (c,)] = reached
        # Sequences reaching the same sampler states are interchangeable: keep the first of each.
        unique = {}
        for seq, states in grown.items():
            unique.setdefault(frozenset(states), seq)
        frontier = {seq: grown[seq] for seq in unique.values()}
    return None


CASES = [  # (name, models, categories, round bounds, category bounds, cap, forcing search length)
    ("all within 1, pairs only", 4, 3, Bounds(pair=1), Bounds(pair=1), 99, 12),
    ("all within 1, pairs and models", 4, 2, Bounds(1, 1), Bounds(1, 1), 99, 12),
    ("round within 1, category within 2", 4, 2, Bounds(1, 1), Bounds(2, 2), 99, 16),
    ("round within 2, category within 1", 4, 2, Bounds(2, 2), Bounds(1, 1), 99, 16),
    ("all within 2, pairs and models", 4, 2, Bounds(2, 2), Bounds(2, 2), 99, 0),
    ("all within 2, pairs and models", 4, 3, Bounds(2, 2), Bounds(2, 2), 99, 0),
]
SLOW_CASES = [  # sides and orders too; about 10 minutes each
    ("all within 2, a pair's orders within 2", 3, 3, Bounds(2, 2, 2, 2), Bounds(2, 2, 2), 4, 0),
    ("all within 2, a pair's orders within 1", 3, 3, Bounds(2, 2, 2, 1), Bounds(2, 2, 2), 6, 0),
    # pairs and models only; about 20 minutes here, 3 s in bench/exposure_game.c
    ("all within 2, pairs and models", 4, 4, Bounds(2, 2), Bounds(2, 2), 99, 0),
]


def run(cases=CASES) -> list[dict]:
    rows = []
    for name, n, categories, round_bounds, category_bounds, cap, longest in cases:
        started = time.perf_counter()
        game = Game(n, round_bounds, category_bounds, cap)
        wins, states = solve(game, categories)
        sequence = None if wins or not longest else forcing_sequence(game, categories, longest)
        rows.append({"case": name, "models": n, "categories": categories, "round": round_bounds,
                     "category": category_bounds, "sampler_wins": wins, "states": states,
                     "sequence": sequence, "seconds": time.perf_counter() - started})
        print(f"| {name} | {n} | {categories} | {'sampler holds' if wins else 'adversary forces a break'} | "
              f"{states:,} | {''.join('xyzuvw'[c] for c in sequence) if sequence else ''} | "
              f"{rows[-1]['seconds']:.1f} s |", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int)
    parser.add_argument("--categories", type=int, default=2)
    parser.add_argument("--round", default="2,2,2,1", help="model,pair,side,order bounds at the round level")
    parser.add_argument("--category", default="2,2,2,99", help="the same in a category")
    parser.add_argument("--cap", type=int, default=99, help="a category's counts within this of its minimum")
    parser.add_argument("--longest", type=int, default=0, help="search a forcing sequence this long")
    parser.add_argument("--slow", action="store_true", help="also the cases with sides and orders (minutes)")
    args = parser.parse_args()
    print("| case | models | categories | result | states | forcing sequence | time |\n|---|---|---|---|---|---|---|")
    if args.models is None:
        run(CASES + SLOW_CASES if args.slow else CASES)
        return
    bounds = [Bounds(*map(int, text.split(","))) for text in (args.round, args.category)]
    run([(f"round {args.round}, category {args.category}, cap {args.cap}", args.models, args.categories,
          *bounds, args.cap, args.longest)])


if __name__ == "__main__":
    main()
