"""X11 global hotkeys: a passive key grab on the root window (python-xlib).

meettray holds its own X connection; its socket is watched by a
``QSocketNotifier``, so no thread waits on it.  Every Caps Lock / Num Lock
variant of the combination is grabbed.  A grab another client already holds
fails with ``BadAccess``, which is reported rather than ignored.  Because the
grab is passive and exclusive, the focused window never sees the keystroke.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier

from meettray.hotkeys.base import HotkeyBackend, HotkeyError
from meettray.hotkeys.keys import (
    X_MOD2,
    Hotkey,
    taken_by_another,
    x11_grab_masks,
    x11_ignored_mask,
    x11_keysym,
    x11_modifiers,
)
from meettray.i18n import _

log = logging.getLogger(__name__)


class X11Backend(HotkeyBackend):
    name = "x11"

    def __init__(self, display_name: str | None = None, parent: QObject | None = None) -> None:
        # python-xlib is a Linux-only dependency: imported here, so that this module
        # imports on Windows and macOS (the wheel's import-everything test, CI's matrix).
        from Xlib import display as xdisplay

        super().__init__(parent)
        self._display: Any = xdisplay.Display(display_name)
        self._root = self._display.screen().root
        self._numlock = self._numlock_mask()
        self._ignored = x11_ignored_mask(self._numlock)
        self._grabs: dict[str, tuple[int, int, list[int]]] = {}
        self._notifier = QSocketNotifier(self._display.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._pump)

    def _numlock_mask(self) -> int:
        """Which ModN bit Num Lock is on for this keyboard (usually Mod2)."""
        from Xlib import XK

        numlock = self._display.keysym_to_keycode(XK.XK_Num_Lock)
        for index, keycodes in enumerate(self._display.get_modifier_mapping()):
            if numlock and numlock in keycodes:
                return int(1 << index)
        return X_MOD2

    def register(self, action: str, hotkey: Hotkey) -> None:
        keycode = self._display.keysym_to_keycode(x11_keysym(hotkey))
        if not keycode:
            raise HotkeyError(
                _("{hotkey}: that key is not on this keyboard.").format(hotkey=hotkey.portable())
            )
        from Xlib import X, error

        modifiers = x11_modifiers(hotkey)
        for other, (code, mods, _masks) in self._grabs.items():
            if other != action and (code, mods) == (keycode, modifiers):
                raise HotkeyError(
                    _("{hotkey} is already used by meettray itself.").format(
                        hotkey=hotkey.portable()
                    )
                )
        self.unregister(action)
        masks = x11_grab_masks(hotkey, self._numlock)
        catcher = error.CatchError(error.BadAccess)
        for mask in masks:
            self._root.grab_key(
                keycode, mask, False, X.GrabModeAsync, X.GrabModeAsync, onerror=catcher
            )
        self._display.sync()  # errors arrive asynchronously: wait for the verdict
        if catcher.get_error() is not None:
            for mask in masks:
                self._root.ungrab_key(keycode, mask)
            self._display.sync()
            raise HotkeyError(taken_by_another(hotkey))
        self._grabs[action] = (keycode, modifiers, masks)
        log.info("hotkey %s grabbed for %s", hotkey.portable(), action)
        self._pump()  # sync() may have queued events without waking the notifier

    def unregister(self, action: str) -> None:
        grab = self._grabs.pop(action, None)
        if grab is None:
            return
        keycode, _modifiers, masks = grab
        for mask in masks:
            self._root.ungrab_key(keycode, mask)
        self._display.sync()

    def close(self) -> None:
        for action in list(self._grabs):
            self.unregister(action)
        self._notifier.setEnabled(False)
        self._display.close()

    def _pump(self) -> None:
        from Xlib import X

        while self._display.pending_events():
            event = self._display.next_event()
            if event.type != X.KeyPress:
                continue
            state = event.state & ~self._ignored
            for action, (keycode, modifiers, _masks) in self._grabs.items():
                if event.detail == keycode and state == modifiers:
                    self.activated.emit(action)
