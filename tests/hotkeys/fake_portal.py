"""A private D-Bus session bus with a fake GlobalShortcuts portal on it (jeepney).

It answers CreateSession and BindShortcuts like xdg-desktop-portal does —
a Request path in the reply, then a Response signal on that path — records
what it was asked, and can emit Activated as if the person pressed a key.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jeepney import DBusAddress, MessageType, message_bus, new_method_return, new_signal
from jeepney.io.blocking import open_dbus_connection

from meettray.hotkeys.portal import PORTAL_PATH, PORTAL_SERVICE, REQUEST, SHORTCUTS


class FakePortalService:
    def __init__(self, address: str) -> None:
        self.connection = open_dbus_connection(bus=address)
        self.connection.send_and_get_reply(message_bus.RequestName(PORTAL_SERVICE), timeout=5)
        self.calls: list[tuple[str, Any]] = []
        self.session = "/org/freedesktop/portal/desktop/session/1_1/meettray"
        self.accept = True
        self._count = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                message = self.connection.receive()
            except (OSError, ValueError):
                return
            if message.header.message_type != MessageType.method_call:
                continue
            member = message.header.fields.get(3)  # HeaderFields.member
            interface = message.header.fields.get(2)  # HeaderFields.interface
            with self._lock:
                self.calls.append((str(member), message.body))
            if interface == "org.freedesktop.DBus.Properties":
                self._send(new_method_return(message, "v", (("u", 1),)))
            elif member == "CreateSession":
                self._answer(message, {"session_handle": ("s", self.session)})
            elif member == "BindShortcuts":
                _session, shortcuts, _parent, _options = message.body
                bound = [
                    (name, {"trigger_description": ("s", options["preferred_trigger"][1])})
                    for name, options in shortcuts
                ]
                self._answer(message, {"shortcuts": ("a(sa{sv})", bound)})

    def _answer(self, call: Any, results: dict[str, Any]) -> None:
        self._count += 1
        path = f"/org/freedesktop/portal/desktop/request/1_1/t{self._count}"
        self._send(new_method_return(call, "o", (path,)))
        code = 0 if self.accept else 1
        self._send(
            new_signal(DBusAddress(path, interface=REQUEST), "Response", "ua{sv}", (code, results))
        )

    def _send(self, message: Any) -> None:
        self.connection.send(message)

    def press(self, shortcut_id: str) -> None:
        """As if the person pressed the shortcut's keys."""
        self._send(
            new_signal(
                DBusAddress(PORTAL_PATH, interface=SHORTCUTS),
                "Activated",
                "osta{sv}",
                (self.session, shortcut_id, 0, {}),
            )
        )


@contextmanager
def private_bus() -> Iterator[str]:
    """A dbus-daemon of our own; yields its address."""
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    try:
        yield address
    finally:
        daemon.terminate()
        daemon.wait(10)
        daemon.stdout.close()
