"""What the public pages of published results show, read from the snapshots table. No Flask.

Snapshot rows are immutable; which one supersedes which is read from `supersedes_id` of the later row.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.models import Round
from contest.protocol import DEFAULT_PROTOCOL, LEGACY_RATING_METHOD
from voting import snapshots
from voting.models import Snapshot


def corrections(session: Session) -> dict[str, str]:
    """snapshot id -> id of the snapshot that corrects it, for every corrected snapshot (one query)."""
    stmt = select(Snapshot.supersedes_id, Snapshot.id).where(Snapshot.supersedes_id.is_not(None))
    return {old: new for old, new in session.execute(stmt)}


def archive(session: Session) -> list[dict[str, Any]]:
    """Rounds that have snapshots, newest publication first, each with its snapshots newest first."""
    rows = session.execute(select(Snapshot, Round).join(Round, Round.id == Snapshot.round_id)
                           .order_by(Snapshot.published_at.desc(), Snapshot.id.desc())).all()
    corrected = corrections(session)
    rounds: dict[str, dict[str, Any]] = {}
    for snap, round_ in rows:
        entry = rounds.setdefault(round_.id, {"round": round_, "snapshots": []})
        entry["snapshots"].append({"id": snap.id, "published_at": snap.published_at, "category": snap.category,
                                   "vote_count": snap.vote_count, "vote_set_sha256": snap.vote_set_sha256,
                                   "supersedes": snap.supersedes_id, "superseded_by": corrected.get(snap.id)})
    return list(rounds.values())


def heatmap_pairs(matrix: dict[str, Any]) -> dict[str, Any]:
    """A snapshot's stored matrix in the shape voting.charts.heatmap reads."""
    return {"models": [{"name": name} for name in matrix.get("models", [])],
            "battles": matrix.get("battles", []), "win_rate": matrix.get("win_rate", [])}


def board_rows(results: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The snapshot's board rows with the team named in the page's language."""
    return [{**m, "team": (m.get("team_en") or m.get("team")) if lang == "en" else m.get("team")}
            for m in results.get("models", [])]


def snapshot_view(session: Session, snapshot_id: str, lang: str) -> dict[str, Any] | None:
    """Everything the snapshot page shows, or None for an unknown id."""
    snap = session.get(Snapshot, snapshot_id)
    if snap is None:
        return None
    results, stats = snap.results or {}, snap.stats or {}
    votes = stats.get("votes") or {}
    return {"snapshot": snap, "round": session.get(Round, snap.round_id),
            "superseded_by": snapshots.superseded_by(session, snap.id),
            "models": board_rows(results, lang), "unrated": results.get("unrated", []),
            "matrix": heatmap_pairs(results.get("matrix") or {}),
            "votes": {"total": votes.get("total", snap.vote_count), "counted": votes.get("counted"),
                      "excluded": votes.get("excluded")},
            "exclusions": stats.get("exclusions") or {}, "exposure": stats.get("exposure") or {},
            # {} meant the defaults; a protocol stored before "rating_method" existed was computed the old way
            "protocol": {**DEFAULT_PROTOCOL, "rating_method": LEGACY_RATING_METHOD, **(snap.protocol or {})}}


def board_rounds(session: Session) -> list[Round]:
    """Rounds a leaderboard can be shown for: every round past its draft, the latest opening first."""
    return list(session.scalars(select(Round).where(Round.status != "draft")
                                .order_by(Round.opens_at.desc(), Round.id)))
