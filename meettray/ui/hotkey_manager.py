"""Applies the configured hotkeys to the backend and turns presses into actions.

Registration failures are reported once per combination (notification and
Settings), and the app carries on.  Saving Settings re-applies at once.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from meettray.hotkeys.base import HotkeyBackend, HotkeyError
from meettray.hotkeys.keys import Hotkey
from meettray.ui.controller import AppController
from meettray.ui.notices import Level, Notice

log = logging.getLogger(__name__)

ACTIONS = ("meet_now", "copy_last")
LABELS = {"meet_now": "Meet now", "copy_last": "Copy last link"}


class HotkeyManager(QObject):
    status_changed = Signal()

    def __init__(
        self, backend: HotkeyBackend, controller: AppController, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.controller = controller
        #: action -> a problem to show in Settings ("" when the hotkey works or is off).
        self.problems: dict[str, str] = dict.fromkeys(ACTIONS, "")
        self._active: dict[str, Hotkey] = {}
        self._reported: set[tuple[str, str]] = set()
        backend.activated.connect(self._pressed)
        backend.registration_failed.connect(self._failed)
        controller.settings_saved.connect(self.apply)

    def apply(self) -> None:
        """Register what the settings ask for; release what they no longer do."""
        settings = self.controller.config.hotkeys
        for action in ACTIONS:
            try:
                wanted = Hotkey.parse(getattr(settings, action))
            except ValueError as exc:  # config validation makes this rare
                self._failed(action, str(exc))
                continue
            if wanted == self._active.get(action) and not self.problems[action]:
                continue
            self.backend.unregister(action)
            self._active.pop(action, None)
            self.problems[action] = ""
            if wanted is None:
                continue
            try:
                self.backend.register(action, wanted)
            except HotkeyError as exc:
                self._failed(action, exc.message, wanted)
            else:
                self._active[action] = wanted
        self.status_changed.emit()

    def describe(self, action: str) -> str:
        """One line for Settings about this hotkey."""
        if self.problems[action]:
            return self.problems[action]
        hotkey = self._active.get(action)
        return f"{hotkey.portable()} works everywhere." if hotkey else "Off."

    def _failed(self, action: str, message: str, hotkey: Hotkey | None = None) -> None:
        self._active.pop(action, None)
        self.problems[action] = message
        key = (action, hotkey.portable() if hotkey else message)
        log.warning("hotkey for %s unavailable: %s", action, message)
        if key not in self._reported:
            self._reported.add(key)
            self.controller.notify.emit(
                Notice(f"Hotkey for {LABELS[action]} unavailable", message, Level.WARNING)
            )
        self.status_changed.emit()

    def _pressed(self, action: str) -> None:
        log.info("hotkey pressed: %s", action)
        if action == "meet_now":
            self.controller.meet_now(source="hotkey")
        elif action == "copy_last":
            self.controller.copy_last()

    def close(self) -> None:
        for action in ACTIONS:
            self.backend.unregister(action)
        self.backend.close()
