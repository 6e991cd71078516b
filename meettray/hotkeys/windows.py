"""Windows global hotkeys: ``RegisterHotKey``, with ``WM_HOTKEY`` read by a Qt native event filter.

The hotkeys belong to the GUI thread (no window handle), so Windows posts
``WM_HOTKEY`` to that thread's queue, which Qt's dispatcher hands to native
event filters.  The user32 calls sit behind :class:`User32`, so the logic
around them is tested on any OS.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from PySide6.QtCore import QAbstractNativeEventFilter, QCoreApplication, QObject

from meettray.hotkeys.base import HotkeyBackend, HotkeyError
from meettray.hotkeys.keys import (
    Hotkey,
    taken_by_another,
    windows_modifiers,
    windows_virtual_key,
)
from meettray.i18n import _

log = logging.getLogger(__name__)

WM_HOTKEY = 0x0312
ERROR_HOTKEY_ALREADY_REGISTERED = 1409


class HotkeyApi(Protocol):
    def register(self, hotkey_id: int, modifiers: int, virtual_key: int) -> int:
        """0 on success, else the Windows error code."""
        ...

    def unregister(self, hotkey_id: int) -> None: ...


class User32:  # pragma: no cover - needs Windows
    """The real user32 calls (ctypes; no extra dependency)."""

    def __init__(self) -> None:
        import ctypes

        self._ctypes = ctypes
        self._user32 = ctypes.WinDLL("user32", use_last_error=True)  # type: ignore[attr-defined]

    def register(self, hotkey_id: int, modifiers: int, virtual_key: int) -> int:
        if self._user32.RegisterHotKey(None, hotkey_id, modifiers, virtual_key):
            return 0
        return int(self._ctypes.get_last_error())  # type: ignore[attr-defined]

    def unregister(self, hotkey_id: int) -> None:
        self._user32.UnregisterHotKey(None, hotkey_id)


class _Filter(QAbstractNativeEventFilter):
    def __init__(self, backend: WindowsBackend) -> None:
        super().__init__()
        self._backend = backend

    def nativeEventFilter(self, event_type: Any, message: Any) -> Any:
        # Thread messages arrive as "windows_dispatcher_MSG", window ones as "windows_generic_MSG".
        if bytes(event_type) in (b"windows_generic_MSG", b"windows_dispatcher_MSG"):
            msg = _read_msg(int(message))
            if msg is not None and self._backend.handle_message(*msg):
                return True, 0
        return False, 0


def _read_msg(address: int) -> tuple[int, int] | None:  # pragma: no cover - needs Windows
    from ctypes import wintypes

    msg = wintypes.MSG.from_address(address)
    return int(msg.message), int(msg.wParam)


class WindowsBackend(HotkeyBackend):
    name = "windows"

    def __init__(self, api: HotkeyApi | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api if api is not None else User32()
        self._ids: dict[str, int] = {}
        self._next_id = 1
        self._filter = _Filter(self)
        app = QCoreApplication.instance()
        if app is not None:
            app.installNativeEventFilter(self._filter)

    def register(self, action: str, hotkey: Hotkey) -> None:
        self.unregister(action)
        hotkey_id = self._next_id
        self._next_id += 1
        failure = self._api.register(
            hotkey_id, windows_modifiers(hotkey), windows_virtual_key(hotkey)
        )
        if failure == ERROR_HOTKEY_ALREADY_REGISTERED:
            raise HotkeyError(taken_by_another(hotkey))
        if failure:
            raise HotkeyError(
                _("Windows refused the hotkey {hotkey} (error {code}).").format(
                    hotkey=hotkey.portable(), code=failure
                )
            )
        self._ids[action] = hotkey_id

    def unregister(self, action: str) -> None:
        hotkey_id = self._ids.pop(action, None)
        if hotkey_id is not None:
            self._api.unregister(hotkey_id)

    def close(self) -> None:
        for action in list(self._ids):
            self.unregister(action)
        app = QCoreApplication.instance()
        if app is not None:
            app.removeNativeEventFilter(self._filter)

    def handle_message(self, message: int, wparam: int) -> bool:
        """True if this was one of our ``WM_HOTKEY`` messages (then it is consumed)."""
        if message != WM_HOTKEY:
            return False
        for action, hotkey_id in self._ids.items():
            if hotkey_id == wparam:
                self.activated.emit(action)
                return True
        return False
