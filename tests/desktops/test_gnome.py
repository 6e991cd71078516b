"""meettray on GNOME as people run it: headless gnome-shell 43 (mutter), Xwayland, and the
AppIndicator extension that Ubuntu switches on at login.

One gnome-shell serves the module; each test starts its own tray.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from meettray.demo.fake365 import FakeMicrosoft365

from ..conftest import run_cli, wait_for
from .conftest import Tray, session_env
from .sessions import Session, gnome, set_appindicator

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="GNOME runs on Linux"),
    pytest.mark.slow,
]

#: A line of meettray's own introspection answer (platform/dbus.py), as no library writes it.
OURS = '<method name="Introspect"><arg name="xml_data" type="s" direction="out"/></method>'
#: What the tray's log must never hold: the "unexpected problem" box comes from these.
BROKEN = ("Traceback", "unexpected problem", " ERROR ")


def _connections_of(session: Session, pid: int) -> list[str]:
    """The unique bus names a process holds."""
    names = re.findall(r'string "(:[0-9.]+)"', session.bus_call("ListNames").stdout)
    return [
        name for name in names
        if re.search(rf"uint32 {pid}\b",
                     session.bus_call("GetConnectionUnixProcessID", f"string:{name}").stdout)
    ]  # fmt: skip


@pytest.fixture(scope="module")
def shell() -> Iterator[Session]:
    with gnome(appindicator=False) as session:
        yield session


def _watched_items(session: Session) -> str:
    """The items the AppIndicator extension's StatusNotifierWatcher holds."""
    watcher = "org.kde.StatusNotifierWatcher"
    get = "org.freedesktop.DBus.Properties.Get"
    items = "string:RegisteredStatusNotifierItems"
    return session.call(watcher, "/StatusNotifierWatcher", get, f"string:{watcher}", items).stdout


def test_the_extension_switched_on_at_login_docks_the_tray_and_shows_no_error(
    shell: Session, tray: Callable[[Session], Tray]
) -> None:
    """GNOME enables the extension after meettray started (login, unlock): it introspects
    every bus name; meettray used to take that for a signal and show an error box."""
    set_appindicator(shell, False)
    running = tray(shell)
    assert wait_for(lambda: "window ready" in running.text(), timeout=5)  # no tray: a window

    set_appindicator(shell, True)

    assert wait_for(lambda: "tray ready" in running.text(), timeout=20), running.text()[-2000:]
    assert wait_for(lambda: "StatusNotifierItem" in _watched_items(shell), timeout=10)
    # What the extension does to every name on the bus: each of ours answers at once.
    assert running.process is not None
    names = _connections_of(shell, running.process.pid)
    ours_answered = 0
    for name in names:
        introspected = shell.call(
            name, "/", "org.freedesktop.DBus.Introspectable.Introspect", timeout_ms=2000
        )
        ours_answered += OURS in introspected.stdout
    # The notifier's connection and the portal's.  (The process holds others that are
    # not meettray's: QtDBus's answers with an error; one that GTK's accessibility
    # bridge opens through libdbus, with the gtk3 platform theme, does not answer.)
    assert ours_answered == 2
    assert not [word for word in BROKEN if word in running.text()], running.text()[-3000:]
    assert running.process.poll() is None  # still running


def _xclip(session: Session) -> str:
    """The clipboard as an X11 program (XWayland) reads it."""
    pasted = subprocess.run(["xclip", "-selection", "clipboard", "-o"], env=session_env(session),
                            capture_output=True, text=True, timeout=10, check=False)  # fmt: skip
    return pasted.stdout


def test_now_and_a_click_land_on_the_clipboard_through_xwayland(
    shell: Session, tray: Callable[[Session], Tray], fake: FakeMicrosoft365
) -> None:
    """mutter has no data-control: wl-copy would wait for focus.  The tray copies
    through the X11 clipboard, which Xwayland shares with Wayland clients."""
    assert "DISPLAY" in shell.env, "gnome-shell announced no Xwayland display"
    set_appindicator(shell, True)
    running = tray(shell)

    now = run_cli("now", env=session_env(shell))

    assert now.returncode == 0, now.stderr
    (meeting,) = fake.meetings.values()
    assert "Copied to the clipboard by the running meettray." in now.stderr
    assert _xclip(shell) == meeting["joinWebUrl"]
    # A click on the icon in the top bar: the extension calls the item's Activate.
    item = re.search(r'string "(:[0-9.]+)@(/[^"]+)"', _watched_items(shell))
    assert item is not None, _watched_items(shell)
    clicked = shell.call(item.group(1), item.group(2), "org.kde.StatusNotifierItem.Activate",
                         "int32:0", "int32:0")  # fmt: skip
    assert clicked.returncode == 0, clicked.stderr
    assert wait_for(lambda: len(fake.meetings) == 2, timeout=20)
    second = next(m for m in fake.meetings.values() if m is not meeting)
    assert wait_for(lambda: _xclip(shell) == second["joinWebUrl"], timeout=10)
    assert "notifications: the desktop's notification server" in running.text()  # gnome-shell
    assert wait_for(lambda: re.search(r"notification \d+ shown", running.text()), timeout=5)
    assert not [word for word in BROKEN if word in running.text()]


def test_doctor_says_the_hotkey_is_not_bound_and_what_to_do(
    shell: Session, tray: Callable[[Session], Tray]
) -> None:
    """GNOME 43 has no GlobalShortcuts portal: doctor said "works everywhere"."""
    set_appindicator(shell, True)
    running = tray(shell)
    assert wait_for(lambda: "hotkey for meet_now unavailable" in running.text(), timeout=20)

    doctor = run_cli("doctor", env=session_env(shell))

    line = next(line for line in doctor.stdout.splitlines() if "Hotkey (meet_now" in line)
    assert line.startswith("!"), doctor.stdout  # a warning, never a ✓
    assert "works everywhere" not in doctor.stdout
    assert "Bound by the desktop" not in doctor.stdout
    assert "'meettray now'" in line
    assert "On GNOME, Settings → Global hotkeys adds it for you." in line
