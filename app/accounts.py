"""Accounts: first login creates a pseudonymous account keyed on (provider, subject); roles.

No Flask here: callers pass the session, the clock and the random source.
"""
from __future__ import annotations

import random
import re
from datetime import datetime
from typing import Callable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import record_change
from app.consent import Choices, record_choices
from app.models import ROLES, OAuthIdentity, User, UserConsent, UserRole
from app.sessions import revoke_user_sessions
from app.text import visible

GRANTABLE_ROLES = tuple(r for r in ROLES if r != "citizen")  # every account is a citizen
NAME_MIN, NAME_MAX = 2, 20
NAME_PATTERN = re.compile(r"^[\w .\-·]+$")  # letters (any script), digits, space, . - _ ·
RESERVED_WORDS = ("관리자", "운영자", "과기정통부", "admin", "moderator", "ministry", "official")
ADJECTIVES = ("푸른", "밝은", "고요한", "용감한", "따뜻한", "슬기로운", "부지런한", "씩씩한", "상냥한", "날쌘")
NOUNS = ("고래", "호랑이", "두루미", "다람쥐", "소나무", "바람", "별빛", "반딧불", "수달", "까치")


class AccountError(Exception):
    """A request about an account that cannot be honoured; `code` names why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def generate_pseudonym(rng: random.Random) -> str:
    """A friendly random display name such as '푸른 고래 4821'."""
    return f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.randrange(10000):04d}"


def find_identity(db: Session, provider: str, subject: str) -> OAuthIdentity | None:
    """The identity for (provider, subject), or None."""
    return db.scalars(select(OAuthIdentity).where(OAuthIdentity.provider == provider,
                                                  OAuthIdentity.subject == subject)).first()


def login_or_register(db: Session, provider: str, subject: str, now: datetime,
                      rng: random.Random, choices: Choices | None = None) -> tuple[User, bool]:
    """The account of (provider, subject), created on first login with the consent `choices` it gave
    (ConsentError when they cannot make an account); returns (user, created)."""
    identity = find_identity(db, provider, subject)
    created = False
    if identity is None:
        if choices is not None:
            choices.check()  # before anything is written: an under-14 citizen leaves no row behind
        try:
            with db.begin_nested():
                user = User(display_name=generate_pseudonym(rng), created_at=now)
                identity = OAuthIdentity(user=user, provider=provider, subject=subject, created_at=now)
                db.add(identity)
                db.flush()
                if choices is not None:
                    record_choices(db, user.id, choices, now)
            created = True
        except IntegrityError:  # a concurrent first login won the race
            identity = find_identity(db, provider, subject)
            if identity is None:
                raise
    if not created and choices is not None:  # an existing account agreeing to the policy in force
        record_choices(db, identity.user_id, choices, now)
    identity.last_login_at = now
    return identity.user, created


def normalise_display_name(raw: object) -> str:
    """A valid display name from user input, or AccountError('invalid_display_name')."""
    if not isinstance(raw, str):
        raise AccountError("invalid_display_name")
    name = " ".join(visible(raw).split())  # zero-width and other format characters dropped, spaces collapsed
    if not NAME_MIN <= len(name) <= NAME_MAX or not NAME_PATTERN.match(name):
        raise AccountError("invalid_display_name")
    folded = name.casefold().replace(" ", "")
    if any(word in folded for word in RESERVED_WORDS):
        raise AccountError("reserved_display_name")
    return name


# A further rule on display names (anti_abuse registers one into app.extensions["display_name_rule"]):
# given the session and a name that passed the basic checks, the name to store and the key that must be
# unique among accounts (its confusable skeleton), or AccountError.
NameRule = Callable[[Session, str], tuple[str, str]]


def change_display_name(db: Session, user: User, raw: object, rule: NameRule | None = None) -> str:
    """Set the citizen's pseudonym after validation; returns the stored name. With `rule`, a name that
    reads as another account's (same key) is refused: display_name_taken."""
    name, key = normalise_display_name(raw), None
    if rule is not None:
        name, key = rule(db, name)
    if key is not None and db.scalar(select(User.id).where(User.display_key == key, User.id != user.id)) is not None:
        raise AccountError("display_name_taken")
    user.display_name, user.display_key = name, key
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError as exc:  # another account took the same name at the same moment
        raise AccountError("display_name_taken") from exc
    return user.display_name


def find_user(db: Session, ref: str) -> User | None:
    """A user by numeric id or by 'provider:subject'."""
    if ref.isdigit():
        return db.get(User, int(ref))
    provider, sep, subject = ref.partition(":")
    identity = find_identity(db, provider, subject) if sep else None
    return identity.user if identity else None


def grant_role(db: Session, user: User, role: str, granted_by: str, now: datetime) -> bool:
    """Grant `role`; False when the user already has it."""
    if role not in GRANTABLE_ROLES:
        raise AccountError("unknown_role")
    if any(r.role == role for r in user.roles):
        return False
    user.roles.append(UserRole(role=role, granted_by=granted_by[:80], granted_at=now))
    db.flush()
    return True


def revoke_role(db: Session, user: User, role: str) -> bool:
    """Revoke `role`; False when the user did not have it."""
    if role not in GRANTABLE_ROLES:
        raise AccountError("unknown_role")
    kept = [r for r in user.roles if r.role != role]
    if len(kept) == len(user.roles):
        return False
    user.roles = kept
    db.flush()
    return True


def privileged_users(db: Session) -> list[User]:
    """Users holding any granted role, by id."""
    return list(db.scalars(select(User).join(UserRole).distinct().order_by(User.id)))


DELETED_NAME = "탈퇴한 참여자"


def check_deletable(user: User) -> None:
    """AccountError when the account cannot be deleted: already deleted, or a staff account."""
    if user.status == "deleted":
        raise AccountError("account_deleted")
    if user.is_staff:
        raise AccountError("staff_account")


def delete_account(db: Session, user: User, now: datetime) -> dict[str, int]:
    """Delete a citizen's account: login identities, roles, consents and sessions go; the row stays,
    emptied and marked deleted, so the votes it cast stay in the ranking and the vote log as anonymous
    records (the log is never rewritten). Staff accounts are refused (the ministry revokes the role first).
    Packages erase what else the citizen wrote through the `account_erasers` hook (the caller runs them)."""
    check_deletable(user)
    before = {"status": user.status}
    identities = db.execute(delete(OAuthIdentity).where(OAuthIdentity.user_id == user.id)).rowcount or 0
    db.execute(delete(UserConsent).where(UserConsent.user_id == user.id))
    user.roles = []
    user.status, user.deleted_at = "deleted", now
    user.display_name, user.display_key = DELETED_NAME, None
    db.flush()
    sessions = revoke_user_sessions(db, user.id)
    record_change(db, user, "account.delete", "user", str(user.id), now, before=before,
                  after={"status": "deleted", "identities_deleted": identities, "sessions_ended": sessions})
    return {"identities": identities, "sessions": sessions}
