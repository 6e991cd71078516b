"""Settings as the tray app applies them: saved from the dialog, or changed on disk."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from meettray.config import Config
from meettray.platform.autostart import Autostart
from meettray.ui.app_model.jobs import ActionJob, Done, as_meettray_error
from meettray.ui.app_model.notices import Level, Notice
from meettray.ui.app_model.tasks import TaskRunner

log = logging.getLogger(__name__)


class SettingsApplier(QObject):
    """Writes and reads the settings file off the GUI thread; :attr:`changed` on news."""

    #: New settings, read or saved: the controller puts them in force.
    changed = Signal(Config)
    #: Something to tell the person (a file that could not be applied).
    notice = Signal(Notice)

    def __init__(
        self,
        runner: TaskRunner,
        current: Callable[[], Config],
        autostart: Autostart | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._current = current
        self._autostart = autostart

    def save(self, config: Config) -> ActionJob:
        """Save to the settings file; the operation is done once they are in force."""
        op = ActionJob("save settings", self)
        config = dataclasses.replace(config, path=config.path or self._current().path)
        before = self._current()
        from meettray.config import save_config

        def saved(_: object) -> None:
            self._apply(before, config)
            op.settle(Done())

        self._runner.run(
            lambda: save_config(config),
            saved,
            lambda exc: op.fail(as_meettray_error(exc)),
            context=self,
        )
        return op

    def reload(self) -> None:
        """Read the settings file again (edited by hand, or by another meettray)."""
        from meettray.config import load_config

        path = self._current().path

        def loaded(config: Config) -> None:
            before = self._current()
            if dataclasses.replace(config, warnings=()) != dataclasses.replace(before, warnings=()):
                self._apply(before, config)

        def fail(exc: Exception) -> None:
            error = as_meettray_error(exc)
            self.notice.emit(
                Notice("Settings file not applied", error.message, Level.WARNING, error=error)
            )

        self._runner.run(lambda: load_config(path), loaded, fail, context=self)

    def _apply(self, before: Config, config: Config) -> None:
        if config.ui.start_on_login != before.ui.start_on_login:
            self.set_start_on_login(config.ui.start_on_login)
        self.changed.emit(config)

    def set_start_on_login(self, wanted: bool) -> None:
        entry = self._autostart
        if entry is None:
            return
        from meettray.platform.autostart import set_start_on_login

        def fail(exc: Exception) -> None:
            self.notice.emit(Notice("Start on login could not be changed", str(exc), Level.WARNING))

        self._runner.run(
            lambda: set_start_on_login(entry, wanted), lambda _: None, fail, context=self
        )
