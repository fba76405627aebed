"""Notices (공지사항): the ministry's API and console page, and the public API (pages: contest/public_pages.py)."""
from __future__ import annotations

from typing import Annotated

from flask import Blueprint, jsonify
from pydantic import StringConstraints
from pydantic.json_schema import SkipJsonSchema

from app.auth import guard_blueprint, require_user
from app.bodies import Body, Text, parse_body
from app.db import get_session, utcnow
from app.errors import ApiError, NotFound
from app.i18n import current_lang
from app.openapi import api_doc
from contest import notices
from contest.blueprint import bp
from contest.console import _page, console_bp

Title = Annotated[Text, StringConstraints(max_length=notices.TITLE_MAX)]
Content = Annotated[Text, StringConstraints(max_length=notices.BODY_MAX)]
MAX_ID = 2**31 - 1  # an id past the column's range is simply unknown (PostgreSQL would refuse the query)

admin_notices_bp = Blueprint("admin_notices", __name__, url_prefix="/api/admin/notices")
guard_blueprint(admin_notices_bp, "ministry")


class NoticeBody(Body):
    """`POST /api/admin/notices`: a notice in Korean and English (the Korean body is required)."""

    error_codes = {(f, kind): (422, "invalid_notice") for f in ("title_ko", "title_en", "body_ko", "body_en")
                   for kind in ("missing", "invalid")}
    title_ko: Title
    title_en: Title
    body_ko: Content
    body_en: Content = ""
    published: bool = True


class NoticeChangeBody(Body):
    """`PATCH /api/admin/notices/<id>`: any of the texts, or `published` to withdraw or republish it."""

    error_codes = NoticeBody.error_codes
    title_ko: Title | SkipJsonSchema[None] = None
    title_en: Title | SkipJsonSchema[None] = None
    body_ko: Content | SkipJsonSchema[None] = None
    body_en: Content | SkipJsonSchema[None] = None
    published: bool | SkipJsonSchema[None] = None


def _refused(exc: notices.NoticeError) -> ApiError:
    return ApiError(code=exc.code, status=exc.status)


@admin_notices_bp.get("")
@api_doc(tags=["admin"], responses={200: "Every notice, withdrawn ones included, newest first"})
def admin_list():
    """Every notice (ministry)."""
    return jsonify({"notices": [notices.notice_json(n) for n in notices.all_notices(get_session())]})


@admin_notices_bp.post("")
@api_doc(tags=["admin"], request=NoticeBody, responses={201: "Posted", 422: "An empty or too long field"})
def admin_create():
    """Post a notice (audited: notice.create)."""
    body = parse_body(NoticeBody).model_dump()
    session = get_session()
    try:
        notice = notices.create_notice(session, require_user(), body, utcnow())
    except notices.NoticeError as exc:
        raise _refused(exc) from None
    session.commit()
    return jsonify(notices.notice_json(notice)), 201


@admin_notices_bp.patch("/<int:notice_id>")
@api_doc(tags=["admin"], request=NoticeChangeBody, responses={200: "Changed", 404: "Unknown notice"})
def admin_update(notice_id: int):
    """Change or withdraw a notice (audited: notice.update)."""
    values = parse_body(NoticeChangeBody).model_dump(exclude_none=True)
    if notice_id > MAX_ID:
        raise NotFound(code="unknown_notice")
    session = get_session()
    try:
        notice = notices.update_notice(session, require_user(), notice_id, values, utcnow())
    except notices.NoticeError as exc:
        session.rollback()
        raise _refused(exc) from None
    session.commit()
    return jsonify(notices.notice_json(notice))


@bp.get("/api/notices")
@api_doc(tags=["publications"], responses={200: "Published notices, newest first"})
def notices_public():
    """The ministry's published notices."""
    lang = current_lang()
    return jsonify({"notices": [notices.notice_json(n, lang) for n in notices.public_notices(get_session())]})


@bp.get("/api/notices/<int:notice_id>")
@api_doc(tags=["publications"], responses={200: "A published notice", 404: "Unknown or withdrawn"})
def notice_public(notice_id: int):
    """One published notice."""
    notice = notices.public_notice(get_session(), notice_id) if notice_id <= MAX_ID else None
    if notice is None:
        raise NotFound(code="unknown_notice")
    return jsonify(notices.notice_json(notice, current_lang()))


@console_bp.get("/notices")
def console_notices():
    """Notices: post, edit, withdraw."""
    return _page("console_notices.html", notices=notices.all_notices(get_session()))


bp.register_blueprint(admin_notices_bp)
