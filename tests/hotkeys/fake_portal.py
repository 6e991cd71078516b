"""A private D-Bus session bus with a fake GlobalShortcuts portal on it (jeepney).

It answers CreateSession and BindShortcuts like xdg-desktop-portal does —
a Request path in the reply, then a Response signal on that path — records
what it was asked, and can emit Activated as if the person pressed a key.
"""

from __future__ import annotations

from typing import Any

from jeepney import DBusAddress, new_method_return, new_signal

from meettray.hotkeys.portal import PORTAL_PATH, PORTAL_SERVICE, REQUEST, SHORTCUTS

from ..dbus_service import FakeDBusService


class FakePortalService(FakeDBusService):
    def __init__(self, address: str) -> None:
        self.session = "/org/freedesktop/portal/desktop/session/1_1/meettray"
        self.accept = True
        self._count = 0
        super().__init__(address, PORTAL_SERVICE)

    def handle(self, member: str, interface: str, message: Any) -> None:
        if interface == "org.freedesktop.DBus.Properties":
            self.send(new_method_return(message, "v", (("u", 1),)))
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
        self.send(new_method_return(call, "o", (path,)))
        code = 0 if self.accept else 1
        self.send(
            new_signal(DBusAddress(path, interface=REQUEST), "Response", "ua{sv}", (code, results))
        )

    def press(self, shortcut_id: str) -> None:
        """As if the person pressed the shortcut's keys."""
        self.send(
            new_signal(
                DBusAddress(PORTAL_PATH, interface=SHORTCUTS),
                "Activated",
                "osta{sv}",
                (self.session, shortcut_id, 0, {}),
            )
        )
