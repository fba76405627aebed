"""Korean-first messages with English via `?lang=`, a cookie or Accept-Language, from gettext catalogs.

Each package keeps its messages in its own gettext domain: `<package>/translations/<lang>/LC_MESSAGES/
<package>.po`, compiled to `.mo` by `make catalogs` (`pybabel compile`). The msgids are message keys
("arena.vote_a", "error.round_closed"); Korean is the default language, English complete (a test fails on a
key missing from either). Flask-Babel selects the request's locale; the catalogs are read with Babel's
`support.Translations`, once per process.

A key is looked up first in the domain of the package asking, then in the others (the packages below it in
the layering first), so two packages can give the same key different texts: starting a battle in a closed
round (contest) and voting in one (voting) each say their own `error.round_closed`. The package asking is the
template's folder (`templates/contest/...`) for templates, else the package of the request's blueprint.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from babel.messages.mofile import read_mo
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel
from jinja2 import pass_context

LANGS = ("ko", "en")
DEFAULT_LANG = "ko"
# Every package with a message domain, in the layering's order (app at the bottom).
DOMAINS = ("app", "contest", "voting", "anti_abuse")
ROOT = Path(__file__).resolve().parent.parent

_loaded: dict[tuple[str, str], NullTranslations] = {}


class CatalogsMissing(RuntimeError):
    """The compiled catalogs are absent or older than their sources (`make catalogs`)."""


def catalog_dir(domain: str, root: Path = ROOT) -> Path:
    return root / domain / "translations"


def catalog_path(domain: str, lang: str, suffix: str = ".po", root: Path = ROOT) -> Path:
    return catalog_dir(domain, root) / lang / "LC_MESSAGES" / f"{domain}{suffix}"


def _translations(domain: str, lang: str) -> NullTranslations:
    key = (domain, lang)
    found = _loaded.get(key)
    if found is None:
        found = _loaded[key] = Translations.load(str(catalog_dir(domain)), [lang], domain)
    return found


@cache
def lookup_order(domain: str) -> tuple[str, ...]:
    """The asking package's domain, then the packages below it, then the ones above."""
    at = DOMAINS.index(domain)
    return (domain, *reversed(DOMAINS[:at]), *DOMAINS[at + 1:])


def text(key: str, lang: str | None = None, domain: str | None = None) -> str | None:
    """The message `key` in `lang` (the request's by default) as `domain` sees it; None if no catalog has it."""
    lang = current_lang() if lang is None else lang if lang in LANGS else DEFAULT_LANG
    for name in lookup_order(domain or request_domain()):
        found = _translations(name, lang).gettext(key)
        if found != key:  # gettext hands back the msgid when the catalog has no text for it
            return found
    return None


def message_ids(domain: str, prefixes: tuple[str, ...]) -> list[str]:
    """The keys of `domain` starting with one of `prefixes` (for the strings a page hands its script)."""
    catalog = getattr(_translations(domain, DEFAULT_LANG), "_catalog", {})  # gettext lists no ids itself
    return sorted(k for k in catalog if isinstance(k, str) and k.startswith(prefixes))


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


def _render(found: str | None, key: str, default: str | None, params: dict) -> str:
    value = found or default or key
    return value.format(**params) if params else value


def t(key: str, default: str | None = None, **params: object) -> str:
    """`key` in the request's language, as the request's package sees it (`{name}` fields filled)."""
    return _render(text(key), key, default, params)


def tr(domain: str, key: str, lang: str | None = None, **params: object) -> str:
    """`key` as `domain` sees it, in `lang` (the request's by default)."""
    return _render(text(key, lang, domain), key, None, params)


@pass_context
def _template_t(context, key: str, default: str | None = None, **params: object) -> str:
    """`t` in templates: the template's folder names the package (`templates/voting/...` -> voting)."""
    top = (context.name or "").split("/", 1)[0]
    return _render(text(key, None, top if top in DOMAINS else None), key, default, params)


def switch_lang_url(lang: str) -> str:
    """This page in `lang`: the same path and query (a board's round, category, filters), `lang` replaced."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", lang)]
    return request.path + "?" + urlencode(args)


def check_catalogs(root: Path = ROOT) -> None:
    """Fail at start when a compiled catalog is missing, stale or unreadable (run `make catalogs`)."""
    problems = []
    for domain in DOMAINS:
        for lang in LANGS:
            po, mo = catalog_path(domain, lang, root=root), catalog_path(domain, lang, ".mo", root)
            if not mo.exists():
                problems.append(f"{mo.relative_to(root)} is missing")
            elif po.exists() and po.stat().st_mtime > mo.stat().st_mtime:
                problems.append(f"{mo.relative_to(root)} is older than {po.name}")
            else:
                with mo.open("rb") as fh:
                    read_mo(fh)  # a corrupt file fails here, not on the first page
    if problems:
        raise CatalogsMissing("message catalogs not compiled (run `make catalogs`): " + "; ".join(problems))


def init_app(app: Flask) -> None:
    check_catalogs()
    _loaded.clear()  # a new application reads the catalogs as they are now
    Babel(app, default_locale=DEFAULT_LANG, locale_selector=current_lang,
          default_translation_directories=";".join(str(catalog_dir(d)) for d in DOMAINS),
          default_domain=";".join(DOMAINS))
    app.jinja_env.globals.update(t=_template_t, current_lang=current_lang, switch_lang_url=switch_lang_url)

    @app.after_request
    def _remember_lang(resp):
        chosen = request.args.get("lang")
        if chosen in LANGS:
            resp.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))  # as the session cookie
        resp.headers.setdefault("Content-Language", current_lang())
        return resp
