"""The citizen's rights over their data: a copy of everything kept about them, and deleting the account.

The shell knows accounts and consents; the packages above it know battles, votes and flags, so they
register into two hooks when initialised (the dependency order forbids the shell to import them):
- `app.extensions["personal_data_parts"]`: name -> (session, user, lang) -> JSON, a section of the copy;
- `app.extensions["account_erasers"]`: (session, user) -> None, erasing what the citizen wrote
  (their own prompts and notes) when the account is deleted. Votes are never erased: see delete_account.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping, Sequence

from sqlalchemy.orm import Session

from app.accounts import check_deletable, delete_account
from app.consent import POLICY_DATE, POLICY_VERSION, consents_json
from app.db import iso_z
from app.models import User

DataPart = Callable[[Session, User, str], Any]
Eraser = Callable[[Session, User], None]


def account_json(db: Session, user: User) -> dict[str, Any]:
    """The account itself: pseudonym, status, roles and the login identities that lead to it."""
    identities = [{"provider": i.provider, "subject": i.subject, "created_at": iso_z(i.created_at),
                   "last_login_at": iso_z(i.last_login_at)}
                  for i in sorted(user.identities, key=lambda i: i.id)]
    return {"id": str(user.id), "display_name": user.display_name, "status": user.status,
            "created_at": iso_z(user.created_at), "roles": user.role_names, "identities": identities}


def personal_data(db: Session, user: User, lang: str, parts: Mapping[str, DataPart], now: datetime) -> dict[str, Any]:
    """Everything kept about `user`, as one JSON document (the right of access, 개인정보 보호법 제35조)."""
    body: dict[str, Any] = {"exported_at": iso_z(now), "policy": {"version": POLICY_VERSION, "date": POLICY_DATE},
                            "account": account_json(db, user), **consents_json(db, user.id, history=True)}
    for name, part in parts.items():
        body[name] = part(db, user, lang)
    return body


def erase_account(db: Session, user: User, now: datetime, erasers: Sequence[Eraser]) -> dict[str, int]:
    """Delete the account (app.accounts.delete_account) after the packages erased what the citizen wrote."""
    check_deletable(user)
    for eraser in erasers:
        eraser(db, user)
    return delete_account(db, user, now)
