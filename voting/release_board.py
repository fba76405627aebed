"""The published board of a release: one pure function, used to publish and to verify. numpy + stdlib only.

Models are ordered by name, floats are kept unrounded, so the same votes and protocol give the same
board bit for bit wherever it is recomputed.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from voting.board import BoardSettings, compute_rows
from voting.rating import OUTCOME_OF_WINNER, RatingParams, pair_matrices, tally

# The fields of a board row that the votes and the protocol determine (teams are labels added beside them).
ROW_FIELDS = ("rank", "name", "rating", "ci", "battles", "win_rate", "provisional")


def settings_from_protocol(protocol: dict[str, Any]) -> BoardSettings:
    """The board settings of a normalised round protocol (contest.protocol)."""
    params = RatingParams(scale=float(protocol["scale"]), base=float(protocol["base"]),
                          initial=float(protocol["initial"]))
    return BoardSettings(rounds=int(protocol["bootstrap_rounds"]), seed=int(protocol["seed"]),
                         confidence=float(protocol["confidence"]), provisional_below=int(protocol["min_battles"]),
                         params=params)


def release_board(votes: Iterable[dict[str, Any]], protocol: dict[str, Any],
                  roster: Iterable[str] = ()) -> dict[str, Any]:
    """{"models": rows best first, "unrated": names, "matrix"} from the release's counted votes.

    `roster` names models to list even without a counted battle (they appear under "unrated").
    """
    counted = [v for v in votes if v.get("counted") is True]
    names = sorted(set(roster) | {v["model_a"] for v in counted} | {v["model_b"] for v in counted})
    index = {name: i for i, name in enumerate(names)}
    t = tally(np.array([index[v["model_a"]] for v in counted], dtype=np.int64),
              np.array([index[v["model_b"]] for v in counted], dtype=np.int64),
              np.array([OUTCOME_OF_WINNER[v["winner"]] for v in counted], dtype=np.int64), len(names))
    rows = compute_rows(t, settings_from_protocol(protocol)) if names else []
    rated = {r.index for r in rows}
    battles, rate = pair_matrices(t)
    return {
        "models": [{"rank": r.rank, "name": names[r.index], "rating": r.rating, "ci": [r.ci[0], r.ci[1]],
                    "battles": r.battles, "win_rate": r.win_rate, "provisional": r.provisional} for r in rows],
        "unrated": [name for i, name in enumerate(names) if i not in rated],
        "matrix": {"models": names, "battles": battles.astype(int).tolist(),
                   "win_rate": [[None if np.isnan(v) else float(v) for v in row] for row in rate]},
    }


def first_board_difference(published: dict[str, Any], computed: dict[str, Any]) -> str | None:
    """Where a published board differs from the recomputed one (exact comparison), or None."""
    rows, want = published.get("models") or [], computed["models"]
    for position, (got, row) in enumerate(zip(rows, want), start=1):
        for key in ROW_FIELDS:
            if got.get(key) != row[key]:
                return (f"board row {position} ({got.get('name')}): {key} is {got.get(key)!r}, "
                        f"recomputed {row[key]!r}")
    if len(rows) != len(want):
        return f"board has {len(rows)} rated models, recomputed {len(want)}"
    for key in ("unrated",):
        if published.get(key) != computed[key]:
            return f"{key} is {published.get(key)!r}, recomputed {computed[key]!r}"
    for key in ("models", "battles", "win_rate"):
        if (published.get("matrix") or {}).get(key) != computed["matrix"][key]:
            return f"matrix {key} differs from the recomputed one"
    return None
