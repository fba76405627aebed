"""The display-name rule the shell asks for (app.accounts.NameRule): names normalised, reserved words,
team and model names refused on their confusable skeleton, and the skeleton returned as the key that
must be unique among accounts ("운영자", "운 영 자" and "admin" with a Cyrillic "а" are all refused;
"푸른고래" and "푸른 고래" are one name)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from anti_abuse import queries
from anti_abuse.names import check_display_name
from app.accounts import AccountError


def display_name_rule(session: Session, name: str) -> tuple[str, str]:
    """(name to store, its uniqueness key), or AccountError reserved_display_name / invalid_display_name."""
    check = check_display_name(name, reserved_extra=queries.contest_names(session))
    if not check.ok:
        raise AccountError("reserved_display_name" if check.error == "reserved" else "invalid_display_name")
    return check.name, check.skeleton
