"""``meettray upcoming`` and ``meettray join``, run as real processes against the fake."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import ExitCode

from .conftest import run_cli

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}


def now() -> datetime:
    return datetime.now(timezone.utc).replace(second=0, microsecond=0)


@pytest.fixture
def with_calendar(config_file: Path, fake: FakeMicrosoft365) -> Path:
    done = run_cli("login", "--device-code", "--calendar", env=NO_DISPLAY)
    assert done.returncode == 0, done.stderr
    (code_request,) = fake.requests_to("POST", "/devicecode")
    assert {"Calendars.ReadBasic", "Calendars.ReadWrite"} <= set(
        s.rsplit("/", 1)[-1] for s in code_request.form()["scope"].split()
    )
    return config_file


def upcoming(*args: str) -> list[dict[str, object]]:
    done = run_cli("upcoming", "--json", *args)
    assert done.returncode == 0, done.stderr
    items: list[dict[str, object]] = json.loads(done.stdout)
    return items


def test_upcoming_json_lists_what_a_person_expects_across_pages_in_time_order(
    with_calendar: Path, fake: FakeMicrosoft365
) -> None:
    fake.calendar.demo_day(fake.signed_in_user, now())
    items = upcoming()
    assert len(fake.requests_to("GET", "/calendarView")) == 4  # every page of two
    assert [i["subject"] for i in items] == [
        "Daily stand-up", "1:1 with Aiko", "Design review", "Customer call (Zoom)",
        "Release planning",
    ]  # cancelled, declined and all-day left out  # fmt: skip
    assert set(items[0]) == {"subject", "start", "end", "join_url", "account", "username",
                             "organizer", "in_progress", "web_link"}  # fmt: skip
    starts = [datetime.fromisoformat(str(i["start"])) for i in items]
    assert all(s.tzinfo is not None for s in starts)
    assert starts == sorted(starts)
    assert [i["in_progress"] for i in items] == [True, False, False, False, False]
    assert items[3]["join_url"] is None
    assert items[4]["join_url"] is None
    assert str(items[1]["join_url"]).startswith("https://teams.microsoft.com/l/meetup-join/")
    assert items[1]["organizer"] == "Aiko Tanaka"
    assert items[0]["account"] == "main"  # the account's name, as history's
    assert items[0]["username"] == fake.signed_in_user.upn
    everything = upcoming("--all")
    assert {"Team lunch", "Budget sync", "Company offsite"} <= {i["subject"] for i in everything}


def test_a_link_that_arrives_later_is_there_on_the_next_run(
    with_calendar: Path, fake: FakeMicrosoft365
) -> None:
    event = fake.calendar.add(fake.signed_in_user, "Planning", now() + timedelta(minutes=20),
                              link_pending=True)  # fmt: skip
    assert upcoming()[0]["join_url"] is None
    fake.calendar.add_link(event)
    assert upcoming()[0]["join_url"] == event.join_url


def test_offline_keeps_the_last_list(with_calendar: Path, fake: FakeMicrosoft365) -> None:
    fake.calendar.add(fake.signed_in_user, "Planning", now() + timedelta(minutes=20))
    first = upcoming()
    fake.add_fault("drop_before", path="/calendarView", times=20)
    done = run_cli("upcoming", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == first
    assert "Showing the list read at" in done.stderr


def test_offline_with_no_list_yet_fails_plainly(
    with_calendar: Path, fake: FakeMicrosoft365
) -> None:
    fake.add_fault("drop_before", path="/calendarView", times=20)
    done = run_cli("upcoming")
    assert done.returncode == ExitCode.NETWORK, done.stderr


def test_without_calendar_consent_exit_4_says_how_to_grant_it(
    config_file: Path, fake: FakeMicrosoft365
) -> None:
    assert run_cli("login", "--device-code", env=NO_DISPLAY).returncode == 0
    done = run_cli("upcoming")
    assert done.returncode == ExitCode.SIGN_IN  # 4
    assert "meettray login --calendar" in done.stderr


def test_the_account_is_one_from_the_settings(with_calendar: Path, fake: FakeMicrosoft365) -> None:
    """An account's name ("main": [account]), "default", or the default account's address
    (as before several accounts); anything else lists the accounts there are (exit 3)."""
    assert upcoming("--account", "main") == []
    assert upcoming("--account", "default") == []
    assert upcoming("--account", fake.signed_in_user.upn) == []
    done = run_cli("upcoming", "--account", "work2")
    assert done.returncode == ExitCode.SETTINGS
    assert "There is no account 'work2'" in done.stderr
    assert "the accounts are: main." in done.stderr


def recorder(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A BROWSER command that writes down what it was asked to open."""
    seen = tmp_path / "opened.txt"
    script = tmp_path / "open.py"
    script.write_text(f"import sys\nopen({str(seen)!r}, 'a').write(sys.argv[1] + '\\n')\n")
    return {"BROWSER": f"{sys.executable} {script} %s"}, seen


def test_join_next_opens_the_meeting_in_progress(
    with_calendar: Path, fake: FakeMicrosoft365, tmp_path: Path
) -> None:
    fake.calendar.demo_day(fake.signed_in_user, now())
    standup = next(e for e in fake.calendar.events[fake.signed_in_user.oid]
                   if e.subject == "Daily stand-up")  # fmt: skip
    env, seen = recorder(tmp_path)
    done = run_cli("join", "--next", env=env)
    assert done.returncode == 0, done.stderr
    assert seen.read_text().split() == [standup.join_url]

    with_calendar.write_text(with_calendar.read_text() + '[calendar]\njoin = "app"\n')
    assert run_cli("join", env=env).returncode == 0
    assert seen.read_text().split()[1] == "msteams:/" + str(standup.join_url).split("/", 3)[3]


def test_join_a_link_checks_teams_hosts_first(with_calendar: Path, tmp_path: Path) -> None:
    env, seen = recorder(tmp_path)
    done = run_cli("join", "https://teams.microsoft.com.evil.example/l/meetup-join/x", env=env)
    assert done.returncode == ExitCode.USAGE
    assert "not a Teams meeting link" in done.stderr
    assert not seen.exists()
    good = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0"
    assert run_cli("join", good, env=env).returncode == 0
    assert seen.read_text().split() == [good]


def test_hostile_calendar_text_is_printed_as_text(
    with_calendar: Path, fake: FakeMicrosoft365
) -> None:
    subject = "Pay\x1b[2J now \u202eexe.gpj"
    fake.calendar.add(fake.signed_in_user, subject, now() + timedelta(minutes=20),
                      organizer=("\x1b]0;owned\x07Mallory", "m@evil.example"))  # fmt: skip
    done = run_cli("upcoming")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout
    assert "\u202e" not in done.stdout
    assert "Mallory" in done.stdout


def test_a_meeting_added_to_the_calendar_is_then_upcoming(
    with_calendar: Path, fake: FakeMicrosoft365
) -> None:
    start = (now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%MZ")
    made = run_cli("schedule", "--subject", "Retro", "--start", start, "--duration", "30",
                   "--calendar", "--no-copy", "--json")  # fmt: skip
    assert made.returncode == 0, made.stderr
    (item,) = upcoming()
    assert item["subject"] == "Retro"
    assert item["join_url"] == json.loads(made.stdout)["join_url"]
    assert datetime.fromisoformat(str(item["start"])) == datetime.fromisoformat(
        start.replace("Z", "+00:00")
    )
