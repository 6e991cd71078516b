"""A GlobalShortcuts portal on a private D-Bus session bus (jeepney), as strict as the real one.

Like xdg-desktop-portal it answers each call with a Request path built from
the caller's unique name and its ``handle_token``, then sends the
``Response`` signal **to the caller alone**, never as a broadcast; so does
``Activated``.  A client that listens on a second connection hears nothing,
as on a real desktop.

The desktop keeps the assignments per session token, across sessions, as
Plasma and GNOME do.  Two behaviours:

- ``plasma=True`` (Plasma 5.27): the shortcuts given at ``CreateSession`` are
  bound; ``BindShortcuts`` only opens System Settings (counted) and changes
  nothing.
- ``plasma=False`` (xdg-desktop-portal-gnome 47 and the like): only
  ``BindShortcuts`` binds, if the person accepts (``accept``).

``silent=True`` makes it reply to calls but never send a Response.
"""

from __future__ import annotations

import threading
from typing import Any

from jeepney import DBusAddress, HeaderFields, new_error, new_method_return, new_signal

from meettray.hotkeys.portal import PORTAL_PATH, PORTAL_SERVICE, REQUEST, REQUEST_PATH, SHORTCUTS

from ..dbus_service import FakeDBusService

SESSION_PATH = "/org/freedesktop/portal/desktop/session"


class FakePortalService(FakeDBusService):
    def __init__(self, address: str, *, plasma: bool = False) -> None:
        self.plasma = plasma
        self.accept = True
        self.silent = False
        self.settings_opened = 0
        #: The unique name of each call's sender, in order.
        self.callers: list[str] = []
        #: session token -> {shortcut id: trigger description}: the desktop's memory.
        self.assigned: dict[str, dict[str, str]] = {}
        self._sessions: dict[str, tuple[str, str]] = {}  # session path -> (owner, token)
        self._state = threading.Lock()
        super().__init__(address, PORTAL_SERVICE)

    def handle(self, member: str, interface: str, message: Any) -> None:
        caller = str(message.header.fields[HeaderFields.sender])
        self.callers.append(caller)
        if interface == "org.freedesktop.DBus.Properties":
            self.send(new_method_return(message, "v", (("u", 1),)))
        elif member == "CreateSession":
            (options,) = message.body
            token = options["session_handle_token"][1]
            session = f"{SESSION_PATH}/{_sender(caller)}/{token}"
            with self._state:
                self._sessions[session] = (caller, token)
                if self.plasma:
                    given = options.get("shortcuts", ("", []))[1]
                    known = self.assigned.setdefault(token, {})
                    for name, opts in given:
                        known.setdefault(name, _trigger(opts))
            self._answer(message, caller, options, {"session_handle": ("s", session)})
        elif member == "ListShortcuts":
            session, options = message.body
            self._answer(message, caller, options, {"shortcuts": self._listed(session)})
        elif member == "BindShortcuts":
            session, shortcuts, _parent, options = message.body
            code = 0
            with self._state:
                token = self._sessions[session][1]
                if self.plasma:
                    self.settings_opened += 1  # and binds nothing
                elif self.accept:
                    known = self.assigned.setdefault(token, {})
                    for name, opts in shortcuts:
                        known[name] = _trigger(opts)
                else:
                    code = 1  # the person cancelled the dialog
            self._answer(message, caller, options, {"shortcuts": self._listed(session)}, code)
        else:
            self.send(new_error(message, "org.freedesktop.DBus.Error.UnknownMethod"))

    def _listed(self, session: str) -> tuple[str, list[Any]]:
        token = self._sessions[session][1]
        entries = [
            (name, {"description": ("s", name), "trigger_description": ("s", trigger)})
            for name, trigger in self.assigned.get(token, {}).items()
        ]
        return ("a(sa{sv})", entries)

    def _answer(
        self, call: Any, caller: str, options: dict[str, Any], results: dict[str, Any],
        code: int = 0,
    ) -> None:  # fmt: skip
        path = f"{REQUEST_PATH}/{_sender(caller)}/{options['handle_token'][1]}"
        self.send(new_method_return(call, "o", (path,)))
        if self.silent:
            return
        response = new_signal(DBusAddress(path, interface=REQUEST), "Response", "ua{sv}",
                              (code, results))  # fmt: skip
        response.header.fields[HeaderFields.destination] = caller  # to the caller alone
        self.send(response)

    def press(self, shortcut_id: str) -> None:
        """As if the person pressed the shortcut's keys: Activated to each session's owner."""
        with self._state:
            sessions = list(self._sessions.items())
        for session, (owner, _token) in sessions:
            activated = new_signal(DBusAddress(PORTAL_PATH, interface=SHORTCUTS), "Activated",
                                   "osta{sv}", (session, shortcut_id, 0, {}))  # fmt: skip
            activated.header.fields[HeaderFields.destination] = owner
            self.send(activated)


def _sender(unique_name: str) -> str:
    return unique_name.lstrip(":").replace(".", "_")


def _trigger(options: dict[str, Any]) -> str:
    """The desktop's description of the trigger it gave: here, the one preferred."""
    preferred = options.get("preferred_trigger", ("s", ""))[1]
    return "+".join(part.capitalize() if len(part) > 1 else part.upper()
                    for part in preferred.split("+"))  # fmt: skip
