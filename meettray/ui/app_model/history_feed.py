"""History as the tray app shows it: Recent, pages for the History window, changes
made by other processes, and meetings whose answer had been lost.

Every read runs on the service's owner thread; results arrive on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from meettray.meetings import Meeting
from meettray.results import HistoryPage
from meettray.ui.app_model.jobs import as_meettray_error
from meettray.ui.app_model.service_owner import RECENT_COUNT, Priority

if TYPE_CHECKING:
    from pathlib import Path

    from meettray.service import MeetingService
    from meettray.ui.app_model.service_owner import ServiceOwner

log = logging.getLogger(__name__)

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

    def __init__(self, owner: ServiceOwner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._owner = owner
        #: Whether a service is there to read (set at each build, cleared at a rebuild).
        self._attached = False
        #: The newest meetings, for the Recent menu.
        self.recent: list[Meeting] = []
        # Another process (the CLI, a second account's tray) may write history too.
        self._watcher = QFileSystemWatcher(self)
        self._settle = QTimer(self, singleShot=True, interval=HISTORY_SETTLE_MS)
        self._watcher.fileChanged.connect(self._settle.start)
        self._watcher.directoryChanged.connect(self._settle.start)
        self._settle.timeout.connect(self._check)

    @property
    def attached(self) -> bool:
        """A service is there to read history from (one history for every profile)."""
        return self._attached

    def attach(self, recent: list[Meeting]) -> None:
        """Follow the service's history (``recent`` read already, off the GUI thread)."""
        self._attached = True
        self.recent = recent
        self._watch()
        self.recent_changed.emit()
        self.changed.emit()  # a History window opened early shows it now

    def detach(self) -> None:
        self._attached = False
        self._settle.stop()
        if watched := self._watcher.files() + self._watcher.directories():
            self._watcher.removePaths(watched)

    def refresh(self) -> None:
        """History changed: tell the views, and read Recent again."""
        self.changed.emit()
        if not self._attached:
            return

        def loaded(recent: list[Meeting]) -> None:
            self.recent = recent
            self.recent_changed.emit()

        self._owner.run(
            lambda service: service.recent(RECENT_COUNT),
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
        if not self._attached:  # not started yet: empty now, ``changed`` once ready
            done(HistoryPage([], 0))
            return
        self._owner.run(
            lambda service: service.history_page(search, offset, limit),
            done,
            lambda exc: done(HistoryPage([], None, error=as_meettray_error(exc).message)),
            context=self,
        )

    def settle_lost_answers(self, account: str | None = None) -> None:
        """The network works again: settle profile ``account``'s earlier actions whose answer
        was lost (``None``: the default profile's), and update its handed-out meetings whose
        PATCH could not be made."""
        if not self._attached:
            return

        def settle(service: MeetingService) -> tuple[list[Meeting], list[Meeting]]:
            return service.reconcile(), service.finish_handouts()

        def settled(outcome: tuple[list[Meeting], list[Meeting]]) -> None:
            recovered, updated = outcome
            self.announce_recovered(recovered)
            if updated and not recovered:  # History shows their subjects and notes anew
                self.refresh()

        self._owner.run(
            settle,
            settled,
            lambda exc: log.warning("could not settle lost answers: %s", exc),
            context=self,
            priority=Priority.BACKGROUND,
            account=account,
        )

    def announce_recovered(self, meetings: list[Meeting]) -> None:
        if meetings:
            self.recovered.emit(meetings)
            self.refresh()

    def _watch(self) -> None:
        if self._attached:
            self._owner.run(lambda service: service.history_files(), self._watch_files,
                            lambda exc: log.warning("could not watch history: %s", exc),
                            context=self, priority=Priority.BACKGROUND)  # fmt: skip

    def _watch_files(self, files: tuple[Path, ...]) -> None:
        if not self._attached:
            return
        # The folder too: the write-ahead log comes and goes with the last connection.
        wanted = {str(files[0].parent), *(str(f) for f in files if f.exists())}
        watched = set(self._watcher.files() + self._watcher.directories())
        if missing := wanted - watched:
            self._watcher.addPaths(sorted(missing))

    def _check(self) -> None:
        """Files changed: refresh if another process wrote (our own writes refresh already)."""
        if not self._attached:
            return
        self._watch()  # pick up a write-ahead log created meanwhile

        def checked(changed: bool) -> None:
            if changed:
                log.info("history changed in another process")
                self.refresh()

        self._owner.run(
            lambda service: service.history_changed_elsewhere(),
            checked,
            lambda exc: log.warning("could not check history: %s", exc),
            context=self,
        )
