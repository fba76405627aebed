"""Keep the message catalogs in step with the code: `make messages` (python -m app.catalogs).

Extracts every literal message key (`t("key")`, `say("domain", "key", lang)` in Python, `t('key')` in templates)
with Babel's extractors, adds the keys no catalog has yet to the catalogs of the package that uses them
(`pybabel update` from a template of the package's existing keys plus the new ones), and lists the entries
still waiting for a Korean or English text; `make catalogs` then compiles them (`pybabel compile`).

Keys built at run time ("error." + code, a page's `flag.reason.<r>`) are not extracted, so the template
always carries a package's existing keys: `pybabel update` never retires a message; delete one by hand.
"""
from __future__ import annotations

import contextlib
import io
import sys
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from app.catalog_text import DOMAINS, LANGS, ROOT, catalog_dir, catalog_path

KEYWORDS = {"t": None, "say": (2,)}  # t(key, ...) and say(domain, key, lang, ...)
JINJA = "jinja2.ext:babel_extract"
# The templates of the shell: the top level, its own folder and the pages without a package.
APP_TEMPLATES = ("*.html", "app/**.html", "errors/**.html", "local_idp/**.html")


def _sources(domain: str, root: Path) -> Iterator[tuple[Path, list[tuple[str, str]]]]:
    yield root / domain, [("**.py", "python")]
    if domain == "app":
        yield root / "templates", [(pattern, JINJA) for pattern in APP_TEMPLATES]
    else:
        yield root / "templates" / domain, [("**.html", JINJA)]


def used_keys(domain: str, root: Path = ROOT) -> dict[str, list[str]]:
    """Every literal message key in the package's code and templates, with where it is used."""
    found: dict[str, list[str]] = {}
    for directory, method_map in _sources(domain, root):
        if not directory.is_dir():
            continue
        with contextlib.redirect_stderr(io.StringIO()):  # Babel warns on t(f"error.{code}"): run-time keys
            extracted = list(extract_from_dir(str(directory), method_map, keywords=KEYWORDS, options_map={}))
        for filename, lineno, message, _comments, _context in extracted:
            key = message[0] if isinstance(message, tuple) else message
            if key:
                found.setdefault(key, []).append(f"{directory.relative_to(root) / filename}:{lineno}")
    return found


def read_catalog(domain: str, lang: str, root: Path = ROOT) -> Catalog:
    with catalog_path(domain, lang, root=root).open("rb") as fh:
        return read_po(fh, locale=lang, domain=domain)


def defined_keys(root: Path = ROOT) -> dict[str, set[str]]:
    """The keys each package's Korean catalog holds."""
    return {d: {m.id for m in read_catalog(d, "ko", root) if m.id} for d in DOMAINS}


def missing_texts(catalogs: Iterable[tuple[str, str, Catalog]]) -> list[str]:
    """`domain/lang: key` for every entry with no text or marked fuzzy."""
    return [f"{domain}/{lang}: {m.id}" for domain, lang, catalog in catalogs for m in catalog
            if m.id and (not m.string or m.fuzzy)]


def update(root: Path = ROOT) -> list[str]:
    """Add new keys to their package's catalogs; the entries still to be written, one line each."""
    defined = defined_keys(root)
    everywhere = set().union(*defined.values())
    for domain in DOMAINS:
        new = sorted(set(used_keys(domain, root)) - everywhere)
        existing = read_catalog(domain, "ko", root)
        # The existing date, so a package with nothing new keeps its files as they were.
        template = Catalog(domain=domain, project="sovereign-ai-arena", fuzzy=False,
                           creation_date=existing.creation_date)
        for key in [*(m.id for m in existing), *new]:  # the catalog's order, then the new keys
            if key:
                template.add(key)
        with tempfile.TemporaryDirectory() as tmp:
            pot = Path(tmp) / f"{domain}.pot"
            with pot.open("wb") as fh:
                write_po(fh, template)
            CommandLineInterface().run(["pybabel", "-q", "update", "-i", str(pot), "-D", domain, "-N",
                                        "-d", str(catalog_dir(domain, root))])
        everywhere |= set(new)
    return missing_texts((d, lang, read_catalog(d, lang, root)) for d in DOMAINS for lang in LANGS)


def main() -> int:
    todo = update()
    for line in todo:
        print(f"no text yet: {line}")
    print(f"{len(todo)} entries to write; then `make catalogs`" if todo else "catalogs complete")
    return 1 if todo else 0


if __name__ == "__main__":
    sys.exit(main())

