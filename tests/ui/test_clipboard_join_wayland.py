"""Join the meeting on the clipboard on a real Wayland compositor (headless sway), the tray
on Qt's native Wayland, picked from its StatusNotifierItem menu as a panel sends it.

A tray never has the keyboard (the panel draws its menu), so the compositor never tells it
of a new clipboard: Qt's read would be stale.  The tray reads it with wl-paste instead.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from meettray.demo.fake365 import FakeMicrosoft365

from ..conftest import wait_for
from .test_tray_wayland import FakeStatusNotifierWatcher, start_tray, sway
from .test_tray_x11 import browser_log

__all__ = ["browser_log", "start_tray", "sway"]  # fixtures, used by name

LINK = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_Zm9v%40thread.v2/0?context=%7b%7d"


def wl_copy(display: str, text: str) -> None:
    subprocess.run(["wl-copy"], input=text.encode(), timeout=10, check=True,
                   env={**os.environ, "WAYLAND_DISPLAY": display})  # fmt: skip


def menu_item(watcher: FakeStatusNotifierWatcher, label: str) -> int:
    """The id of the entry ``label`` (its mnemonic as DBusMenu writes it) in the item's menu."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    menu = DBusAddress("/MenuBar", bus_name=watcher.items[0], interface="com.canonical.dbusmenu")
    panel = open_dbus_connection(bus=watcher.address)
    try:
        reply = panel.send_and_get_reply(
            new_method_call(menu, "GetLayout", "iias", (0, -1, ["label"])), timeout=10
        )
    finally:
        panel.close()
    _revision, (_root, _props, children) = reply.body
    labels: dict[str, int] = {}
    for _signature, (item, props, _sub) in children:
        if "label" in props:
            labels[props["label"][1]] = item
    return labels[label]


def click(watcher: FakeStatusNotifierWatcher, item: int) -> None:
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    menu = DBusAddress("/MenuBar", bus_name=watcher.items[0], interface="com.canonical.dbusmenu")
    panel = open_dbus_connection(bus=watcher.address)
    try:
        event: Any = new_method_call(menu, "Event", "isvu", (item, "clicked", ("s", ""), 0))
        panel.send_and_get_reply(event, timeout=10)
    finally:
        panel.close()


def test_the_status_notifier_menu_joins_the_link_on_the_wayland_clipboard(
    browser_log: Path, sway: str, start_tray: object, fake: FakeMicrosoft365, user_dirs: Path
) -> None:
    pytest.importorskip("jeepney", reason="jeepney is the Linux D-Bus client")
    from ..dbus_service import private_bus

    with private_bus() as address:
        watcher = FakeStatusNotifierWatcher(address)
        try:
            start_tray(DBUS_SESSION_BUS_ADDRESS=address)  # type: ignore[operator]
            assert wait_for(lambda: bool(watcher.items), timeout=20)
            join = menu_item(watcher, "_Join the meeting on the clipboard")

            wl_copy(sway, "https://teams.microsoft.com.evil.example/l/meetup-join/x")
            click(watcher, join)
            log = user_dirs / "state" / "meettray" / "log" / "meettray.log"
            assert wait_for(lambda: "clipboard join refused" in log.read_text(), timeout=20)
            wl_copy(sway, LINK)  # copied after the tray started: Qt never saw it
            click(watcher, join)

            assert wait_for(lambda: browser_log.read_text().split() != [], timeout=20)
            assert [unquote(u) for u in browser_log.read_text().split()] == [unquote(LINK)]
        finally:
            watcher.service.connection.close()
