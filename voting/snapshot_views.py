"""The public shapes of a snapshot: its JSON, the archive entry and the board as CSV. No Flask, no SQL."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Iterable

from voting.models import Snapshot

_STR, _INT, _NULLABLE_STR = {"type": "string"}, {"type": "integer"}, {"type": "string", "nullable": True}
_SUMMARY = {"id": _STR, "round": _STR, "round_title": _STR, "published_at": {"type": "string", "format": "date-time"},
            "vote_count": _INT, "vote_set_sha256": _STR, "supersedes": _NULLABLE_STR, "superseded_by": _NULLABLE_STR}
_DETAIL = {**_SUMMARY, "log_seq": _INT, "log_head": _STR, "protocol": {"type": "object"}, "protocol_version": _INT,
           "code_version": _STR, "method": _STR, "models": {"type": "array", "items": {"type": "object"}},
           "unrated": {"type": "array", "items": _STR}, "roster": {"type": "array", "items": {"type": "object"}},
           "matrix": {"type": "object"},
           "exclusions": {"type": "object"}, "votes": {"type": "object"}, "notes": _NULLABLE_STR,
           "downloads": {"type": "object", "properties": {k: _STR for k in ("votes", "log", "csv")}}}
# Absent from a snapshot published before style control (its votes carry no style counts either).
_STYLE = {"style_control": {"type": "object", "description": "the style-controlled board: method, params, votes, "
                                                            "coefficients, models, components, warnings"}}
SNAPSHOT_SCHEMA = {"type": "object", "required": sorted(_DETAIL), "properties": {**_DETAIL, **_STYLE}}
SNAPSHOT_LIST_SCHEMA = {"type": "object", "required": ["snapshots"], "properties": {"snapshots": {
    "type": "array", "items": {"type": "object", "required": sorted(_SUMMARY), "properties": _SUMMARY}}}}
CSV_COLUMNS = ("rank", "name", "team", "team_en", "rating", "ci_low", "ci_high", "battles", "win_rate", "provisional")


def rfc3339(moment: datetime) -> str:
    """A UTC time as RFC 3339 with "Z"."""
    return moment.isoformat().replace("+00:00", "Z")


def download_paths(snapshot_id: str) -> dict[str, str]:
    """Where a snapshot's files are served (relative to the site)."""
    base = f"/api/snapshots/{snapshot_id}"
    return {"votes": f"{base}/votes", "log": f"{base}/log", "csv": f"{base}/board.csv"}


def snapshot_summary(snap: Snapshot, superseded_by: str | None) -> dict[str, Any]:
    """One entry of the archive (`GET /api/snapshots`); the round's title as it was at publication."""
    title = (snap.results or {}).get("round_title", "")
    return {"id": snap.id, "round": snap.round_id, "round_title": title, "published_at": rfc3339(snap.published_at),
            "vote_count": snap.vote_count, "vote_set_sha256": snap.vote_set_sha256, "supersedes": snap.supersedes_id,
            "superseded_by": superseded_by}


def snapshot_json(snap: Snapshot, superseded_by: str | None) -> dict[str, Any]:
    """Everything published about a snapshot (`GET /api/snapshots/<id>`): enough, with the two files, to verify it."""
    results, stats = snap.results or {}, snap.stats or {}
    return {**snapshot_summary(snap, superseded_by),
            "log_seq": snap.log_seq, "log_head": snap.log_head, "protocol": snap.protocol,
            "protocol_version": snap.protocol_version, "code_version": snap.code_version, "method": snap.method,
            "params": snap.params, "models": results.get("models", []), "unrated": results.get("unrated", []),
            "roster": results.get("roster", []),
            **{key: results[key] for key in ("components", "warnings", "style_control") if key in results},
            "matrix": results.get("matrix", {"models": [], "slugs": [], "battles": [], "win_rate": []}),
            "exposure": stats.get("exposure"), "exclusions": stats.get("exclusions", {}),
            "votes": stats.get("votes", {}), "notes": snap.notes, "downloads": download_paths(snap.id)}


def _cell(value: Any) -> Any:
    # A text cell starting like a formula is shown as text, never run, by spreadsheet programs.
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def board_csv(rows: Iterable[dict[str, Any]]) -> bytes:
    """Board rows as CSV, UTF-8 with a byte-order mark (so spreadsheet programs show Korean); figures
    rounded for reading (the JSON keeps them exact)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([row["rank"], _cell(row["name"]), _cell(row.get("team", "")), _cell(row.get("team_en", "")),
                         f"{row['rating']:.2f}", f"{row['ci'][0]:.2f}", f"{row['ci'][1]:.2f}", row["battles"],
                         f"{row['win_rate']:.4f}", "true" if row.get("provisional") else "false"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
