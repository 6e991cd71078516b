"""The command line in the person's language (``LANG``, as gettext reads it): its help,
its messages and errors, and the dates it prints for people; what scripts read (JSON
keys, exit statuses) stays as it is."""

from __future__ import annotations

import json
import re
from pathlib import Path

from meettray.demo.fake365 import FakeMicrosoft365

from .conftest import run_cli

GERMAN = {"LANG": "de_DE.UTF-8", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": ""}
ARABIC = {"LANG": "ar_EG.UTF-8", "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": ""}
NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}


def test_now_without_sign_in_says_so_in_german_against_the_fake(
    config_file: Path, fake: FakeMicrosoft365
) -> None:
    done = run_cli("now", "--no-copy", env=GERMAN)
    assert done.returncode == 4  # the exit status is the same in every language
    assert done.stderr.strip() == (
        "meettray: Sie sind nicht angemeldet. Melden Sie sich an, um Besprechungen zu erstellen."
    )
    said = run_cli("now", "--no-copy", "--json", env=ARABIC)
    assert said.returncode == 4
    answer = json.loads(said.stdout)  # for scripts: English keys, the message for people
    assert answer["error"] == "SignInRequired"
    assert answer["exit_code"] == 4
    assert answer["message"] == "لم تسجّل الدخول. سجّل الدخول لإنشاء الاجتماعات."


def test_whoami_and_validation_speak_german(config_file: Path, fake: FakeMicrosoft365) -> None:
    who = run_cli("whoami", env=GERMAN)
    assert who.returncode == 4
    assert who.stdout.splitlines()[0] == "Nicht angemeldet."
    assert "Modus: delegated; Autorität " in who.stdout
    bad = run_cli("schedule", "--subject", " ", "--start", "morgen", "--duration", "30",
                  "--attendee", "niemand", env=GERMAN)  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == [
        "meettray: Geben Sie einen Betreff ein.",
        "meettray: Beginn: 'morgen' ist kein Datum mit Uhrzeit; verwenden Sie ISO 8601, "
        "z. B. 2026-12-01T14:30.",
        "meettray: Keine E-Mail-Adresse: 'niemand'.",
    ]


def test_help_and_usage_errors_speak_german() -> None:
    shown = run_cli("--help", env=GERMAN)
    assert shown.returncode == 0
    assert shown.stdout.startswith("Aufruf: meettray")
    words = " ".join(shown.stdout.split())  # as argparse wrapped them
    assert "Links zu Microsoft-Teams-Besprechungen mit einem Klick" in words
    assert "eine Besprechung erstellen, die jetzt beginnt, und ihren Link kopieren" in words
    assert "\nOptionen:\n" in shown.stdout
    assert "diese Hilfe zeigen und beenden" in words
    upcoming = " ".join(run_cli("upcoming", "--help", env=GERMAN).stdout.split())
    assert "wie weit voraus, in Stunden (Standard: 12)" in upcoming  # argparse's %(default)s
    wrong = run_cli("history", "--limit", "null", env=GERMAN)
    assert wrong.returncode == 2
    assert "meettray history: Fehler: " in wrong.stderr
    assert "'null' ist keine ganze Zahl" in wrong.stderr
    assert "(siehe 'meettray history --help')" in wrong.stderr
    english = run_cli("--help", env={"LANG": "C.UTF-8", "LANGUAGE": "", "LC_ALL": ""})
    assert english.stdout.startswith("usage: meettray")


def test_history_writes_dates_for_people_the_german_way_and_iso_for_scripts() -> None:
    made = run_cli("--demo", "now", "--no-copy", "--subject", "Planung", env=NO_DISPLAY)
    assert made.returncode == 0, made.stderr
    listed = run_cli("--demo", "history", env=GERMAN)
    assert listed.returncode == 0, listed.stderr
    first = listed.stdout.splitlines()[0]
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d  Planung", first), first
    for line in listed.stdout.splitlines():
        assert not re.search(r"\d{4}-\d\d-\d\d", line), line  # no ISO dates for people
    scripted = run_cli("--demo", "history", "--json", env=GERMAN)
    (meeting,) = json.loads(scripted.stdout)
    assert meeting["subject"] == "Planung"
    assert re.match(r"\d{4}-\d\d-\d\dT", meeting["created_at"])  # ISO 8601 for scripts
    arabic = run_cli("--demo", "history", "--search", "zzz", env=ARABIC)
    assert arabic.stdout.strip() == "لا يوجد اجتماع مطابق."


def test_doctor_speaks_german_and_its_json_keeps_the_checks_english_names() -> None:
    said = run_cli("--demo", "doctor", env={**GERMAN, **NO_DISPLAY})
    assert said.returncode == 0, said.stderr
    lines = said.stdout.splitlines()
    assert any(line.startswith("✓ Einstellungsdatei: ") for line in lines), said.stdout
    # The demo has two accounts: each account's checks are named by their account.
    assert "✓ Angemeldet (main): adele@contoso.example (Geschäft/Schule)" in lines
    assert "✓ Angemeldet (fabrikam): alex@fabrikam.example (Geschäft/Schule)" in lines
    assert "- Zwischenablage: nicht geprüft: keine Anzeige" in lines
    assert lines[-1] == "Alles, was meettray braucht, funktioniert."
    scripted = json.loads(
        run_cli("--demo", "doctor", "--json", env={**GERMAN, **NO_DISPLAY}).stdout
    )
    names = [check["name"] for check in scripted["checks"]]
    assert "Settings file" in names
    assert "Signed in (fabrikam)" in names
    assert "Clipboard" in names
    assert {check["status"] for check in scripted["checks"]} <= {"ok", "warning", "skipped"}
