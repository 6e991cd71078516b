"""The real tray app on a real X server: click the icon, read the clipboard, use Recent."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from meettray.demo.fake365 import FakeMicrosoft365

from ..conftest import run_cli, wait_for
from ..xserver import (
    find_tray_icon,
    keys,
    open_tray_menu,
    visible_windows,
    xclip_read,
    xdotool,
)

pytestmark = pytest.mark.x11


@pytest.fixture
def browser_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the tray's "open in Teams" lands: a BROWSER that writes down each address."""
    log = tmp_path / "opened.txt"
    log.touch()
    script = tmp_path / "browser"
    script.write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    script.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(script))
    return log


@pytest.fixture
def tray(
    desktop: str, config_file: Path, fake: FakeMicrosoft365
) -> Iterator[subprocess.Popen[str]]:
    """meettray's tray app, signed in (device code), against the fake."""
    # The unit tests' offscreen platform must not leak into the real app.
    env = {**os.environ, "DISPLAY": desktop, "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": "xcb"}
    assert run_cli("login", "--device-code", env=env).returncode == 0
    app = subprocess.Popen(
        [sys.executable, "-m", "meettray"],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        yield app
    finally:
        if app.poll() is None:
            app.terminate()
        app.communicate(timeout=15)  # also closes the pipes


def tray_answers() -> bool:
    """The icon is shown before the rest starts: the socket answering means the tray is up."""
    from meettray import ipc

    return ipc.ask(ipc.Request("ping"), timeout=5) is not None


def click_icon(display: str) -> None:
    x, y = find_tray_icon(display)
    xdotool(display, "mousemove", str(x), str(y), "click", "1")


def copy_elsewhere(display: str, text: str) -> None:
    subprocess.run(
        ["xclip", "-selection", "clipboard"],
        input=text,
        text=True,
        env={**os.environ, "DISPLAY": display},
        check=True,
        timeout=10,
    )


def test_click_copies_a_link_that_survives_quitting(
    desktop: str, tray: subprocess.Popen[str], fake: FakeMicrosoft365
) -> None:
    find_tray_icon(desktop)
    # Let start-up finish (sign-in cache loaded) so the click is a plain Meet now.
    assert wait_for(lambda: run_cli("history", "--json").returncode == 0)

    click_icon(desktop)

    assert wait_for(lambda: len(fake.meetings) == 1)
    (meeting_id,) = fake.meetings
    link = fake.meetings[meeting_id]["joinWebUrl"]
    assert wait_for(lambda: xclip_read(desktop) == link)
    assert "text/html" in xclip_read(desktop, "TARGETS").split()
    history = run_cli("history", "--json").stdout
    assert meeting_id in history

    # A second 'meettray' does not start a second tray: the running one shows its menu.
    before = visible_windows(desktop)
    second = run_cli(env={"DISPLAY": desktop})
    assert second.returncode == 0
    assert "already running" in second.stderr
    assert wait_for(lambda: visible_windows(desktop) - before)

    # Quit from that menu (keyboard: Up wraps to the last item, Quit).
    time.sleep(0.2)
    keys(desktop, "Up", "Return")
    assert tray.wait(15) == 0
    assert xclip_read(desktop) == link  # still pasteable after the app quit


def test_menu_recent_copies_again_and_cli_uses_the_running_tray(
    desktop: str, tray: subprocess.Popen[str], fake: FakeMicrosoft365
) -> None:
    find_tray_icon(desktop)
    assert wait_for(tray_answers)
    now = run_cli("now", env={"DISPLAY": desktop})
    assert now.returncode == 0, now.stderr
    assert "Copied to the clipboard by the running meettray." in now.stderr
    link = now.stdout.strip()
    assert wait_for(lambda: xclip_read(desktop) == link)

    copy_elsewhere(desktop, "something else")
    assert xclip_read(desktop) == "something else"
    open_tray_menu(desktop)
    # Meet now, Meet now as, Schedule…, Recent → open it, its first meeting, "Copy link".
    keys(desktop, "Down", "Down", "Down", "Down", "Right", "Right", "Return")

    assert wait_for(lambda: xclip_read(desktop) == link)
    assert len(fake.meetings) == 1  # Recent copied; it made no new meeting


def test_a_click_while_the_last_message_shows_makes_a_new_meeting_and_opens_nothing(
    desktop: str, browser_log: Path, tray: subprocess.Popen[str], fake: FakeMicrosoft365
) -> None:
    """Qt's own balloon took such a click for a click on the message: it opened the
    previous meeting in Teams.  meettray's banner is its own window."""
    find_tray_icon(desktop)
    assert wait_for(lambda: run_cli("history", "--json").returncode == 0)
    before = visible_windows(desktop)
    click_icon(desktop)
    assert wait_for(lambda: len(fake.meetings) == 1)
    first = next(iter(fake.meetings.values()))["joinWebUrl"]
    assert wait_for(lambda: xclip_read(desktop) == first)
    assert wait_for(lambda: visible_windows(desktop) - before)  # the message is on screen
    time.sleep(1.0)  # past the double-click guard; the message shows for 6 s

    click_icon(desktop)

    assert wait_for(lambda: len(fake.meetings) == 2)
    second = next(m["joinWebUrl"] for m in fake.meetings.values() if m["joinWebUrl"] != first)
    assert wait_for(lambda: xclip_read(desktop) == second)
    # Ordering, not a wait: open the new meeting from Recent.  A wrong open (of the first
    # meeting, by the click) would have reached BROWSER before this one.
    open_tray_menu(desktop)
    keys(desktop, "Down", "Down", "Down", "Down", "Right", "Right", "Down", "Down", "Return")
    assert wait_for(lambda: browser_log.read_text().strip() != "")
    opened = [unquote(url) for url in browser_log.read_text().split()]
    assert opened == [unquote(second)]  # Qt writes %3A where Graph wrote %3a


def test_the_command_copies_what_the_tray_copies(
    desktop: str, config_file: Path, fake: FakeMicrosoft365
) -> None:
    """Was: 'meettray now' without a tray ignored [ui] clipboard = "details" and copied the
    link alone, while the tray copied the details too."""
    config_file.write_text(config_file.read_text() + '[ui]\nclipboard = "details"\n')
    env = {"DISPLAY": desktop, "WAYLAND_DISPLAY": ""}
    assert run_cli("login", "--device-code", env=env).returncode == 0
    made = run_cli("now", env=env)
    assert made.returncode == 0, made.stderr
    link = made.stdout.strip()
    meeting = next(iter(fake.meetings.values()))
    assert link == meeting["joinWebUrl"]
    copied = xclip_read(desktop)
    assert copied.startswith(link + "\n")
    assert "Meeting ID: " in copied
    assert "Passcode" not in copied  # createOrGet gives none unless asked (live, round 3)


def test_the_icon_still_works_while_a_question_is_open(
    desktop: str, tray: subprocess.Popen[str], fake: FakeMicrosoft365
) -> None:
    """Was: with "Cancel meeting?" open, clicks on the icon gave no meeting, no menu and
    no feedback.  Questions now wait only in their own window."""
    find_tray_icon(desktop)
    assert wait_for(tray_answers)
    assert run_cli("now", env={"DISPLAY": desktop}).returncode == 0
    open_tray_menu(desktop)
    keys(desktop, "Down", "Down", "Down", "Down", "Down", "Return")  # History…
    assert wait_for(lambda: _window(desktop, "History — meettray"))
    time.sleep(0.5)
    # No window manager here gives it the keyboard: focus it as one would.
    xdotool(desktop, "search", "--onlyvisible", "--name", "^History — meettray$",
            "windowfocus", "--sync")  # fmt: skip
    keys(desktop, "Tab", "Down", "space", "alt+m")  # the table, its first row, Cancel…
    assert wait_for(lambda: _window(desktop, "Cancel this meeting?"))

    click_icon(desktop)  # a plain click: Meet now

    assert wait_for(lambda: len(fake.meetings) == 2)
    assert _window(desktop, "Cancel this meeting?")  # the question is still there
    keys(desktop, "Escape")  # No: nothing is cancelled
    assert wait_for(lambda: not _window(desktop, "Cancel this meeting?"))
    assert len(fake.meetings) == 2


def _window(display: str, title: str) -> bool:
    done = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", f"^{re.escape(title)}$"],
        capture_output=True, text=True, env={**os.environ, "DISPLAY": display}, check=False,
    )  # fmt: skip
    return bool(done.stdout.strip())


def test_a_preset_from_the_menu_makes_its_kind_of_meeting(
    desktop: str, tray: subprocess.Popen[str], fake: FakeMicrosoft365
) -> None:
    """Meet now as → Incident bridge: the link is copied, and Teams was told the preset's
    options (the built-in incident bridge records and transcribes)."""
    find_tray_icon(desktop)
    assert wait_for(tray_answers)
    open_tray_menu(desktop)
    keys(desktop, "Down", "Down", "Right", "Down", "Return")  # Meet now as → the second

    assert wait_for(lambda: len(fake.meetings) == 1)
    (meeting,) = fake.meetings.values()
    assert wait_for(lambda: xclip_read(desktop) == meeting["joinWebUrl"])
    assert meeting["subject"].startswith("Incident bridge ")
    assert wait_for(lambda: meeting["recordAutomatically"] is True)  # its PATCH came
    assert meeting["allowTranscription"] is True
    assert meeting["lobbyBypassSettings"]["scope"] == "organization"
