"""Where the desktop shows the tray's title: a StatusNotifierItem host (Plasma, the GNOME
AppIndicator extension, waybar) reads the item's D-Bus properties.  The next meeting and
its start are in ``ToolTip``'s title, which hosts show on hover (Plasma also in its list
of hidden items' tooltips); ``Title`` is Qt's, the application name, and stays so.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from meettray.demo.fake365 import FakeMicrosoft365

from ..conftest import run_cli, wait_for
from .test_tray_wayland import FakeStatusNotifierWatcher, start_tray, sway, watched_tray

__all__ = ["start_tray", "sway"]  # fixtures, used by name


def item_property(watcher: FakeStatusNotifierWatcher, name: str) -> Any:
    reply = watcher.call_item("Get", "ss", ("org.kde.StatusNotifierItem", name),
                              interface="org.freedesktop.DBus.Properties")  # fmt: skip
    ((_signature, value),) = reply.body
    return value


def test_the_items_tooltip_title_names_the_next_meeting_and_its_start(
    sway: str, start_tray: object, fake: FakeMicrosoft365, config_file: Path
) -> None:
    granted = run_cli("login", "--device-code", "--calendar",
                      env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})  # fmt: skip
    assert granted.returncode == 0, granted.stderr
    config_file.write_text(config_file.read_text() + "[calendar]\nupcoming = true\n")
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    fake.calendar.add(fake.signed_in_user, "Design review", now + timedelta(minutes=30), 30)
    start = f"{(now + timedelta(minutes=30)).astimezone():%H:%M}"

    with watched_tray(start_tray) as watcher:

        def title() -> str:
            _icon, _images, tooltip_title, _subtitle = item_property(watcher, "ToolTip")
            return str(tooltip_title)

        assert wait_for(lambda: "next:" in title(), timeout=30), title()
        assert title().startswith(f"meettray: next: Design review at {start} (in ")
        assert item_property(watcher, "Title") == "meettray"  # Qt's: the application name
