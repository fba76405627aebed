"""Role grants from the ministry's console: who may moderate and who acts for the ministry.

No Flask here: callers pass the session, the acting user and the clock; the route commits.
The ministry can never lock itself out: the last active ministry account keeps its role.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import find_user, grant_role, revoke_role
from app.audit import actor_label, record_change
from app.models import User, UserRole
from contest.catalog import CatalogConflict, CatalogInvalid, CatalogMissing

MAX_ID = 2**31 - 1  # ids (users.id, audit_log.id) are 32-bit integer columns
ASCII_ID = re.compile(r"[0-9]{1,10}")


def granted_roles(user: User) -> list[str]:
    """The roles granted to `user` (citizen is everyone's, so not listed)."""
    return [role for role in user.role_names if role != "citizen"]


def account_json(user: User) -> dict[str, Any]:
    """A privileged account as the console shows it: id, pseudonym, roles, login identities."""
    return {"id": user.id, "display_name": user.display_name, "status": user.status,
            "roles": granted_roles(user),
            "grants": [{"role": r.role, "granted_by": r.granted_by,
                        "granted_at": r.granted_at.isoformat().replace("+00:00", "Z") if r.granted_at else None}
                       for r in sorted(user.roles, key=lambda r: r.role)],
            "identities": sorted(f"{i.provider}:{i.subject}" for i in user.identities)}


def _active_ministry_count(session: Session, lock: bool = False) -> int:
    """Active accounts holding the ministry role; with `lock`, their role rows stay locked until the
    transaction ends (PostgreSQL), so two ministers revoking each other at once cannot both succeed."""
    stmt = (select(UserRole.id).join(User, User.id == UserRole.user_id)
            .where(UserRole.role == "ministry", User.status == "active"))
    return len(session.scalars(stmt.with_for_update(of=UserRole) if lock else stmt).all())


def _revoke(session: Session, user: User, role: str) -> bool:
    """Revoke `role`, then count who is left: counted after the write, so on SQLite (no row locks) a
    concurrent revoke waits for this transaction and counts after it (CatalogConflict last_ministry)."""
    if role == "ministry":
        _active_ministry_count(session, lock=True)
    changed = revoke_role(session, user, role)
    if changed and role == "ministry" and _active_ministry_count(session) == 0:
        raise CatalogConflict("last_ministry")
    return changed


def _account(session: Session, ref: str) -> User | None:
    """The account `ref` names: ASCII digits within the id column's range (PostgreSQL would refuse a
    larger id), or provider:subject. Other digits str.isdigit() admits ("²", "١") name nobody."""
    if ASCII_ID.fullmatch(ref):
        return session.get(User, int(ref)) if int(ref) <= MAX_ID else None
    return None if ref.isdigit() else find_user(session, ref)


def change_role(session: Session, actor: User, now: datetime, user_ref: str, role: str,
                grant: bool) -> tuple[User, bool]:
    """Grant or revoke `role` for the account `user_ref` (id or provider:subject); (user, changed).

    Audited as role.grant / role.revoke when something changed. Raises CatalogMissing (unknown
    account), CatalogInvalid (unknown role) or CatalogConflict (the last ministry account; the
    caller rolls back, the revocation having been written first).
    """
    user = _account(session, user_ref)
    if user is None:
        raise CatalogMissing("unknown_user")
    if role not in ("moderator", "ministry"):
        raise CatalogInvalid("unknown_role")
    before = {"roles": granted_roles(user)}
    if grant:
        changed = grant_role(session, user, role, actor_label(actor), now)
    else:
        changed = _revoke(session, user, role)
    if changed:
        record_change(session, actor, f"role.{'grant' if grant else 'revoke'}", "user", str(user.id), now,
                      before=before, after={"roles": granted_roles(user)})
    return user, changed
