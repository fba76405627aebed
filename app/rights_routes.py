"""The citizen's rights as routes: a copy of my data, my consents, deleting my account (JSON and the account page)."""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request, session, url_for

from app.accounts import AccountError
from app.auth import require_user
from app.bodies import Body, parse_body
from app.consent import consents_json, set_release
from app.db import get_session, utcnow
from app.errors import Conflict
from app.i18n import current_lang
from app.observability import audit
from app.openapi import api_doc
from app.rights import erase_account, personal_data
from app.sessions import end_session

bp = Blueprint("rights", __name__)

CONSENTS = {"description": "The consents in force and the policy version", "content": {"application/json": {
    "schema": {"type": "object", "properties": {"policy_version": {"type": "string"},
                                                "consents": {"type": "object"}}}}}}


class ConsentBody(Body):
    """`PATCH /api/me/consents`: the optional consent to releasing your prompts and answers."""

    release: bool


def _data_response(user):
    now = utcnow()
    body = personal_data(get_session(), user, current_lang(), current_app.extensions.get("personal_data_parts", {}),
                         now)
    resp = jsonify(body)
    resp.headers["Content-Disposition"] = f'attachment; filename="arena-my-data-{now:%Y%m%d}.json"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _delete(user) -> dict:
    """Delete the account in this request's transaction; 409 for a staff or already deleted account."""
    db = get_session()
    try:
        ended = erase_account(db, user, utcnow(), current_app.extensions.get("account_erasers", []))
    except AccountError as exc:
        db.rollback()
        raise Conflict(code=exc.code) from exc
    db.commit()
    end_session(session)
    g.pop("user", None)  # this request's page is rendered logged out
    audit("account_deleted", user_id=user.id, sessions_ended=ended["sessions"])
    return ended


@bp.get("/api/me/data")
@api_doc(tags=["identity"], responses={200: "Everything kept about you (account, consents, battles, votes, flags)"})
def my_data():
    """Download a copy of your data (JSON)."""
    return _data_response(require_user())


@bp.delete("/api/me")
@api_doc(tags=["identity"], responses={200: "Account deleted; every session ended",
                                       409: "A staff account (the ministry revokes the role first)"})
def delete_me():
    """Delete your account: votes stay in the ranking as anonymous records; everything else goes."""
    ended = _delete(require_user())
    return jsonify({"deleted": True, "sessions_ended": ended["sessions"]})


@bp.get("/api/me/consents")
@api_doc(tags=["identity"], responses={200: CONSENTS})
def my_consents():
    """Your consents in force, with their time and policy version."""
    return jsonify(consents_json(get_session(), require_user().id))


@bp.patch("/api/me/consents")
@api_doc(tags=["identity"], request=ConsentBody, responses={200: CONSENTS})
def change_consents():
    """Give or withdraw the optional consent to releasing your prompts and answers."""
    user = require_user()
    release = parse_body(ConsentBody).release
    if set_release(get_session(), user.id, release, utcnow()):
        audit("consent_changed", user_id=user.id, release=release)
    get_session().commit()
    return jsonify(consents_json(get_session(), user.id))


@bp.get("/account/data")
def my_data_download():
    """The account page's download link (the same JSON as GET /api/me/data)."""
    return _data_response(require_user())


@bp.post("/account/consents")
def account_consents():
    """The account page's form for the optional consent."""
    user = require_user()
    release = request.form.get("release") == "yes"
    if set_release(get_session(), user.id, release, utcnow()):
        audit("consent_changed", user_id=user.id, release=release)
    get_session().commit()
    return redirect(url_for("auth.account", consent_saved=1), code=303)


@bp.post("/account/delete")
def account_delete():
    """The account page's delete form: needs the confirmation box ticked."""
    user = require_user()
    if request.form.get("confirm") != "yes":
        return redirect(url_for("auth.account", delete_unconfirmed=1, _anchor="delete"), code=303)
    _delete(user)
    return render_template("app/deleted.html")
