"""meettray's languages: the catalogs are complete, and the language comes from the
environment as gettext takes it."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from meettray import i18n

ROOT = Path(__file__).resolve().parent.parent


def _catalogs_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("catalogs", ROOT / "scripts" / "catalogs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def catalogs() -> Iterator[ModuleType]:
    path = list(sys.path)
    try:
        yield _catalogs_script()
    finally:
        sys.path[:] = path


def test_german_and_a_right_to_left_language_ship() -> None:
    assert {"de", "ar"} <= set(i18n.shipped())
    assert i18n.load({"LANG": "ar_EG.UTF-8"}).right_to_left
    assert not i18n.load({"LANG": "de_DE.UTF-8"}).right_to_left


def test_every_string_the_app_marks_is_translated_in_every_shipped_language(
    catalogs: ModuleType,
) -> None:
    marked = catalogs.extract()
    assert "Link copied" in marked
    assert "&Meet now" in marked
    assert len(marked) > 200
    assert catalogs.untranslated() == {language: [] for language in i18n.shipped()}


def test_a_catalog_missing_a_string_is_caught(
    catalogs: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    po = (i18n.LOCALE_DIR / "de.po").read_text(encoding="utf-8")
    shorter = po.replace('msgstr "Link kopiert"', 'msgstr ""')
    assert shorter != po
    (tmp_path / "de.po").write_text(shorter, encoding="utf-8")
    monkeypatch.setattr(catalogs, "LOCALE", tmp_path)
    assert catalogs.untranslated() == {"de": ["Link copied"]}


@pytest.mark.parametrize("language", i18n.shipped())
def test_translations_keep_placeholders_and_one_mnemonic(language: str) -> None:
    messages = i18n.load({"LANGUAGE": language}).messages
    assert messages
    for english, translated in messages.items():
        assert sorted(re.findall(r"\{\w+\}", english)) == sorted(
            re.findall(r"\{\w+\}", translated)
        ), (language, english)
        # A mnemonic stays a mnemonic (Alt+letter), and there is only one.
        assert translated.count("&") == english.count("&") <= 1, (language, english)
        assert translated.strip() or english.strip() == "", (language, english)


def test_the_language_comes_from_the_environment_in_gettexts_order() -> None:
    assert i18n.requested({"LANG": "de_DE.UTF-8"}) == ["de_DE", "de"]
    assert i18n.requested({"LANGUAGE": "fr:ar", "LANG": "de_DE.UTF-8"}) == ["fr", "ar"]
    assert i18n.requested({"LC_ALL": "ar_EG.UTF-8@latin", "LANG": "de_DE"}) == ["ar_EG", "ar"]
    assert i18n.requested({"LANG": "C.UTF-8"}) == []
    assert i18n.requested({}) == []
    assert i18n.load({"LANG": "de_DE.UTF-8"}).gettext("Link copied") == "Link kopiert"
    assert i18n.load({"LANGUAGE": "fr:ar"}).language == "ar"  # no French: the next one
    assert i18n.load({"LANGUAGE": "en_GB:de"}).language == "en"  # English asked first
    assert i18n.load({"LANG": "fr_FR.UTF-8"}).gettext("Link copied") == "Link copied"


def test_a_po_file_reads_as_translators_write_it() -> None:
    text = r"""
msgid ""
msgstr "Language: de\n"

#: a.py:1
msgid "Two "
"lines"
msgstr "Zwei\n"
"Zeilen \"zitiert\""

#, fuzzy
msgid "Unsure"
msgstr "Unsicher"

msgid "Empty"
msgstr ""
"""
    assert i18n.parse_po(text) == {"Two lines": 'Zwei\nZeilen "zitiert"'}


@pytest.mark.parametrize(
    ("lang", "said"),
    [("C.UTF-8", "No meetings yet."), ("de_DE.UTF-8", "Noch keine Besprechungen."),
     ("ar_EG.UTF-8", "لا توجد اجتماعات بعد.")],
)  # fmt: skip
def test_the_command_line_speaks_the_language_too(lang: str, said: str) -> None:
    from .conftest import run_cli

    done = run_cli("history", env={"LANG": lang, "LANGUAGE": "", "LC_ALL": ""})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == said
