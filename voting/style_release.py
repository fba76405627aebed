"""The style-controlled board of a release: its votes' style counts in, the published block out. numpy + stdlib.

Used to publish a snapshot and to verify one, so a published style board is recomputed from the release alone.
Each vote line of a release with style control carries its style counts, derived numbers only (never the
answers' text): "style_a" and "style_b", each [tokens, headers, list items, bold spans] of that side summed over
the battle's turns (voting.style). Publication fills every vote's counts first (votes are never deleted), so every
counted vote enters the style fit and the board's "votes" is the number of counted votes; a counted line with null
counts is refused. A release without the fields is a snapshot's from before style control, or of a round that was
still open (format 1): its snapshot has no "style_control" and verifies as it always did.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from voting.board import ANCHORED, BoardSettings
from voting.rating import OUTCOME_OF_WINNER
from voting.release import ReleaseMismatch
from voting.release_board import ENTRY_FIELDS, figure, same, settings_from_protocol
from voting.style import FEATURES, K, MAX_COUNT, valid_counts
from voting.style_board import STYLE_METHOD, compute_style_board, describe

STYLE_FIELDS = ("style_a", "style_b")
ROW_FIELDS = ("rank", "slug", "name", "team_slug", "rating", "ci", "battles", "win_rate", "provisional", "status",
              "component")


def with_styles(votes: list[dict[str, Any]], styles: dict[str, tuple[list[int], list[int]]]) -> list[dict[str, Any]]:
    """The release's votes, each with its style counts (`styles` by vote id; null for a vote without)."""
    none = (None, None)
    return [{**v, **{f: None if s is None else list(s) for f, s in zip(STYLE_FIELDS, styles.get(v["vote_id"], none))}}
            for v in votes]


def styles_of(votes: list[dict[str, Any]]) -> dict[str, tuple[list[int], list[int]]]:
    """The style counts a release's vote lines carry, by vote id; ReleaseMismatch at a line without valid ones
    (a counted vote must have them; an uncounted one may have both null)."""
    out = {}
    for number, v in enumerate(votes, start=1):
        pair = [v.get(f, "<absent>") for f in STYLE_FIELDS]
        if pair == [None, None] and v.get("counted") is not True:
            continue
        if not valid_counts(pair):
            raise ReleaseMismatch(f"votes.jsonl line {number} (vote {v.get('vote_id')})",
                                  f"style_a and style_b must be {K} counts (0 to {MAX_COUNT}) each: every counted"
                                  " vote of a snapshot with style control carries its counts")
        out[v.get("vote_id")] = (pair[0], pair[1])
    return out


def release_style_board(votes: list[dict[str, Any]], protocol: dict[str, Any],
                        entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The "style_control" block of a snapshot from its release's votes (with styles) and the board's entries
    (release_board's "roster": models by slug, in that order). Figures rounded as on the plain board. Every
    counted vote carries its counts (ValueError otherwise: the release would not verify)."""
    counted = [v for v in votes if v["counted"] is True]
    if any(v["style_a"] is None or v["style_b"] is None for v in counted):
        raise ValueError("a counted vote without style counts")
    index = {e["slug"]: i for i, e in enumerate(entries)}
    a = np.fromiter((index[v["model_a_slug"]] for v in counted), dtype=np.int64, count=len(counted))
    b = np.fromiter((index[v["model_b_slug"]] for v in counted), dtype=np.int64, count=len(counted))
    outcome = np.fromiter((OUTCOME_OF_WINNER[v["winner"]] for v in counted), dtype=np.int64, count=len(counted))
    style_a = np.array([v["style_a"] for v in counted], dtype=float).reshape(-1, K)
    style_b = np.array([v["style_b"] for v in counted], dtype=float).reshape(-1, K)
    labels = [{k: e[k] for k in ENTRY_FIELDS} for e in entries]
    return style_block(a, b, outcome, style_a, style_b, labels, settings_from_protocol(protocol))


def style_block(a: np.ndarray, b: np.ndarray, outcome: np.ndarray, style_a: np.ndarray, style_b: np.ndarray,
                labels: list[dict[str, Any]], settings: BoardSettings) -> dict[str, Any]:
    """The published style block of the votes (model indices into `labels`, each model's identifying fields),
    figures rounded by release_board.figure. Shared by publication, the verifier and `python -m voting.ratings`."""
    settings = replace(settings, method=ANCHORED)  # the style fit is always the anchored method's
    board = compute_style_board(a, b, outcome, style_a, style_b, len(labels), settings)
    key = next(iter(labels[0])) if labels else "name"
    rows = [{**labels[r.index], "rank": r.rank, "rating": figure(r.rating), "ci": [figure(r.ci[0]), figure(r.ci[1])],
             "battles": r.battles, "win_rate": figure(r.win_rate), "provisional": r.provisional, "status": r.status,
             "component": r.component} for r in board.rows]
    return {"method": STYLE_METHOD, "params": describe(settings), "votes": board.votes,
            "coefficients": {f: None if c is None else {"estimate": figure(c["estimate"]), "se": figure(c["se"]),
                                                        "ci": [figure(c["ci"][0]), figure(c["ci"][1])]}
                             for f, c in board.coefficients.items()},
            "models": sorted(rows, key=lambda row: published_order(row, key)),
            "components": [[labels[i][key] for i in g] for g in board.components],
            "warnings": board.warnings}


def published_order(row: dict[str, Any], key: str = "slug") -> tuple:
    """Where a published style row goes: ranked rows by component, rank, then the published (rounded) rating
    and the model's label (`key`, the slug in a release); then the too-few-votes ones by battles and label. Two
    ratings equal at the published precision never swap places between the publisher and the verifier."""
    if row["rank"] is not None:
        return (0, row["component"], row["rank"], -row["rating"], row[key])
    return (1, -row["battles"], row[key])


def first_style_difference(published: Any, computed: dict[str, Any]) -> str | None:
    """Where a published style block differs from the recomputed one, or None."""
    if not isinstance(published, dict):
        return "style_control is not an object"
    for key in ("method", "params", "votes", "components", "warnings"):
        if published.get(key) != computed[key]:
            return f"style_control {key} is {published.get(key)!r}, recomputed {computed[key]!r}"
    given = published.get("coefficients") if isinstance(published.get("coefficients"), dict) else {}
    for f in FEATURES:
        got, want = given.get(f), computed["coefficients"][f]
        if want is None or got is None:
            if got is not want:
                return f"style_control coefficient {f} is {got!r}, recomputed {want!r}"
            continue
        for key in ("estimate", "se", "ci"):
            if not same(got.get(key) if isinstance(got, dict) else None, want[key]):
                return f"style_control coefficient {f} {key} is {got.get(key)!r}, recomputed {want[key]!r}"
    rows = published.get("models") if isinstance(published.get("models"), list) else []
    for position, (got, row) in enumerate(zip(rows, computed["models"]), start=1):
        for key in ROW_FIELDS:
            if not same(got.get(key) if isinstance(got, dict) else None, row[key]):
                return f"style_control row {position}: {key} is {got.get(key)!r}, recomputed {row[key]!r}"
    if len(rows) != len(computed["models"]):
        return f"style_control has {len(rows)} rows, recomputed {len(computed['models'])}"
    return None
