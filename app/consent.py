"""Consent at first login (개인정보 보호법): what a citizen agreed to, when, and under which policy version.

No Flask here: callers pass the session and the clock. Decisions are rows of `user_consents`, never
updated: a change is a new row, and the newest row per item is in force.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import UserConsent

# The privacy policy and terms in force; a citizen who agreed to an older version is asked again at login.
POLICY_VERSION = "1.0"
POLICY_DATE = "2026-11-30"
REQUIRED = ("privacy", "terms")  # refusing either means no account (the service cannot run without them)
OPTIONAL = ("release",)  # releasing one's prompts and answers in the public data set
MIN_AGE = 14  # under 14 a legal guardian's consent is needed (개인정보 보호법 제22조의2); we do not take it


class ConsentError(Exception):
    """Choices that cannot make an account; `code` names why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Choices:
    """What the consent screen sent: each required item, the optional one, and the age answer."""

    privacy: bool
    terms: bool
    release: bool
    age_14: bool | None  # None: not answered

    def check(self) -> None:
        """ConsentError('under_14'), ('age_unanswered') or ('required_consent') when no account may be made."""
        if self.age_14 is False:
            raise ConsentError("under_14")
        if self.age_14 is None:
            raise ConsentError("age_unanswered")
        if not (self.privacy and self.terms):
            raise ConsentError("required_consent")


def record_choices(db: Session, user_id: int, choices: Choices, now: datetime) -> None:
    """Store every item of valid choices (one row each) under the policy in force."""
    choices.check()
    for item in ("privacy", "terms", "release", "age_14"):
        db.add(UserConsent(user_id=user_id, item=item, granted=bool(getattr(choices, item)),
                           policy_version=POLICY_VERSION, decided_at=now))
    db.flush()


def in_force(db: Session, user_id: int) -> dict[str, UserConsent]:
    """The newest decision per item."""
    rows = db.scalars(select(UserConsent).where(UserConsent.user_id == user_id)
                      .order_by(UserConsent.decided_at, UserConsent.id))
    return {row.item: row for row in rows}


def granted_now(db: Session, user_ids: Iterable[int], item: str) -> set[int]:
    """Of `user_ids`, those whose newest decision on `item` is a yes (in_force for many accounts at once)."""
    rows = db.execute(select(UserConsent.user_id, UserConsent.granted)
                      .where(UserConsent.user_id.in_(list(user_ids)), UserConsent.item == item)
                      .order_by(UserConsent.user_id, UserConsent.decided_at, UserConsent.id))
    return {user_id for user_id, decisions in groupby(rows, key=lambda r: r[0]) if list(decisions)[-1][1]}


def needs_consent(db: Session, user_id: int) -> bool:
    """Whether the account must (again) agree before logging in: a required item not granted under this policy."""
    current = in_force(db, user_id)
    return not all(item in current and current[item].granted and current[item].policy_version == POLICY_VERSION
                   for item in (*REQUIRED, "age_14"))


def set_release(db: Session, user_id: int, granted: bool, now: datetime) -> bool:
    """Change the optional consent to releasing one's prompts and answers; False when it was already so."""
    current = in_force(db, user_id).get("release")
    if current is not None and current.granted == granted:
        return False
    db.add(UserConsent(user_id=user_id, item="release", granted=granted, policy_version=POLICY_VERSION,
                       decided_at=now))
    db.flush()
    return True


def consents_json(db: Session, user_id: int, history: bool = False) -> dict[str, Any]:
    """The consents in force (and, with `history`, every decision) as the API shows them."""
    def row_json(row: UserConsent) -> dict[str, Any]:
        return {"item": row.item, "granted": row.granted, "policy_version": row.policy_version,
                "at": row.decided_at.isoformat().replace("+00:00", "Z")}

    body: dict[str, Any] = {"policy_version": POLICY_VERSION,
                            "consents": {item: row_json(row) for item, row in in_force(db, user_id).items()}}
    if history:
        rows = db.scalars(select(UserConsent).where(UserConsent.user_id == user_id).order_by(UserConsent.id))
        body["history"] = [row_json(row) for row in rows]
    return body
