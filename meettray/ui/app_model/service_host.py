"""The service's life in the tray app: built on a worker thread, rebuilt when the account
changes, closed off the GUI thread.

Each build is numbered; one that finishes after a newer build began (the
account was saved while the first was still starting) is closed and
forgotten, so settings saved during start-up apply.  Work asked for before
the service is ready waits for it, and is told if it never comes.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from meettray.accounts import Account
from meettray.config import Config
from meettray.errors import MeettrayError
from meettray.meetings import Meeting
from meettray.ui.app_model.history_feed import RECENT_COUNT
from meettray.ui.app_model.operations import as_meettray_error
from meettray.ui.app_model.tasks import TaskRunner

if TYPE_CHECKING:
    from meettray.demo.runtime import DemoEnvironment
    from meettray.service import MeetingService

log = logging.getLogger(__name__)

#: Builds the service from the settings, on a worker thread (see ui/main.build_service).
ServiceFactory = Callable[..., "MeetingService"]


@dataclass(frozen=True)
class Ready:
    """What a build hands the GUI thread: the service and what it read on the way."""

    service: MeetingService
    account: Account | None
    recent: list[Meeting]
    recovered: list[Meeting]


class ServiceHost(QObject):
    """Owns the service; :attr:`ready` or :attr:`failed` after each build."""

    ready = Signal(Ready)
    #: The build failed; the flag says whether work was waiting (and was told so).
    failed = Signal(MeettrayError, bool)

    def __init__(
        self,
        runner: TaskRunner,
        factory: ServiceFactory,
        *,
        demo: DemoEnvironment | None,
        open_url: Callable[[str], object],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._factory = factory
        self._demo = demo
        self._open_url = open_url
        self.service: MeetingService | None = None
        self._numbers = itertools.count(1)
        self._building: int | None = None
        self._waiting: list[tuple[Callable[[MeetingService], None], Callable[[Exception], None]]]
        self._waiting = []

    def start(self, config: Config) -> None:
        """Build the service, unless it is there or on its way."""
        if self.service is None and self._building is None:
            self.rebuild(config)

    def rebuild(self, config: Config) -> None:
        """Build anew for ``config`` (the account changed); a build under way goes stale.
        The old account's prepared meeting is deleted first, while its tokens work."""
        if (old := self.service) is not None:
            self.service = None
            self.close_in_background(old, first=lambda: old.drop_spares(everyone=True))
        number = self._building = next(self._numbers)
        factory, demo, open_url = self._factory, self._demo, self._open_url

        def build() -> Ready:
            service = factory(config, demo=demo, open_browser=open_url)
            try:
                recovered = service.warm_up()
                account = service.ensure_signed_in_for_demo()
                return Ready(service, account, service.recent(RECENT_COUNT), recovered)
            except BaseException:
                service.close()
                raise

        self._runner.run(
            build,
            lambda made: self._built(number, made),
            lambda e: self._not_built(number, e),
            context=self,
        )

    def _built(self, number: int, made: Ready) -> None:
        if number != self._building:  # settings changed meanwhile: a newer build is coming
            log.info("service build %d superseded; closing it", number)
            self.close_in_background(made.service)
            return
        self._building = None
        self.service = made.service
        self.ready.emit(made)
        waiting, self._waiting = self._waiting, []
        for action, _fail in waiting:
            action(made.service)

    def _not_built(self, number: int, exc: Exception) -> None:
        if number != self._building:
            return
        self._building = None
        error = as_meettray_error(exc)
        log.warning("could not start: %s (%s)", error.message, error.detail)
        waiting, self._waiting = self._waiting, []
        for _action, fail in waiting:
            fail(error)
        self.failed.emit(error, bool(waiting))

    def with_service(
        self,
        action: Callable[[MeetingService], None],
        fail: Callable[[Exception], None],
        config: Config,
    ) -> None:
        """Run ``action`` now, or once the service is ready (a click right at start-up);
        ``fail`` gets the reason if it never will be."""
        if self.service is not None:
            action(self.service)
            return
        self._waiting.append((action, fail))
        self.start(config)

    def close_in_background(
        self, service: MeetingService, first: Callable[[], None] | None = None
    ) -> None:
        """Closing may wait on a worker's history lock: never on the GUI thread.  ``first``
        runs before, in the same job (it may still use the service)."""

        def close() -> None:
            try:
                if first is not None:
                    first()
            finally:
                service.close()

        self._runner.run(
            close, lambda _: None, lambda exc: log.warning("closing: %s", exc), context=self
        )

    def shutdown(self) -> None:
        """At quit: close the service, waiting for it (the event loop has ended)."""
        if self.service is not None:
            self.close_in_background(self.service)
            self.service = None
        self._runner.wait(10_000)
