"""Korean-first messages with English via `?lang=`, a cookie or Accept-Language, from gettext catalogs.

The catalogs are one gettext domain per package (`app.catalog_text`). Flask-Babel selects the request's
locale; this module adds what a request knows: its language, and the package asking, which is the
template's folder (`templates/contest/...`) for templates, else the package of the request's blueprint.
So two packages can give one key different texts: starting a battle in a closed round (contest) and voting
in one (voting) each say their own `error.round_closed`.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel
from jinja2 import pass_context

from app.catalog_text import DEFAULT_LANG, DOMAINS, LANGS, catalog_dir, check_catalogs, fill, lookup
from app.db import korean_date, korean_time


def text(key: str, lang: str | None = None, domain: str | None = None) -> str | None:
    """The message `key` in `lang` (the request's by default) as `domain` (the request's package) sees it."""
    return lookup(key, current_lang() if lang is None else lang, domain or request_domain())


def request_domain() -> str:
    """The package of the request's blueprint (`contest.console` -> contest); app outside a request."""
    if has_request_context() and request.blueprint:
        top = request.blueprint.split(".", 1)[0]
        if top in DOMAINS:
            return top
    return "app"


def current_lang() -> str:
    """`?lang=`, then the `lang` cookie, then Accept-Language; Korean by default."""
    if not has_request_context():
        return DEFAULT_LANG
    if "lang" in g:
        return g.lang
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang not in LANGS:
        lang = (request.accept_languages.best_match(LANGS, default=DEFAULT_LANG)
                if request.accept_languages else DEFAULT_LANG)
    g.lang = lang
    return lang


def t(key: str, default: str | None = None, **params: object) -> str:
    """`key` in the request's language, as the request's package sees it (`{name}` fields filled)."""
    return fill(text(key), key, default, params)


@pass_context
def _template_t(context, key: str, default: str | None = None, **params: object) -> str:
    """`t` in templates: the template's folder names the package (`templates/voting/...` -> voting)."""
    top = (context.name or "").split("/", 1)[0]
    return fill(text(key, None, top if top in DOMAINS else None), key, default, params)


def switch_lang_url(lang: str) -> str:
    """This page in `lang`: the same path and query (a board's round, category, filters), `lang` replaced."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", lang)]
    return request.path + "?" + urlencode(args)


def init_app(app: Flask) -> None:
    check_catalogs()
    Babel(app, default_locale=DEFAULT_LANG, locale_selector=current_lang,
          default_translation_directories=";".join(str(catalog_dir(d)) for d in DOMAINS),
          default_domain=";".join(DOMAINS))
    app.jinja_env.globals.update(t=_template_t, current_lang=current_lang, switch_lang_url=switch_lang_url)
    app.jinja_env.filters.update(korean_time=korean_time, korean_date=korean_date)  # pages show Korean time

    @app.after_request
    def _remember_lang(resp):
        chosen = request.args.get("lang")
        if chosen in LANGS:
            resp.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))  # as the session cookie
        resp.headers.setdefault("Content-Language", current_lang())
        return resp
