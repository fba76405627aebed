"""The public pages linked from every page's footer: privacy policy, terms, contest rules, notices, contact
and the round schedule. Korean first; each legal text is one template per language (a document, not strings)."""
from __future__ import annotations

from flask import render_template

from app.consent import MIN_AGE, POLICY_DATE, POLICY_VERSION
from app.db import korean_time
from app.db import get_session
from app.errors import NotFound
from app.i18n import current_lang
from contest import notices
from contest.blueprint import bp
from contest.rounds import list_rounds

MAX_ID = 2**31 - 1


def _document(name: str, heading: str):
    """A document page in the request's language."""
    lang = current_lang()
    return render_template("contest/pages/document.html", heading=heading, body=f"contest/pages/{name}.{lang}.html",
                           policy_version=POLICY_VERSION, policy_date=POLICY_DATE, min_age=MIN_AGE)


@bp.get("/privacy")
def privacy_page():
    """개인정보처리방침: what is collected, why, how long, who receives the released data, your rights."""
    return _document("privacy", "pages.privacy")


@bp.get("/terms")
def terms_page():
    """이용약관."""
    return _document("terms", "pages.terms")


@bp.get("/rules")
def rules_page():
    """The full contest rules."""
    return _document("rules", "pages.rules")


@bp.get("/contact")
def contact_page():
    """문의: where to ask, report, or exercise your rights."""
    return _document("contact", "pages.contact")


@bp.get("/schedule")
def schedule_page():
    """The round schedule: every round past its draft, newest window first, in Korean time."""
    rounds = [{"id": r.id, "title": r.title, "status": r.status, "opens": korean_time(r.opens_at),
               "closes": korean_time(r.closes_at),
               "categories": r.categories, "free_prompts": r.free_prompts}
              for r in list_rounds(get_session(), include_drafts=False)]
    return render_template("contest/pages/schedule.html", rounds=rounds)


@bp.get("/notices")
def notices_page():
    """공지사항: the ministry's published notices."""
    lang = current_lang()
    rows = [{**notices.notice_json(n, lang), "posted": korean_time(n.posted_at)}
            for n in notices.public_notices(get_session())]
    return render_template("contest/pages/notices.html", notices=rows)


@bp.get("/notices/<int:notice_id>")
def notice_page(notice_id: int):
    """One published notice."""
    notice = notices.public_notice(get_session(), notice_id) if notice_id <= MAX_ID else None
    if notice is None:
        raise NotFound(code="unknown_notice")
    row = {**notices.notice_json(notice, current_lang()), "posted": korean_time(notice.posted_at),
           "updated": korean_time(notice.updated_at)}
    return render_template("contest/pages/notice.html", notice=row)
