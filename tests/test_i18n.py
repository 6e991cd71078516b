"""meettray's languages: the catalogs are complete, and the language comes from the
environment as gettext takes it."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable, Iterator
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
    # The core's and the command line's words are in the same catalog: validation,
    # Graph's errors in plain words, hotkey problems, Recent's weekdays, help texts.
    assert marked["Enter a subject."] == ["meettray/meetings.py"]
    assert (
        "meettray/graph/errors.py"
        in marked["Microsoft Teams is busy right now. Try again in a few minutes."]
    )
    assert "Tue" in marked
    assert "{hotkey} works everywhere." in marked
    assert marked["create a meeting that starts now and copy its link"] == [
        "meettray/cli_parser.py"
    ]
    assert "how far ahead, in hours (default: %(default)s)" in marked  # argparse's help=
    assert not any(place.startswith("meettray/demo/") for places in marked.values()
                   for place in places)  # fmt: skip
    assert len(marked) > 500
    assert catalogs.untranslated() == {language: [] for language in i18n.shipped()}


def test_a_core_or_command_line_string_left_untranslated_is_caught(
    catalogs: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    po = (i18n.LOCALE_DIR / "ar.po").read_text(encoding="utf-8")
    core = 'msgid "Enter a subject."\nmsgstr "أدخل موضوعًا."'
    helped = 'msgid "print a JSON array"\nmsgstr "طباعة مصفوفة JSON"'
    assert core in po
    assert helped in po
    shorter = po.replace(core, 'msgid "Enter a subject."\nmsgstr ""').replace(
        helped, 'msgid "print a JSON array"\nmsgstr ""'
    )
    (tmp_path / "ar.po").write_text(shorter, encoding="utf-8")
    monkeypatch.setattr(catalogs, "LOCALE", tmp_path)
    assert catalogs.untranslated() == {"ar": ["print a JSON array", "Enter a subject."]}


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
        # {name} for str.format, %(name)s for argparse's help: the same in every language.
        fields = r"\{\w+\}|%\(\w+\)s"
        assert sorted(re.findall(fields, english)) == sorted(re.findall(fields, translated)), (
            language,
            english,
        )
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


@pytest.fixture
def speak() -> Iterator[Callable[[str], None]]:
    """Switch the process's catalog (as the tray does at start), and back."""
    previous = i18n.use(None)

    def to(lang: str) -> None:
        i18n.use(i18n.load({"LANG": lang}))

    try:
        yield to
    finally:
        i18n.use(previous)


def test_the_core_speaks_german_recent_labels_expiry_and_dates(
    speak: Callable[[str], None],
) -> None:
    from datetime import datetime, timedelta, timezone

    from meettray.formatting import expired_copy_warning, expiry_text, recent_label
    from meettray.meetings import Meeting

    made = datetime(2026, 12, 7, 14, 5, 12).astimezone()  # a Monday, local time
    start = datetime(2026, 12, 8, 10, 0).astimezone()
    expires = datetime(2027, 2, 5, 12, 0).astimezone()
    planned = Meeting("m2", "https://teams.microsoft.com/l/y", "", start,
                      start + timedelta(hours=1), made, expires_at=expires)  # fmt: skip
    later = datetime(2027, 3, 1, tzinfo=timezone.utc)
    speak("de_DE.UTF-8")
    assert recent_label(planned) == "(kein Betreff) · Di 10:00 · erstellt 14:05:12"
    assert expiry_text(planned, made) == "läuft ab am 05.02.2027"
    assert expiry_text(planned, later).startswith("ABGELAUFEN 05.02.2027: Teams hat")
    assert expired_copy_warning(planned, later).startswith("„Diese Besprechung“ ist am 05.02.2027")
    assert i18n.date_time_text(made) == "07.12.2026 14:05"
    speak("ar_EG.UTF-8")
    assert recent_label(planned) == "(بلا موضوع) · الثلاثاء 10:00 · أُنشئ 14:05:12"
    assert expiry_text(planned, made) == "تنتهي صلاحيته 05/02/2027"
    speak("C.UTF-8")
    assert recent_label(planned) == "(no subject) · Tue 10:00 · made 14:05:12"
    assert expiry_text(planned, made) == "expires 2027-02-05"


def test_validation_and_sign_in_messages_speak_german(speak: Callable[[str], None]) -> None:
    from meettray.auth.errors import auth_error
    from meettray.config import config_from_mapping
    from meettray.errors import ConfigError, ValidationError
    from meettray.hotkeys.keys import Hotkey
    from meettray.meetings import build_schedule

    speak("de_DE.UTF-8")
    with pytest.raises(ValidationError) as bad:
        build_schedule(subject=" ", start="morgen", duration_minutes=30,
                       attendees=["nobody"])  # fmt: skip
    assert bad.value.problems == {
        "subject": "Geben Sie einen Betreff ein.",
        "start": "Beginn: 'morgen' ist kein Datum mit Uhrzeit; verwenden Sie ISO 8601, "
        "z. B. 2026-12-01T14:30.",
        "attendees": "Keine E-Mail-Adresse: 'nobody'.",
    }
    expired = auth_error({"error": "invalid_grant", "error_codes": [70008]})
    assert expired.message == (
        "Ihre Anmeldung ist abgelaufen. Melden Sie sich erneut an, um Besprechungen zu erstellen."
    )
    blocked = auth_error({"error": "access_denied", "error_codes": [53003]})
    assert blocked.message.startswith("Die Richtlinie für bedingten Zugriff Ihrer Organisation")
    assert blocked.fix.startswith("Die Richtlinie verlangt")
    with pytest.raises(ConfigError, match=r"\[meeting\] duration_minutes = 1 muss zwischen"):
        config_from_mapping({"meeting": {"duration_minutes": 1}})
    with pytest.raises(ValueError, match="würde diese Taste allen Programmen wegnehmen"):
        Hotkey.parse("M")


def test_the_graph_errors_a_person_meets_speak_arabic(speak: Callable[[str], None]) -> None:
    import json

    from meettray.graph.errors import graph_error

    speak("ar_EG.UTF-8")
    body = json.dumps({"error": {"code": "TooManyRequests", "message": "slow down"}}).encode()
    busy = graph_error("POST", 429, body, user_id="", scopes=(), request_id="r1", waited=12,
                       diagnostics={})  # fmt: skip
    assert (
        busy.message
        == "Microsoft Teams مشغول الآن (انتظر meettray 12 ث). حاول مرة أخرى بعد بضع دقائق."
    )
    assert busy.detail == "HTTP 429 TooManyRequests: slow down"  # Graph's words stay its own
    refused = graph_error("POST", 401, b"", user_id="", scopes=(), request_id="", waited=0,
                          diagnostics={})  # fmt: skip
    assert refused.message == "لم يقبل Microsoft Graph تسجيل دخولك. سجّل الدخول مرة أخرى."


def test_every_shipped_date_pattern_keeps_its_three_fields() -> None:
    from datetime import datetime

    day = datetime(2027, 2, 5, 9, 7)
    written = {lang: i18n.load({"LANGUAGE": lang}) for lang in i18n.shipped()}
    for language, chosen in written.items():
        previous = i18n.use(chosen)
        try:
            text = i18n.date_text(day)
        finally:
            i18n.use(previous)
        assert sorted(text.replace(".", " ").replace("/", " ").replace("-", " ").split()) == [
            "02", "05", "2027"], (language, text)  # fmt: skip


def test_a_hotkey_another_program_holds_is_recognised_in_any_language(
    speak: Callable[[str], None],
) -> None:
    """doctor tells the running tray's own hotkey from another program's by the backend's
    sentence: in the language it was said in, not by English words."""
    from meettray.hotkeys.keys import Hotkey, taken_by_another, taken_hotkey

    hotkey = Hotkey.parse("Ctrl+Alt+M")
    assert hotkey is not None
    for lang in ("C.UTF-8", "de_DE.UTF-8", "ar_EG.UTF-8"):
        speak(lang)
        said = taken_by_another(hotkey)
        assert taken_hotkey(said) == "Ctrl+Alt+M", (lang, said)
        assert taken_hotkey(i18n._("Global hotkeys need a desktop session.")) is None
    assert said.startswith("يستخدم برنامج آخر Ctrl+Alt+M")
