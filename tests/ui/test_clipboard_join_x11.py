"""The real tray app on a real X server: "Join the meeting on the clipboard" from its menu,
with the link copied by another program (the X11 selection read by Qt, as in use)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

from meettray.demo.fake365 import FakeMicrosoft365

from ..conftest import run_cli, wait_for
from ..xserver import find_tray_icon, keys, open_tray_menu
from .test_tray_x11 import browser_log, copy_elsewhere, tray, tray_answers

pytestmark = pytest.mark.x11

__all__ = ["browser_log", "tray"]  # fixtures, used by name

#: Meet now, Meet now as, Schedule…, Recent, History…, Join the meeting on the clipboard.
JOIN_CLIPBOARD = ["Down"] * 6


def join_from_menu(display: str) -> None:
    open_tray_menu(display)
    keys(display, *JOIN_CLIPBOARD, "Return")


def test_the_menu_joins_the_link_another_program_copied(
    browser_log: Path, desktop: str, tray: subprocess.Popen[str], fake: FakeMicrosoft365
) -> None:  # browser_log first: the tray takes BROWSER from the environment it starts in
    find_tray_icon(desktop)
    assert wait_for(tray_answers)
    assert run_cli("now", env={"DISPLAY": desktop}).returncode == 0  # Recent has an entry
    (made,) = fake.meetings.values()

    copy_elsewhere(desktop, "https://teams.microsoft.com.evil.example/l/meetup-join/x")
    join_from_menu(desktop)
    time.sleep(1.0)  # the refusal is a notice; the browser must not have been called
    copy_elsewhere(desktop, f"{made['joinWebUrl']}\n")
    join_from_menu(desktop)

    assert wait_for(lambda: browser_log.read_text().split() != [])
    # Qt's opener writes %3a as %3A; the look-alike was never opened.
    assert [unquote(url) for url in browser_log.read_text().split()] == [
        unquote(made["joinWebUrl"])
    ]
