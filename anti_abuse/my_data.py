"""A citizen's votes (whether each counts), flags and appeals in their copy of their data; erasing the notes
they wrote when they delete the account. Registered into the shell's hooks by anti_abuse.init_app."""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from anti_abuse.models import ConflictDeclaration, Flag
from anti_abuse.moderation import my_votes
from app.db import iso_z
from app.models import User


def my_flags(session: Session, user: User, lang: str) -> list[dict[str, Any]]:
    """The flags the citizen filed and their appeals, with what became of each."""
    rows = session.scalars(select(Flag).where(Flag.reporter_id == user.id, Flag.source.in_(("citizen", "appeal")))
                           .order_by(Flag.id))
    return [{"id": f.id, "kind": "appeal" if f.source == "appeal" else "flag", "battle_id": f.battle_id,
             "vote_id": f.vote_id, "reason": f.reason, "note": f.note, "status": f.status,
             "at": f.created_at.isoformat().replace("+00:00", "Z")} for f in rows]


def erase_notes(session: Session, user: User) -> None:
    """Drop the free-text notes of the citizen's flags and appeals (the flags stay: moderation acted on them)."""
    for flag in session.scalars(select(Flag).where(Flag.reporter_id == user.id, Flag.note.is_not(None))):
        flag.note = None
    session.flush()


def my_conflicts(session: Session, user: User, lang: str) -> list[dict[str, Any]]:
    """Every declaration of ties the citizen made, oldest first (the latest holds)."""
    rows = session.scalars(select(ConflictDeclaration).where(ConflictDeclaration.user_id == user.id)
                           .order_by(ConflictDeclaration.id))
    return [{"teams": list(r.teams), "at": iso_z(r.declared_at)} for r in rows]


def erase_conflicts(session: Session, user: User) -> None:
    """Drop the declarations (the votes they kept out stay out: their exclusions are in the vote log)."""
    session.execute(delete(ConflictDeclaration).where(ConflictDeclaration.user_id == user.id))


def register(extensions: dict[str, Any]) -> None:
    """Fill the shell's hooks."""
    parts = extensions.setdefault("personal_data_parts", {})
    parts["votes"] = my_votes
    parts["flags"] = my_flags
    parts["conflicts"] = my_conflicts
    extensions.setdefault("account_erasers", []).extend([erase_notes, erase_conflicts])
