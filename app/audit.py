"""Writing the audit log: one entry per change, in the caller's transaction (the route commits)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEntry, User


def actor_label(actor: User | str | None) -> str:
    """How an actor is named in the log: "user:<id>" for an account, the given label otherwise."""
    if isinstance(actor, User):
        return f"user:{actor.id}"
    return actor or "system"


def record_change(session: Session, actor: User | str | None, action: str, target_type: str, target_id: str,
                  now: datetime, before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
                  reason: str | None = None) -> AuditEntry:
    """Append one audit entry (flushed, not committed)."""
    entry = AuditEntry(actor_id=actor.id if isinstance(actor, User) else None, actor=actor_label(actor),
                       action=action, target_type=target_type, target_id=str(target_id), reason=reason,
                       before=before, after=after, created_at=now)
    session.add(entry)
    session.flush()
    return entry


def audit_entries(session: Session, limit: int = 200, before_id: int | None = None,
                  target_type: str | None = None) -> list[AuditEntry]:
    """Newest entries first (paged by id)."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    if target_type is not None:
        stmt = stmt.where(AuditEntry.target_type == target_type)
    return list(session.scalars(stmt))


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    """An entry as the API shows it."""
    return {"id": entry.id, "actor": entry.actor, "action": entry.action,
            "target": {"type": entry.target_type, "id": entry.target_id}, "reason": entry.reason,
            "before": entry.before, "after": entry.after,
            "at": entry.created_at.isoformat().replace("+00:00", "Z")}
