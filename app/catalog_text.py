"""The message catalogs themselves, without Flask: one gettext domain per package, read once per process.

`<package>/translations/<ko|en>/LC_MESSAGES/<package>.po`, compiled to `.mo` by `make catalogs`
(`pybabel compile`). The msgids are message keys ("arena.vote_a", "error.round_closed"). Pure code that
needs a text in a given language (prompt screening, display names) reads it here; pages and API errors go
through `app.i18n`, which adds the request's language and package.

A key is looked up first in the asking package's domain, then in the packages below it in the layering,
then above: two packages can give one key different texts.
"""
from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGS = ("ko", "en")
DEFAULT_LANG = "ko"
# Every package with a message domain, in the layering's order (app at the bottom).
DOMAINS = ("app", "contest", "voting", "anti_abuse")
ROOT = Path(__file__).resolve().parent.parent

_loaded: dict[tuple[Path, str, str], Translations] = {}
_checked: set[tuple] = set()  # the (path, size, mtime) signatures already found current in this process


class CatalogsMissing(RuntimeError):
    """A compiled catalog is absent, unreadable or not the compilation of its source (`make catalogs`)."""


def catalog_dir(domain: str, root: Path | None = None) -> Path:
    return (root or ROOT) / domain / "translations"


def catalog_path(domain: str, lang: str, suffix: str = ".po", root: Path | None = None) -> Path:
    return catalog_dir(domain, root) / lang / "LC_MESSAGES" / f"{domain}{suffix}"


def translations(domain: str, lang: str) -> Translations:
    key = (ROOT, domain, lang)
    found = _loaded.get(key)
    if found is None:
        mo = catalog_path(domain, lang, ".mo")
        if not mo.exists():  # Babel would hand back an empty catalogue and every text would read as its key
            raise CatalogsMissing(f"{mo} is missing (run `make catalogs`)")
        found = _loaded[key] = Translations.load(str(catalog_dir(domain)), [lang], domain)
    return found


@cache
def lookup_order(domain: str) -> tuple[str, ...]:
    """The asking package's domain, then the packages below it, then the ones above."""
    at = DOMAINS.index(domain)
    return (domain, *reversed(DOMAINS[:at]), *DOMAINS[at + 1:])


def lookup(key: str, lang: str, domain: str = "app") -> str | None:
    """The message `key` in `lang` (Korean for an unknown language) as `domain` sees it; None if none has it."""
    lang = lang if lang in LANGS else DEFAULT_LANG
    for name in lookup_order(domain):
        found = translations(name, lang).gettext(key)
        if found != key:  # gettext hands back the msgid when the catalog has no text for it
            return found
    return None


def fill(found: str | None, key: str, default: str | None, params: dict) -> str:
    value = found or default or key
    return value.format(**params) if params else value


def say(domain: str, key: str, lang: str, **params: object) -> str:
    """`key` as `domain` sees it, in `lang`, `{name}` fields filled (the key itself if no catalog has it)."""
    return fill(lookup(key, lang, domain), key, None, params)


def message_ids(domain: str, prefixes: tuple[str, ...]) -> list[str]:
    """The keys of `domain` starting with one of `prefixes` (for the strings a page hands its script)."""
    catalog = getattr(translations(domain, DEFAULT_LANG), "_catalog", {})  # gettext lists no ids itself
    return sorted(k for k in catalog if isinstance(k, str) and k.startswith(prefixes))


def _entries(catalog) -> dict:
    return {m.id: m.string for m in catalog if m.id and not m.fuzzy}


def check_catalogs(root: Path | None = None) -> None:
    """Refuse to go on when a compiled catalog is missing, unreadable or not its source's compilation
    (compared by content, once per process and file version, so no clock is trusted)."""
    problems = []
    for domain in DOMAINS:
        for lang in LANGS:
            po, mo = catalog_path(domain, lang, root=root), catalog_path(domain, lang, ".mo", root)
            if not mo.exists():
                problems.append(f"{mo.name} ({lang}) is missing")
                continue
            signature = tuple((str(p), s.st_size, s.st_mtime_ns) for p in (po, mo) for s in [os.stat(p)])
            if signature in _checked:
                continue
            try:
                with po.open("rb") as fh:
                    source = _entries(read_po(fh, locale=lang, domain=domain))
                with mo.open("rb") as fh:
                    compiled = _entries(read_mo(fh))
            except Exception as exc:  # noqa: BLE001 - any unreadable file is the same refusal
                problems.append(f"{mo.name} ({lang}) is unreadable: {exc}")
                continue
            if source != compiled:
                problems.append(f"{mo.name} ({lang}) is not the compilation of {po.name}")
            else:
                _checked.add(signature)
    if problems:
        raise CatalogsMissing("message catalogs not compiled (run `make catalogs`): " + "; ".join(problems))
