"""Wayland global hotkeys through the XDG desktop portal's GlobalShortcuts interface.

Flow: ``CreateSession`` → (Response: ``session_handle``) → ``BindShortcuts``
with each action's preferred trigger → (Response: the shortcuts the desktop
accepted, possibly after asking the person) → ``Activated`` signals.  The
answers are asynchronous, so failures are reported through
``registration_failed``.  The D-Bus calls sit behind :class:`PortalBus`;
:class:`JeepneyPortalBus` implements them.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject

from meettray.hotkeys.base import HotkeyBackend
from meettray.hotkeys.keys import Hotkey, portal_trigger

log = logging.getLogger(__name__)

PORTAL_SERVICE = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
SHORTCUTS = "org.freedesktop.portal.GlobalShortcuts"
REQUEST = "org.freedesktop.portal.Request"

DESCRIPTIONS = {
    "meet_now": "Create a Teams meeting and copy its link",
    "copy_last": "Copy the most recent meeting link again",
}

Response = Callable[[int, dict[str, Any]], None]


class PortalBus(Protocol):
    def available(self) -> bool: ...

    def create_session(self, handle_token: str, session_token: str) -> str:
        """Call CreateSession; returns the Request object path."""
        ...

    def bind_shortcuts(
        self, session: str, shortcuts: list[tuple[str, dict[str, str]]], handle_token: str
    ) -> str:
        """Call BindShortcuts; returns the Request object path."""
        ...

    def on_response(self, request_path: str, callback: Response) -> None: ...

    def on_activated(self, callback: Callable[[str, str], None]) -> None: ...

    def close(self) -> None: ...


class PortalBackend(HotkeyBackend):
    name = "portal"

    def __init__(self, bus: PortalBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bus = bus
        self._session: str | None = None
        self._creating = False
        self._wanted: dict[str, Hotkey] = {}
        bus.on_activated(self._activated)

    def register(self, action: str, hotkey: Hotkey) -> None:
        self._wanted[action] = hotkey
        self._sync()

    def unregister(self, action: str) -> None:
        # Portal v1 cannot unbind; a shortcut no longer wanted is simply ignored.
        self._wanted.pop(action, None)

    def close(self) -> None:
        self._wanted.clear()
        self._bus.close()

    def _sync(self) -> None:
        if self._session is None:
            if not self._creating:
                self._creating = True
                path = self._bus.create_session(_token(), _token())
                self._bus.on_response(path, self._session_created)
            return
        shortcuts = [
            (action, {"description": DESCRIPTIONS.get(action, action),
                      "preferred_trigger": portal_trigger(hotkey)})
            for action, hotkey in self._wanted.items()
        ]  # fmt: skip
        path = self._bus.bind_shortcuts(self._session, shortcuts, _token())
        self._bus.on_response(path, self._bound)

    def _session_created(self, code: int, results: dict[str, Any]) -> None:
        self._creating = False
        session = results.get("session_handle")
        if code != 0 or not session:
            self._fail_all("The desktop did not open a global-shortcuts session.")
            return
        self._session = str(session)
        if self._wanted:
            self._sync()

    def _bound(self, code: int, results: dict[str, Any]) -> None:
        if code != 0:
            self._fail_all("The shortcut was not confirmed in the desktop's dialog.")
            return
        accepted = {str(entry[0]) for entry in results.get("shortcuts", [])}
        for action, hotkey in self._wanted.items():
            if action not in accepted:
                self.registration_failed.emit(
                    action, f"The desktop did not accept {hotkey.portable()}."
                )

    def _fail_all(self, message: str) -> None:
        for action in self._wanted:
            self.registration_failed.emit(action, message)

    def _activated(self, session: str, shortcut_id: str) -> None:
        if session == self._session and shortcut_id in self._wanted:
            self.activated.emit(shortcut_id)


def _token() -> str:
    return "meettray_" + secrets.token_hex(6)


def open_portal_bus(address: str = "SESSION") -> PortalBus | None:
    """The session bus's GlobalShortcuts portal, or ``None`` where there is none."""
    try:
        bus = JeepneyPortalBus(address)
    except (OSError, KeyError, ValueError) as exc:  # no session bus (address missing/unusable)
        log.info("no D-Bus session bus: %s", exc)
        return None
    if bus.available():
        return bus
    bus.close()
    return None


def _unwrap(results: dict[str, Any]) -> dict[str, Any]:
    """An a{sv} from jeepney has (signature, value) pairs as values: keep the values.

    Only this level holds variants; unwrapping deeper would mistake the
    portal's (id, options) structs for variants.
    """
    return {key: value[1] for key, value in results.items()}


class JeepneyPortalBus(QObject):
    """:class:`PortalBus` over jeepney: calls on one connection, signals read on another.

    Signals arrive on the GUI thread (:class:`~meettray.platform.dbus.SignalListener`),
    so callbacks run there.
    """

    def __init__(self, address: str = "SESSION") -> None:
        super().__init__()
        from jeepney import DBusAddress, MatchRule
        from jeepney.io.blocking import open_dbus_connection

        from meettray.platform.dbus import SignalListener, subscribe

        self._portal = DBusAddress(PORTAL_PATH, bus_name=PORTAL_SERVICE, interface=SHORTCUTS)
        self._calls = open_dbus_connection(bus=address)
        rules = [
            MatchRule(type="signal", interface=REQUEST, member="Response"),
            MatchRule(type="signal", interface=SHORTCUTS, member="Activated"),
        ]
        self._signals = SignalListener(subscribe(rules, address=address), name="portal")
        self._responses: dict[str, Response] = {}
        self._activated: Callable[[str, str], None] | None = None
        self._signals.received.connect(self._dispatch)

    def available(self) -> bool:
        """Whether a portal with the GlobalShortcuts interface answers on this bus."""
        from jeepney import MessageType, Properties

        try:
            reply = self._calls.send_and_get_reply(
                Properties(self._portal).get("version"), timeout=5
            )
        except (TimeoutError, OSError):
            return False
        # jeepney returns D-Bus errors (no such service or interface) as messages.
        return bool(reply.header.message_type != MessageType.error)

    def _call(self, method: str, signature: str, body: tuple[Any, ...]) -> str:
        from jeepney import new_method_call

        reply = self._calls.send_and_get_reply(
            new_method_call(self._portal, method, signature, body), timeout=10
        )
        return str(reply.body[0])

    def create_session(self, handle_token: str, session_token: str) -> str:
        options = {
            "handle_token": ("s", handle_token),
            "session_handle_token": ("s", session_token),
        }
        return self._call("CreateSession", "a{sv}", (options,))

    def bind_shortcuts(
        self, session: str, shortcuts: list[tuple[str, dict[str, str]]], handle_token: str
    ) -> str:
        wire = [(name, {k: ("s", v) for k, v in options.items()}) for name, options in shortcuts]
        return self._call(
            "BindShortcuts",
            "oa(sa{sv})sa{sv}",
            (session, wire, "", {"handle_token": ("s", handle_token)}),
        )

    def on_response(self, request_path: str, callback: Response) -> None:
        self._responses[request_path] = callback

    def on_activated(self, callback: Callable[[str, str], None]) -> None:
        self._activated = callback

    def _dispatch(self, message: Any) -> None:
        from jeepney import HeaderFields

        fields = message.header.fields
        member = fields.get(HeaderFields.member)
        path = str(fields.get(HeaderFields.path, ""))
        if member == "Response":
            callback = self._responses.pop(path, None)
            if callback is not None:
                code, results = message.body
                callback(int(code), _unwrap(results))
        elif member == "Activated" and self._activated is not None:
            session, shortcut_id = message.body[:2]
            self._activated(str(session), str(shortcut_id))

    def close(self) -> None:
        self._signals.close()
        self._calls.close()
