"""Applies the configured hotkeys to the backend and turns presses into actions.

Registration failures are reported once per combination (notification and
Settings), and the app carries on.  Saving Settings re-applies at once.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from meettray.hotkeys.base import HotkeyBackend, HotkeyError, confirmed_by_desktop, grabbed
from meettray.hotkeys.keys import Hotkey
from meettray.i18n import N_
from meettray.ipc import HotkeyState
from meettray.ui.app_model import intents as i
from meettray.ui.app_model.model import AppModel
from meettray.ui.app_model.notices import Level, Notice, tr
from meettray.ui.app_model.state import AppState

log = logging.getLogger(__name__)

ACTIONS = ("meet_now", "copy_last")
#: Translated where shown.
LABELS = {"meet_now": N_("Meet now"), "copy_last": N_("Copy last link")}
#: A preset's hotkey is the action ``preset:NAME``.
PRESET_ACTION = "preset:"


class HotkeyManager(QObject):
    status_changed = Signal()

    def __init__(
        self, backend: HotkeyBackend, model: AppModel, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.model = model
        #: The settings the registered hotkeys come from.
        self._config = model.state.config
        #: action -> a problem to show in Settings ("" when the hotkey works or is off).
        self.problems: dict[str, str] = dict.fromkeys(ACTIONS, "")
        self._fixes: dict[str, str] = dict.fromkeys(ACTIONS, "")
        self._active: dict[str, Hotkey] = {}
        #: action -> what was observed: the keys grabbed, or the desktop's confirmation.
        self._confirmed: dict[str, str] = {}
        self._reported: set[tuple[str, str]] = set()
        #: While a hotkey field in Settings has the focus, no key is grabbed.
        self._paused = False
        backend.activated.connect(self._pressed)
        backend.registration_failed.connect(self._failed)
        backend.bound.connect(self._bound)
        model.state_changed.connect(self._settings_changed)
        self.status_changed.connect(self._report)

    def _wanted(self) -> dict[str, str]:
        """Every action the settings give a hotkey field, with its text ("" = off)."""
        config = self._config
        wanted = {action: getattr(config.hotkeys, action) for action in ACTIONS}
        for preset in config.presets:
            if preset.hotkey:
                wanted[PRESET_ACTION + preset.name] = preset.hotkey
        return wanted

    def label(self, action: str) -> str:
        if action.startswith(PRESET_ACTION):
            name = action.removeprefix(PRESET_ACTION)
            labels = {p.name: p.label for p in self._config.presets}
            return tr("Meet now as {preset}").format(preset=labels.get(name, name))
        return tr(LABELS[action])

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """Let go of every key (a hotkey field has the focus): a combination pressed there
        is recorded by the field, instead of making a meeting.  :meth:`resume` takes them
        back; what Settings and doctor report meanwhile is unchanged."""
        if self._paused:
            return
        self._paused = True
        for action in self._active:
            self.backend.unregister(action)
        log.info("hotkeys paused while a hotkey field has the focus")

    def resume(self) -> None:
        """Grab the keys again, as the settings (perhaps changed meanwhile) ask."""
        if not self._paused:
            return
        self._paused = False
        self._active.clear()  # released by pause(): every one is registered again
        self.apply()
        log.info("hotkeys resumed")

    def apply(self) -> None:
        """Register what the settings ask for; release what they no longer do."""
        if self._paused:
            return  # resume() applies them
        wanted_texts = self._wanted()
        for action in [a for a in self.problems if a not in wanted_texts]:  # a preset gone
            self.backend.unregister(action)
            for state in (self._active, self._confirmed, self.problems, self._fixes):
                state.pop(action, None)
        for action, text in wanted_texts.items():
            self.problems.setdefault(action, "")
            self._fixes.setdefault(action, "")
            try:
                wanted = Hotkey.parse(text)
            except ValueError as exc:  # config validation makes this rare
                self._failed(action, str(exc))
                continue
            if wanted == self._active.get(action) and not self.problems[action]:
                continue
            self.backend.unregister(action)
            self._active.pop(action, None)
            self._confirmed.pop(action, None)
            self.problems[action] = ""
            if wanted is None:
                continue
            try:
                self.backend.register(action, wanted)
            except HotkeyError as exc:
                self._failed(action, exc.message, wanted, exc.fix)
            else:
                self._active[action] = wanted
                if not self.backend.confirms_later:  # the keys are grabbed
                    self._confirmed[action] = grabbed(wanted)
        self.status_changed.emit()

    def describe(self, action: str) -> str:
        """One line for Settings about this hotkey: only what was observed."""
        return self.state(action).detail

    def state(self, action: str) -> HotkeyState:
        """This hotkey as doctor and Settings report it."""
        if self.problems[action]:
            return HotkeyState(self.problems[action], ok=False, fix=self._fixes[action])
        hotkey = self._active.get(action)
        if hotkey is None:
            return HotkeyState(tr("Off."), ok=True)
        if action in self._confirmed:
            return HotkeyState(self._confirmed[action], ok=True)
        return HotkeyState(
            tr("{hotkey}: asked the desktop; it has not confirmed it yet.").format(
                hotkey=hotkey.portable()
            ),
            ok=False,
            fix=tr(
                "Confirm it if the desktop shows a dialog; doctor then says whether it is bound."
            ),
        )

    def _bound(self, action: str, trigger: str) -> None:
        if action not in self._active:
            return  # no longer wanted
        self.problems[action] = ""
        self._confirmed[action] = confirmed_by_desktop(trigger)
        log.info("hotkey for %s bound by the desktop: %s", action, trigger)
        self.status_changed.emit()

    def _failed(
        self, action: str, message: str, hotkey: Hotkey | None = None, fix: str = ""
    ) -> None:
        self._active.pop(action, None)
        self._confirmed.pop(action, None)
        self.problems[action] = message
        self._fixes[action] = fix
        key = (action, hotkey.portable() if hotkey else message)
        log.warning("hotkey for %s unavailable: %s", action, message)
        if key not in self._reported:
            self._reported.add(key)
            self.model.notify.emit(
                Notice(
                    tr("Hotkey for {action} unavailable").format(action=self.label(action)),
                    message,
                    Level.WARNING,
                )
            )
        self.status_changed.emit()

    def _pressed(self, action: str) -> None:
        if self._paused:  # sent before the keys were let go
            log.info("hotkey pressed while paused, ignored: %s", action)
            return
        log.info("hotkey pressed: %s", action)
        if action == "meet_now":
            self.model.dispatch(i.MeetNow(source="hotkey"))
        elif action == "copy_last":
            self.model.dispatch(i.CopyLast())
        elif action.startswith(PRESET_ACTION):
            preset = action.removeprefix(PRESET_ACTION)
            self.model.dispatch(i.MeetNow(source="hotkey", preset=preset))

    def _settings_changed(self, state: AppState) -> None:
        """Saved settings that touch hotkeys (the hotkeys, the presets) apply at once."""
        before, self._config = self._config, state.config
        if (before.hotkeys, before.presets) != (state.config.hotkeys, state.config.presets):
            self.apply()

    def _report(self) -> None:
        self.model.hotkeys_changed({action: self.state(action) for action in self.problems})

    def close(self) -> None:
        for action in self.problems:
            self.backend.unregister(action)
        self.backend.close()
