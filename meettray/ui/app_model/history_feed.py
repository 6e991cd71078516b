"""History as the tray app shows it: Recent, pages for the History window, changes
made by other processes, and meetings whose answer had been lost.

Every read runs on the task runner; results arrive on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from meettray.meetings import Meeting
from meettray.results import HistoryPage
from meettray.ui.app_model.operations import as_meettray_error
from meettray.ui.app_model.tasks import TaskRunner

if TYPE_CHECKING:
    from meettray.service import MeetingService

log = logging.getLogger(__name__)

#: How many meetings the Recent menu shows.
RECENT_COUNT = 8
#: Quiet time after a change to the history files before looking at what changed.
HISTORY_SETTLE_MS = 150


class HistoryFeed(QObject):
    """Keeps :attr:`recent` current and tells the views when history changed."""

    #: History changed (here or in another process): lists should be read again.
    changed = Signal()
    #: :attr:`recent` was read again.
    recent_changed = Signal()
    #: Meetings whose answer had been lost, found and saved to history.
    recovered = Signal(list)

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._service: MeetingService | None = None
        #: The newest meetings, for the Recent menu.
        self.recent: list[Meeting] = []
        # Another process (the CLI, a second account's tray) may write history too.
        self._watcher = QFileSystemWatcher(self)
        self._settle = QTimer(self, singleShot=True, interval=HISTORY_SETTLE_MS)
        self._watcher.fileChanged.connect(self._settle.start)
        self._watcher.directoryChanged.connect(self._settle.start)
        self._settle.timeout.connect(self._check)

    def attach(self, service: MeetingService, recent: list[Meeting]) -> None:
        """Follow ``service``'s history (read ``recent`` already, off the GUI thread)."""
        self._service = service
        self.recent = recent
        self._watch()
        self.recent_changed.emit()
        self.changed.emit()  # a History window opened early shows it now

    def detach(self) -> None:
        self._service = None
        self._settle.stop()
        if watched := self._watcher.files() + self._watcher.directories():
            self._watcher.removePaths(watched)

    def refresh(self) -> None:
        """History changed: tell the views, and read Recent again."""
        self.changed.emit()
        service = self._service
        if service is None:
            return

        def loaded(recent: list[Meeting]) -> None:
            self.recent = recent
            self.recent_changed.emit()

        self._runner.run(
            lambda: service.recent(RECENT_COUNT),
            loaded,
            lambda exc: log.warning("could not read history: %s", exc),
            context=self,
        )

    def add_recent(self, meeting: Meeting) -> None:
        """A meeting made here: Recent shows it now, not after the next read."""
        others = [m for m in self.recent if m.id != meeting.id]
        self.recent = [meeting, *others][:RECENT_COUNT]
        self.recent_changed.emit()

    def page(
        self, search: str, offset: int, limit: int, done: Callable[[HistoryPage], None]
    ) -> None:
        """A page for the History window, read off the GUI thread."""
        service = self._service
        if service is None:  # not started yet: empty now, ``changed`` once ready
            done(HistoryPage([], 0))
            return
        self._runner.run(
            lambda: service.history_page(search, offset, limit),
            done,
            lambda exc: done(HistoryPage([], None, error=as_meettray_error(exc).message)),
            context=self,
        )

    def settle_lost_answers(self) -> None:
        """The network works again: settle earlier actions whose answer was lost, and
        update handed-out meetings whose PATCH could not be made."""
        service = self._service
        if service is None:
            return

        def settle() -> tuple[list[Meeting], list[Meeting]]:
            return service.reconcile(), service.finish_handouts()

        def settled(outcome: tuple[list[Meeting], list[Meeting]]) -> None:
            recovered, updated = outcome
            self.announce_recovered(recovered)
            if updated and not recovered:  # History shows their subjects and notes anew
                self.refresh()

        self._runner.run(
            settle,
            settled,
            lambda exc: log.warning("could not settle lost answers: %s", exc),
            context=self,
        )

    def announce_recovered(self, meetings: list[Meeting]) -> None:
        if meetings:
            self.recovered.emit(meetings)
            self.refresh()

    def _watch(self) -> None:
        service = self._service
        if service is None:
            return
        files = service.history_files()
        # The folder too: the write-ahead log comes and goes with the last connection.
        wanted = {str(files[0].parent), *(str(f) for f in files if f.exists())}
        watched = set(self._watcher.files() + self._watcher.directories())
        if missing := wanted - watched:
            self._watcher.addPaths(sorted(missing))

    def _check(self) -> None:
        """Files changed: refresh if another process wrote (our own writes refresh already)."""
        service = self._service
        if service is None:
            return
        self._watch()  # pick up a write-ahead log created meanwhile

        def checked(changed: bool) -> None:
            if changed:
                log.info("history changed in another process")
                self.refresh()

        self._runner.run(
            service.history_changed_elsewhere,
            checked,
            lambda exc: log.warning("could not check history: %s", exc),
            context=self,
        )
