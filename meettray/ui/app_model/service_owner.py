"""One owner of the service: a thread of its own and a serial command queue.

The :class:`~meettray.service.MeetingService` (its ``requests`` session, its
history connection, its settings) is built, used, reconfigured and closed
only on the owner's thread, one command at a time (Vorta's per-site job
queue is the model).  The GUI thread never holds it: it submits commands
(callables that take the service) and gets each one's result or exception
back as a queued call.  Settings changes are commands too, so no command
ever sees half-changed settings.  Commands a person waits for jump the queue
ahead of background work (preparing the next link, settling lost answers),
though never one already running.

The one exception is a sign-in's wait for the person (:meth:`run_aside`): it
may last minutes and is cancellable, so it runs on the general task runner,
started from the owner's thread.  It touches only the sign-in client, whose
token cache MSAL guards with a lock of its own.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal

from meettray.accounts import Account
from meettray.config import Config
from meettray.errors import MeettrayError
from meettray.meetings import Meeting
from meettray.ui.app_model.jobs import as_meettray_error
from meettray.ui.app_model.tasks import SerialQueue, TaskRunner

if TYPE_CHECKING:
    from meettray.demo.runtime import DemoEnvironment
    from meettray.service import MeetingService

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Builds the service from the settings, on the owner's thread (see shell/main.build_service).
ServiceFactory = Callable[..., "MeetingService"]
#: How many meetings a build reads for Recent.
RECENT_COUNT = 8


class Priority(enum.IntEnum):
    #: Preparing the next link, settling lost answers, watching history.
    BACKGROUND = 0
    #: Someone is waiting: a meeting, a History page, a cancel.
    ASKED = 1
    #: Builds and settings: ahead of the commands that follow them.
    CONFIG = 2


@dataclass(frozen=True)
class Ready:
    """What a build hands the GUI thread: what it read on the way (never the service)."""

    account: Account | None
    recent: list[Meeting]
    recovered: list[Meeting]
    cache_status: Any
    history_set_aside: Any


class ServiceOwner(QObject):
    """Owns the service; :attr:`ready` or :attr:`failed` after each build."""

    ready = Signal(Ready)
    failed = Signal(MeettrayError)

    def __init__(
        self,
        factory: ServiceFactory,
        config: Config,
        *,
        demo: DemoEnvironment | None,
        open_url: Callable[[str], object],
        aside: TaskRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._factory = factory
        self._demo = demo
        self._open_url = open_url
        self._aside = aside
        self._pool = SerialQueue("meettray-service")
        self._runner = TaskRunner(self._pool, parent=self)
        # Read and written only on the owner's thread.
        self._service: MeetingService | None = None
        self._config = config
        self._closed = False

    # -- commands --------------------------------------------------------------------------

    def run(
        self,
        work: Callable[[MeetingService], T],
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None],
        *,
        context: QObject | None = None,
        priority: Priority = Priority.ASKED,
    ) -> None:
        """Run ``work(service)`` on the owner's thread, after the commands before it; its
        result or exception reaches ``on_done`` or ``on_error`` on the GUI thread.  A
        service not built yet (or for older settings) is built first."""
        self._runner.run(lambda: work(self._current()), on_done, on_error, context=context,
                         priority=int(priority))  # fmt: skip

    def run_aside(
        self,
        work: Callable[[MeetingService], T],
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None],
        *,
        context: QObject | None = None,
    ) -> None:
        """Like :meth:`run`, but ``work`` runs on the general task runner once the service
        is there: for a sign-in, which waits on the person (see the module's docstring)."""

        def start(service: MeetingService) -> None:
            self._aside.run(lambda: work(service), on_done, on_error, context=context)

        # The GUI thread only passes the service on to the aside job, untouched.
        self.run(lambda service: service, start, on_error, context=context)

    def start(self) -> None:
        """Build the service in the background: discovery, token cache, history, TLS."""
        self.run(lambda _service: None, lambda _: None, lambda _exc: None,
                 priority=Priority.CONFIG)  # fmt: skip

    def configure(self, config: Config, *, rebuild: bool) -> None:
        """New settings, applied between two commands.  ``rebuild`` (the account changed):
        the old account's prepared meeting is deleted while its tokens work, the service
        closed, and a new one built for the next command."""

        def apply() -> None:
            self._config = config
            service = self._service
            if service is None:
                return
            if rebuild:
                self._service = None
                try:
                    service.drop_spares(everyone=True)
                finally:
                    service.close()
            else:
                service.config = replace(
                    service.config, meeting=config.meeting, ui=config.ui,
                    hotkeys=config.hotkeys, own_presets=config.own_presets,
                )  # fmt: skip

        self._runner.run(apply, lambda _: None,
                         lambda exc: log.warning("settings not applied to the service: %s", exc),
                         context=self, priority=int(Priority.CONFIG))  # fmt: skip
        if rebuild:
            self.start()

    def shutdown(self, msecs: int = 10_000) -> None:
        """At quit: close the service after the commands under way (at most ``msecs``)."""

        def close() -> None:
            self._closed = True
            service, self._service = self._service, None
            if service is not None:
                service.close()

        self._runner.run(close, lambda _: None, lambda exc: log.warning("closing: %s", exc),
                         priority=int(Priority.CONFIG))  # fmt: skip
        self._pool.waitForDone(msecs)

    # -- the owner's thread ----------------------------------------------------------------

    def _current(self) -> MeetingService:
        """The service, built first if needed.  Owner's thread only."""
        if self._closed:
            raise MeettrayError("meettray is quitting.")
        if self._service is not None:
            return self._service
        try:
            service = self._factory(self._config, demo=self._demo, open_browser=self._open_url)
        except Exception as exc:
            self.failed.emit(as_meettray_error(exc))
            raise
        try:
            recovered = service.warm_up()
            account = service.ensure_signed_in_for_demo()
            recent = service.recent(RECENT_COUNT)
        except Exception as exc:
            service.close()
            self.failed.emit(as_meettray_error(exc))
            raise
        self._service = service
        log.info("service ready (account: %s)", account.username if account else "none")
        # Queued to the GUI thread ahead of the command's own result.
        self.ready.emit(Ready(account, recent, recovered, service.cache_status,
                              service.history_set_aside))  # fmt: skip
        return service
