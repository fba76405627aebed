"""The published board of a release: one pure function, used to publish and to verify. numpy + stdlib only.

Models are keyed by their stable slug (ordered by it); each is named as its latest cast record names
it. Figures (ratings, intervals, win rates) are published rounded to DECIMALS places by `figure`, so a
last-bit difference in a CPU's vector maths does not change what is published; ranks and counts are exact.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from voting.board import LEGACY, Board, BoardSettings, Row, compute_board
from voting.rating import OUTCOME_OF_WINNER, RatingParams, pair_matrices, tally

DECIMALS = 6
# Two roundings of the same figure on different CPUs may land one step apart (a value on a rounding edge).
TOLERANCE = 1.5 * 10.0 ** -DECIMALS
# The fields of a board row that the votes and the protocol determine (team names are labels beside them).
ROW_FIELDS = ("rank", "slug", "name", "team_slug", "rating", "ci", "battles", "win_rate", "provisional")
# Added by the anchored method (absent from a legacy board's rows and results).
METHOD_ROW_FIELDS = ("status", "component")
METHOD_BOARD_FIELDS = ("components", "warnings")
ENTRY_FIELDS = ("slug", "name", "team_slug")


def figure(value: float) -> float:
    """A published figure: rounded to DECIMALS places, the same at publication and on verification."""
    return round(float(value), DECIMALS)


def settings_from_protocol(protocol: dict[str, Any]) -> BoardSettings:
    """The board settings of a normalised round protocol (contest.protocol); one without "rating_method"
    is a snapshot's from before the key existed, computed under the legacy method."""
    params = RatingParams(scale=float(protocol["scale"]), base=float(protocol["base"]),
                          initial=float(protocol["initial"]))
    return BoardSettings(rounds=int(protocol["bootstrap_rounds"]), seed=int(protocol["seed"]),
                         confidence=float(protocol["confidence"]), provisional_below=int(protocol["min_battles"]),
                         params=params, method=str(protocol.get("rating_method", LEGACY)))


def board_entries(votes: list[dict[str, Any]], roster: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every model on the board, by slug: the roster's ({"slug", "name", "team_slug"}) and every model of a
    counted vote; a model with cast records is named (and its team given) as its latest record says."""
    entries = {e["slug"]: {key: e[key] for key in ENTRY_FIELDS} for e in roster}
    latest: dict[str, dict[str, Any]] = {}
    for v in votes:  # chain order: a later record's name wins
        for side in ("a", "b"):
            latest[v[f"model_{side}_slug"]] = {"slug": v[f"model_{side}_slug"], "name": v[f"model_{side}"],
                                               "team_slug": v[f"team_{side}"]}
    counted = {v[f"model_{side}_slug"] for v in votes if v["counted"] is True for side in ("a", "b")}
    entries.update({slug: entry for slug, entry in latest.items() if slug in entries or slug in counted})
    return [entries[slug] for slug in sorted(entries)]


def release_board(votes: list[dict[str, Any]], protocol: dict[str, Any],
                  roster: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    """{"models": rows best first, "unrated": names, "roster": entries, "matrix"} from the release's votes.

    `roster` lists models to show even without a counted battle (they appear under "unrated").
    """
    entries = board_entries(votes, roster)
    counted = [v for v in votes if v["counted"] is True]
    index = {entry["slug"]: i for i, entry in enumerate(entries)}
    t = tally(np.array([index[v["model_a_slug"]] for v in counted], dtype=np.int64),
              np.array([index[v["model_b_slug"]] for v in counted], dtype=np.int64),
              np.array([OUTCOME_OF_WINNER[v["winner"]] for v in counted], dtype=np.int64), len(entries))
    settings = settings_from_protocol(protocol)
    board = compute_board(t, settings) if entries else Board([], [])
    rated = {r.index for r in board.rows}
    battles, rate = pair_matrices(t)
    legacy = settings.method == LEGACY
    extra = {} if legacy else {"components": [[entries[i]["slug"] for i in g] for g in board.components],
                               "warnings": board.warnings}
    return {
        "models": [_published_row(entries[r.index], r, legacy) for r in board.rows],
        **extra,
        "unrated": [entry["name"] for i, entry in enumerate(entries) if i not in rated],
        "roster": entries,
        "matrix": {"models": [e["name"] for e in entries], "slugs": [e["slug"] for e in entries],
                   "battles": battles.astype(int).tolist(),
                   "win_rate": [[None if np.isnan(v) else figure(v) for v in row] for row in rate]},
    }


def _published_row(entry: dict[str, Any], r: Row, legacy: bool) -> dict[str, Any]:
    """One published row; a legacy board's exactly as it was published (no status, no component)."""
    row = {**entry, "rank": r.rank, "rating": figure(r.rating), "ci": [figure(r.ci[0]), figure(r.ci[1])],
           "battles": r.battles, "win_rate": figure(r.win_rate), "provisional": r.provisional}
    return row if legacy else {**row, "status": r.status, "component": r.component}


def same(got: Any, want: Any) -> bool:
    """Equal, figures within TOLERANCE (the published value against the recomputed one)."""
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(same, got, want))
    if isinstance(want, float):
        return (isinstance(got, (int, float)) and not isinstance(got, bool)
                and abs(float(got) - want) <= TOLERANCE)
    return type(got) is type(want) and got == want


def first_board_difference(published: dict[str, Any], computed: dict[str, Any]) -> str | None:
    """Where a published board differs from the recomputed one, or None."""
    rows, want = published.get("models") or [], computed["models"]
    for position, (got, row) in enumerate(zip(rows, want), start=1):
        for key in (*ROW_FIELDS, *(k for k in METHOD_ROW_FIELDS if k in row)):
            if not same(got.get(key), row[key]):
                return (f"board row {position} ({got.get('name')}): {key} is {got.get(key)!r}, "
                        f"recomputed {row[key]!r}")
    if len(rows) != len(want):
        return f"board has {len(rows)} rated models, recomputed {len(want)}"
    given = [{key: e.get(key) for key in ENTRY_FIELDS} for e in published.get("roster") or []]
    if given != computed["roster"]:
        return f"roster is {given!r}, recomputed {computed['roster']!r}"
    # A board of a method that has these lists must publish them as computed: leaving "warnings" out would
    # hide that the board is disconnected and still verify.
    for key in METHOD_BOARD_FIELDS:
        if key in computed and published.get(key) != computed[key]:
            return f"{key} is {published.get(key)!r}, recomputed {computed[key]!r}"
    if published.get("unrated") != computed["unrated"]:
        return f"unrated is {published.get('unrated')!r}, recomputed {computed['unrated']!r}"
    for key in ("models", "slugs", "battles", "win_rate"):
        if not same((published.get("matrix") or {}).get(key), computed["matrix"][key]):
            return f"matrix {key} differs from the recomputed one"
    return team_label_difference(published)


def team_label_difference(published: dict[str, Any]) -> str | None:
    """Team names are labels of team slugs: one team slug has one pair of names everywhere in the snapshot."""
    labels: dict[str, tuple[Any, Any]] = {}
    for entry in [*(published.get("roster") or []), *(published.get("models") or [])]:
        pair = (entry.get("team"), entry.get("team_en"))
        if labels.setdefault(entry.get("team_slug"), pair) != pair:
            return f"team {entry.get('team_slug')} is labelled {pair!r} and {labels[entry.get('team_slug')]!r}"
    return None
