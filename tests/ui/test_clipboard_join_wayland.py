"""Join the meeting on the clipboard on a real Wayland compositor (headless sway), the tray
on Qt's native Wayland, picked from its StatusNotifierItem menu as a panel sends it.

A tray never has the keyboard (the panel draws its menu), so the compositor never tells it
of a new clipboard: Qt's read would be stale.  The tray reads it with wl-paste instead.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import unquote

from meettray.demo.fake365 import FakeMicrosoft365

from ..conftest import wait_for
from .test_tray_wayland import FakeStatusNotifierWatcher, start_tray, sway, watched_tray
from .test_tray_x11 import browser_log

__all__ = ["browser_log", "start_tray", "sway"]  # fixtures, used by name

#: The tray item's menu, as DBusMenu serves it.
MENU = {"path": "/MenuBar", "interface": "com.canonical.dbusmenu"}
LINK = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_Zm9v%40thread.v2/0?context=%7b%7d"


def wl_copy(display: str, text: str) -> None:
    subprocess.run(["wl-copy"], input=text.encode(), timeout=10, check=True,
                   env={**os.environ, "WAYLAND_DISPLAY": display})  # fmt: skip


def menu_item(watcher: FakeStatusNotifierWatcher, label: str) -> int:
    """The id of the entry ``label`` (its mnemonic as DBusMenu writes it) in the item's menu."""
    reply = watcher.call_item("GetLayout", "iias", (0, -1, ["label"]), **MENU)
    _revision, (_root, _props, children) = reply.body
    labels = {props["label"][1]: item for _sig, (item, props, _sub) in children if "label" in props}
    return int(labels[label])


def test_the_status_notifier_menu_joins_the_link_on_the_wayland_clipboard(
    browser_log: Path, sway: str, start_tray: object, fake: FakeMicrosoft365, user_dirs: Path
) -> None:
    with watched_tray(start_tray) as watcher:
        join = menu_item(watcher, "_Join the meeting on the clipboard")
        clicked = (join, "clicked", ("s", ""), 0)

        wl_copy(sway, "https://teams.microsoft.com.evil.example/l/meetup-join/x")
        watcher.call_item("Event", "isvu", clicked, **MENU)
        log = user_dirs / "state" / "meettray" / "log" / "meettray.log"
        assert wait_for(lambda: "clipboard join refused" in log.read_text(), timeout=20)
        wl_copy(sway, LINK)  # copied after the tray started: Qt never saw it
        watcher.call_item("Event", "isvu", clicked, **MENU)

        assert wait_for(lambda: browser_log.read_text().split() != [], timeout=20)
        assert [unquote(u) for u in browser_log.read_text().split()] == [unquote(LINK)]
