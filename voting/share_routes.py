"""Sharing a finished battle: the owner's API to make or revoke the link, and the public read-only page."""
from __future__ import annotations

from flask import jsonify, make_response, render_template, url_for

from app.auth import login_required, require_user
from app.db import get_session, utcnow
from app.errors import ApiError, NotFound
from app.i18n import current_lang
from app.openapi import api_doc
from contest.render import render_answer
from voting.blueprint import bp
from voting.shares import ShareRefused, opens_at, share_battle, shared_battle, shared_view, unshare_battle

SHARE_RESPONSE = {"description": "The battle's read-only link", "content": {"application/json": {"schema": {
    "type": "object", "required": ["token", "url"],
    "properties": {"token": {"type": "string"}, "url": {"type": "string"}}}}}}


@bp.post("/api/battles/<battle_id>/share")
@api_doc(responses={201: SHARE_RESPONSE, 200: SHARE_RESPONSE, 404: "Unknown battle (or not yours)",
                    409: "Not voted yet: only a finished battle can be shared"}, tags=["battles"])
@login_required
def share(battle_id: str):
    """Make a read-only link to your voted battle (the existing one if it has one)."""
    session = get_session()
    try:
        made, created = share_battle(session, battle_id, require_user().id, utcnow())
    except ShareRefused as exc:
        raise ApiError(code=exc.code, status=exc.status) from None
    session.commit()
    url = url_for("voting.shared_battle_page", token=made.token, _external=True)
    return jsonify({"token": made.token, "url": url}), 201 if created else 200


@bp.delete("/api/battles/<battle_id>/share")
@api_doc(responses={204: "The link no longer works (or there was none)", 404: "Unknown battle (or not yours)"},
         tags=["battles"])
@login_required
def unshare(battle_id: str):
    """Revoke your battle's link."""
    session = get_session()
    try:
        unshare_battle(session, battle_id, require_user().id)
    except ShareRefused as exc:
        raise ApiError(code=exc.code, status=exc.status) from None
    session.commit()
    return "", 204


@bp.get("/s/<token>")
def shared_battle_page(token: str):
    """A battle its owner chose to share: prompts, answers, the reveal and their choice; read-only."""
    session = get_session()
    battle = shared_battle(session, token)
    if battle is None:
        raise NotFound(code="share_not_found")
    later = opens_at(session, battle, utcnow())
    if later is not None:  # blind means blind: other citizens may still be shown these answers
        resp = make_response(render_template("voting/shared_later.html", opens_at=later))
    else:
        view = shared_view(session, battle, current_lang())
        turns = [{"no": no, "prompt": prompt, "a": render_answer(a), "b": render_answer(b)}
                 for no, prompt, a, b in view["turns"]]
        resp = make_response(render_template("voting/shared_battle.html", turns=turns, reveal=view["reveal"],
                                             choice=view["winner"], category=view["category"]))
    resp.headers["Cache-Control"] = "no-store"  # a revoked link must stop working at once
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp
