"""The gettext catalogs: every message in Korean and English, every key the code uses has a text, the
compiled files are current, `make messages` adds new keys, and each package's own text wins."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from flask import Flask

from app import catalog_text, i18n
from app.catalog_text import DOMAINS, LANGS, ROOT, CatalogsMissing, catalog_path, check_catalogs, lookup_order
from app.catalogs import defined_keys, missing_texts, read_catalog, update, used_keys
from app.i18n import text

FIELD = re.compile(r"\{(\w*)\}")


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_has_a_korean_and_an_english_text(domain):
    ko, en = (read_catalog(domain, lang) for lang in LANGS)
    ko_ids, en_ids = ({m.id for m in c if m.id} for c in (ko, en))
    assert ko_ids == en_ids, {"only ko": sorted(ko_ids - en_ids), "only en": sorted(en_ids - ko_ids)}
    assert not missing_texts([(domain, "ko", ko), (domain, "en", en)])
    for key in ko_ids:  # the same {fields} in both, or one language shows a raw "{name}" or fails to format
        assert set(FIELD.findall(ko[key].string)) == set(FIELD.findall(en[key].string)), key


def test_every_key_the_code_and_templates_use_has_a_text():
    defined = set().union(*defined_keys().values())
    unknown = {key: where for domain in DOMAINS for key, where in used_keys(domain).items() if key not in defined}
    assert not unknown


def test_a_key_missing_from_one_language_is_found():
    """The completeness test above is not vacuous: an English entry left empty is reported."""
    po = catalog_path("voting", "en")
    with po.open("rb") as fh:
        catalog = read_po(fh, locale="en", domain="voting")
    catalog["error.round_closed"].string = ""
    assert missing_texts([("voting", "en", catalog)]) == ["voting/en: error.round_closed"]


def test_each_package_says_a_shared_key_in_its_own_words():
    assert lookup_order("contest") == ("contest", "app", "voting", "anti_abuse")
    assert lookup_order("anti_abuse") == ("anti_abuse", "voting", "contest", "app")
    contest, voting = (text("error.round_closed", "ko", d) for d in ("contest", "voting"))
    assert contest and voting and contest != voting
    assert catalog_text.say("voting", "error.round_closed", "en") == "The round is closed; votes are no longer taken."
    assert text("site.title", "en", "anti_abuse") == text("site.title", "en", "app")  # found below it
    assert text("no.such.key", "ko", "contest") is None
    assert catalog_text.say("contest", "no.such.key", "ko") == "no.such.key"
    assert text("error.round_closed", "fr", "contest") == contest  # an unknown language reads Korean


def test_a_template_speaks_for_its_folder(app):
    with app.test_request_context("/"):
        env = app.jinja_env
        for domain in ("contest", "voting"):
            rendered = env.from_string("{{ t('error.round_closed') }}")
            rendered.name = f"{domain}/probe.html"  # the folder a template lives in names its package
            assert rendered.render() == text("error.round_closed", "ko", domain)


def _tree(tmp_path: Path) -> Path:
    for name in (*DOMAINS, "templates"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    return tmp_path


def test_make_messages_adds_a_new_key_to_its_package_and_asks_for_its_texts(tmp_path):
    root = _tree(tmp_path)
    (root / "contest" / "probe.py").write_text('from app.i18n import t\n\nLABEL = t("probe.brand_new")\n')
    (root / "templates" / "voting" / "probe.html").write_text("{{ t('probe.in_a_template') }}\n")
    before = {d: catalog_path(d, "ko", root=root).read_bytes() for d in DOMAINS}
    todo = update(root)
    assert sorted(todo) == ["contest/en: probe.brand_new", "contest/ko: probe.brand_new",
                            "voting/en: probe.in_a_template", "voting/ko: probe.in_a_template"]
    for domain in ("app", "anti_abuse"):  # untouched to the byte: run-time keys ("error." + code) never retire
        assert catalog_path(domain, "ko", root=root).read_bytes() == before[domain], domain
    for domain in ("contest", "voting"):
        kept = [m.id for m in read_catalog(domain, "ko", root) if m.id and not m.id.startswith("probe.")]
        assert kept == [m.id for m in read_catalog(domain, "ko") if m.id]


def test_the_application_refuses_to_start_without_current_catalogs(tmp_path, monkeypatch):
    root = _tree(tmp_path)
    monkeypatch.setattr(catalog_text, "ROOT", root)
    with pytest.raises(CatalogsMissing, match="run `make catalogs`"):
        i18n.init_app(Flask("probe"))  # copied without .mo files: the factory stops here
    for domain in DOMAINS:
        for lang in LANGS:
            shutil.copy(catalog_path(domain, lang, ".mo", ROOT), catalog_path(domain, lang, ".mo", root))
    check_catalogs(root)
    po = catalog_path("voting", "en", root=root)  # a text edited and not compiled: by content, not by clock
    po.write_text(po.read_text(encoding="utf-8").replace('"Unknown round."', '"No such round."'), encoding="utf-8")
    with pytest.raises(CatalogsMissing, match=r"voting.mo \(en\) is not the compilation of voting.po"):
        check_catalogs(root)
    shutil.copy(catalog_path("voting", "en", ".mo", ROOT), catalog_path("voting", "en", root=root))
    catalog_path("app", "ko", ".mo", root).write_bytes(b"not a catalog")
    with pytest.raises(CatalogsMissing, match=r"app.mo \(ko\) is unreadable"):
        check_catalogs(root)
    check_catalogs(ROOT)  # the working tree's own catalogs are compiled and current


def test_the_pure_checks_read_their_texts_outside_any_application(tmp_path, monkeypatch):
    """Prompt screening and display names need no application or request: they read the catalogs directly,
    and without compiled catalogs they fail loudly instead of showing message keys."""
    probe = ("from anti_abuse.screening import message, screen_prompt; "
             "from anti_abuse.names import check_display_name; "
             "print(message(screen_prompt('a').findings[0], 'en')); print(check_display_name('a').message('ko'))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["The prompt is too short: please write at least 2 characters.",
                                       "이름은 2자 이상이어야 합니다."]
    monkeypatch.setattr(catalog_text, "ROOT", _tree(tmp_path))  # no .mo files there
    monkeypatch.setattr(catalog_text, "_loaded", {})
    with pytest.raises(CatalogsMissing, match="anti_abuse.mo is missing"):
        catalog_text.say("anti_abuse", "name.too_short", "ko", min=2)
