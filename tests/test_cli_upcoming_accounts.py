"""``meettray upcoming`` and ``join --next`` across several accounts: the real command in
its own process, against the fake Microsoft 365's two tenants (Contoso's Adele, Fabrikam's
Alex), each calendar read with that account's own token."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import ExitCode

from .conftest import CLIENT_ID, run_cli

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}


def settings(fake: FakeMicrosoft365) -> str:
    return (
        "[account]\n"
        f'client_id = "{CLIENT_ID}"\n'
        f'authority = "{fake.authority}"\n'
        f'graph_endpoint = "{fake.graph_endpoint}"\n'
        "[accounts.fabrikam]\n"
        'label = "Fabrikam"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'authority = "{fake.authority_for("fabrikam")}"\n'
        f'graph_endpoint = "{fake.graph_endpoint}"\n'
    )


def login(account: str) -> None:
    done = run_cli("login", "--device-code", "--calendar", "--account", account, env=NO_DISPLAY)
    assert done.returncode == 0, done.stderr


def upcoming(*args: str) -> list[dict[str, Any]]:
    done = run_cli("upcoming", "--json", *args, env=NO_DISPLAY)
    assert done.returncode == 0, done.stderr
    items: list[dict[str, Any]] = json.loads(done.stdout)
    return items


def soon(minutes: int) -> datetime:
    return datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(minutes=minutes)


@pytest.fixture
def calendars(config_file: Path, fake: FakeMicrosoft365) -> FakeMicrosoft365:
    """Two accounts, each with a calendar; only the main one signed in yet."""
    config_file.write_text(settings(fake))
    alex = fake.tenant("fabrikam").person
    assert alex is not None
    fake.calendar.add(fake.signed_in_user, "Contoso stand-up", soon(30), 15)
    fake.calendar.add(fake.signed_in_user, "Contoso planning", soon(120), 30)
    fake.calendar.add(alex, "Fabrikam review", soon(60), 30)
    login("main")
    return fake


def test_every_signed_in_account_in_one_list_in_time_order(calendars: FakeMicrosoft365) -> None:
    fake = calendars
    only_main = upcoming()  # Fabrikam is not signed in: not asked, no error
    assert [i["subject"] for i in only_main] == ["Contoso stand-up", "Contoso planning"]
    login("fabrikam")
    alex = fake.tenant("fabrikam").person
    assert alex is not None
    items = upcoming()
    assert [(i["subject"], i["account"], i["username"]) for i in items] == [
        ("Contoso stand-up", "main", fake.signed_in_user.upn),
        ("Fabrikam review", "fabrikam", alex.upn),
        ("Contoso planning", "main", fake.signed_in_user.upn),
    ]
    # Each calendar was read with its own person's token: the fake answers /me by it.
    assert [i["subject"] for i in upcoming("--account", "fabrikam")] == ["Fabrikam review"]
    assert [i["subject"] for i in upcoming("--account", "main")] == [
        "Contoso stand-up", "Contoso planning",
    ]  # fmt: skip
    text = run_cli("upcoming", env=NO_DISPLAY)
    assert text.returncode == 0, text.stderr
    assert "[Fabrikam]" in text.stdout  # each meeting says whose calendar it is on
    assert text.stdout.index("Contoso stand-up") < text.stdout.index("Fabrikam review")


def test_one_account_failing_leaves_the_others_and_says_which(
    calendars: FakeMicrosoft365,
) -> None:
    fake = calendars
    login("fabrikam")
    alex = fake.tenant("fabrikam").person
    assert alex is not None
    fake.revoke_refresh_tokens(user=alex)
    fake.expire_access_tokens(user=alex)
    done = run_cli("upcoming", "--json", env=NO_DISPLAY)
    assert done.returncode == ExitCode.OK, done.stderr
    assert [i["subject"] for i in json.loads(done.stdout)] == [
        "Contoso stand-up", "Contoso planning",
    ]  # fmt: skip
    assert "meettray: Fabrikam: " in done.stderr


def test_join_next_is_the_first_meeting_on_any_account(
    calendars: FakeMicrosoft365, tmp_path: Path
) -> None:
    fake = calendars
    login("fabrikam")
    alex = fake.tenant("fabrikam").person
    assert alex is not None
    first = fake.calendar.add(alex, "Fabrikam incident", soon(-5), 30)
    opened = tmp_path / "opened"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {opened}\n')
    browser.chmod(0o755)
    done = run_cli("join", "--next", env={**NO_DISPLAY, "BROWSER": str(browser)})
    assert done.returncode == ExitCode.OK, done.stderr
    assert opened.read_text() == first.join_url
