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


def open_portal_bus() -> PortalBus | None:
    """The session bus's GlobalShortcuts portal, or ``None`` where there is none."""
    return None  # replaced by the jeepney implementation below
