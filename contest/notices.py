"""The ministry's notices (공지사항): posted and edited from the console, public while published.

Every change is one audit entry in the caller's transaction; a change that changes nothing logs nothing.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import record_change
from app.db import iso_z
from app.models import Notice, User

FIELDS = ("title_ko", "title_en", "body_ko", "body_en", "published")
# A body of four fields at these lengths fits the app-wide 64 KiB request limit even written as \uXXXX escapes,
# so an oversize one is refused by its fields (422), never by the size of the request.
TITLE_MAX, BODY_MAX = 200, 2400


class NoticeError(Exception):
    """A notice request that cannot be honoured; `code` and `status` say why."""

    def __init__(self, code: str, status: int):
        super().__init__(code)
        self.code, self.status = code, status


def notice_json(notice: Notice, lang: str | None = None) -> dict[str, Any]:
    """A notice as the API shows it: both languages, or (with `lang`) the title and body in that language too."""
    body: dict[str, Any] = {"id": notice.id, **{f: getattr(notice, f) for f in FIELDS},
                            "posted_at": iso_z(notice.posted_at), "updated_at": iso_z(notice.updated_at)}
    if lang is not None:
        body["title"] = notice.title_en if lang == "en" and notice.title_en else notice.title_ko
        body["body"] = notice.body_en if lang == "en" and notice.body_en else notice.body_ko
    return body


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    for name in ("title_ko", "title_en"):
        if name in values and not values[name].strip():
            raise NoticeError("invalid_notice", 422)
    if "body_ko" in values and not values["body_ko"].strip():
        raise NoticeError("invalid_notice", 422)
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}


def _audit_view(notice: Notice) -> dict[str, Any]:
    return {f: getattr(notice, f) for f in FIELDS}


def create_notice(session: Session, actor: User, values: dict[str, Any], now: datetime) -> Notice:
    """Post a notice (published unless `published` is false)."""
    values = _checked(values)
    notice = Notice(posted_at=now, updated_at=now, posted_by=actor.id, published=values.pop("published", True),
                    **values)
    session.add(notice)
    session.flush()
    record_change(session, actor, "notice.create", "notice", str(notice.id), now, after=_audit_view(notice))
    return notice


def update_notice(session: Session, actor: User, notice_id: int, values: dict[str, Any], now: datetime) -> Notice:
    """Change a notice's texts or withdraw / republish it."""
    notice = session.get(Notice, notice_id, with_for_update=True)
    if notice is None:
        raise NoticeError("unknown_notice", 404)
    values = _checked(values)
    before = _audit_view(notice)
    for name, value in values.items():
        setattr(notice, name, value)
    if _audit_view(notice) != before:
        notice.updated_at = now
        session.flush()
        record_change(session, actor, "notice.update", "notice", str(notice.id), now, before=before,
                      after=_audit_view(notice))
    return notice


def all_notices(session: Session) -> list[Notice]:
    """Every notice, newest first (the console)."""
    return list(session.scalars(select(Notice).order_by(Notice.posted_at.desc(), Notice.id.desc())))


def public_notices(session: Session, limit: int = 100) -> list[Notice]:
    """Published notices, newest first."""
    return list(session.scalars(select(Notice).where(Notice.published.is_(True))
                                .order_by(Notice.posted_at.desc(), Notice.id.desc()).limit(limit)))


def public_notice(session: Session, notice_id: int) -> Notice | None:
    """One published notice, or None."""
    notice = session.get(Notice, notice_id)
    return notice if notice is not None and notice.published else None
