"""``meettray open-link``: a meettray:// link followed with no tray running (cold), as a
real process against the demo."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from meettray.errors import ExitCode

from .conftest import run_cli

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}


def history() -> list[dict[str, object]]:
    done = run_cli("--demo", "history", "--json", env=NO_DISPLAY)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def test_a_now_link_cold_is_meettray_now_with_the_preset(user_dirs: Path) -> None:
    done = run_cli("--demo", "open-link", "meettray://now?preset=incident", env=NO_DISPLAY)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("https://demo.meettray.invalid/")
    (meeting,) = history()
    assert str(meeting["subject"]).startswith("Incident bridge")
    assert meeting["join_url"] == done.stdout.strip()


def test_a_second_link_within_5_s_makes_nothing(user_dirs: Path) -> None:
    first = run_cli("--demo", "open-link", "meettray://now", env=NO_DISPLAY)
    assert first.returncode == 0, first.stderr
    second = run_cli("--demo", "open-link", "meettray://now?subject=Again", env=NO_DISPLAY)
    assert second.returncode == ExitCode.USAGE
    assert "less than 5 s ago" in second.stderr
    assert second.stdout == ""
    assert len(history()) == 1


@pytest.mark.posix
def test_the_stamp_is_private(user_dirs: Path) -> None:
    run_cli("--demo", "open-link", "meettray://now", env=NO_DISPLAY)
    stamp = Path(os.environ["XDG_RUNTIME_DIR"]) / "meettray" / "last-link-meeting"
    assert stat.S_IMODE(stamp.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("link", "said"),
    [
        ("meettray://format-disk", "'format-disk' is not an action"),
        ("meettray://now?preset=nosuch", "there is no preset 'nosuch'"),
        ("meettray://now?colour=red", "'colour' is not a parameter of 'now'"),
        ("meettray://join/next", "upcoming-meetings"),
        ("meettray://join?url=https%3A%2F%2Fevil.example%2F", "evil.example"),
    ],
)
def test_a_refused_link_makes_nothing_and_says_so(user_dirs: Path, link: str, said: str) -> None:
    done = run_cli("--demo", "open-link", link, env=NO_DISPLAY)
    assert done.returncode == ExitCode.USAGE
    assert said in done.stderr
    assert done.stdout == ""
    assert history() == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="notify-send: Linux desktops")
def test_a_refusal_cold_is_a_desktop_notification(user_dirs: Path, tmp_path: Path) -> None:
    """Whoever clicked a link has no terminal: notify-send says what was refused."""
    bin_dir, said = tmp_path / "bin", tmp_path / "notified"
    bin_dir.mkdir()
    fake = bin_dir / "notify-send"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {said}\n')
    fake.chmod(0o755)
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    done = run_cli("--demo", "open-link", "meettray://now?%3Cb%3Ex%3C%2Fb%3E=1",
                   env={**NO_DISPLAY, "PATH": path})  # fmt: skip
    assert done.returncode == ExitCode.USAGE
    app, title, body = said.read_text().splitlines()
    assert (app, title) == ("--app-name=meettray", "meettray link refused")
    assert "a parameter with an unusual name is not a parameter of 'now'" in body
    assert "<b>" not in body


@pytest.mark.posix
def test_a_join_link_cold_opens_the_teams_link_in_the_browser(
    user_dirs: Path, tmp_path: Path
) -> None:
    opened = tmp_path / "opened"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {opened}\n')
    browser.chmod(0o755)
    teams = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0"
    link = "meettray://join?url=" + teams.replace("%", "%25").replace(":", "%3A")
    done = run_cli("--demo", "open-link", link, env={**NO_DISPLAY, "BROWSER": f"{browser} %s"})
    assert done.returncode == 0, done.stderr
    assert opened.read_text() == teams
