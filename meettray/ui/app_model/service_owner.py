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

With several accounts (``[accounts.NAME]``) the owner holds one service per profile,
each built the first time a command names it, from ``config.for_account(name)``;
they all live on the one thread, behind the one queue.

The one exception is a sign-in's wait for the person (:meth:`run_aside`): it
may last minutes and is cancellable, so it runs on the general task runner,
started from the owner's thread.  It touches only the sign-in client, whose
token cache MSAL guards with a lock of its own.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Sequence
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

    #: The profile whose service was built.
    profile: str
    account: Account | None
    recent: list[Meeting]
    recovered: list[Meeting]
    cache_status: Any
    history_set_aside: Any


class ServiceOwner(QObject):
    """Owns the services (one per profile); :attr:`ready` or :attr:`failed` after each build."""

    ready = Signal(Ready)
    #: A profile's service could not be built: its name and why.
    failed = Signal(str, MeettrayError)

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
        self._services: dict[str, MeetingService] = {}
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
        account: str | None = None,
    ) -> None:
        """Run ``work(service)`` on the owner's thread, after the commands before it; its
        result or exception reaches ``on_done`` or ``on_error`` on the GUI thread.
        ``account``: the profile whose service it takes (``None``: the default one, as the
        settings say when it runs; an unknown name is an :class:`UnknownAccount`).  A
        service not built yet (or for older settings) is built first."""
        self._runner.run(lambda: work(self._current(account)), on_done, on_error,
                         context=context, priority=int(priority))  # fmt: skip

    def run_each(
        self,
        accounts: Sequence[str],
        work: Callable[[MeetingService], T],
        on_done: Callable[[list[tuple[str, T | MeettrayError]]], None],
        on_error: Callable[[Exception], None],
        *,
        context: QObject | None = None,
        priority: Priority = Priority.ASKED,
    ) -> None:
        """Run ``work`` with each of ``accounts``' services, as one command: each account's
        result, or its error (one account's failure is not the others'), in that order;
        ``on_error`` hears a failure of the command itself, as :meth:`run`'s does."""

        def each() -> list[tuple[str, T | MeettrayError]]:
            results: list[tuple[str, T | MeettrayError]] = []
            for name in accounts:
                try:
                    results.append((name, work(self._current(name))))
                except Exception as exc:  # noqa: BLE001 - handed on, as run's on_error
                    results.append((name, as_meettray_error(exc)))
            return results

        self._runner.run(each, on_done, on_error, context=context, priority=int(priority))

    def run_aside(
        self,
        work: Callable[[MeetingService], T],
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None],
        *,
        context: QObject | None = None,
        account: str | None = None,
    ) -> None:
        """Like :meth:`run`, but ``work`` runs on the general task runner once the service
        is there: for a sign-in, which waits on the person (see the module's docstring)."""

        def start(service: MeetingService) -> None:
            self._aside.run(lambda: work(service), on_done, on_error, context=context)

        # The GUI thread only passes the service on to the aside job, untouched.
        self.run(lambda service: service, start, on_error, context=context, account=account)

    def start(self, account: str | None = None, *, priority: Priority = Priority.CONFIG) -> None:
        """Build a profile's service in the background (``None``: the default profile's):
        discovery, token cache, history, TLS."""
        self.run(lambda _service: None, lambda _: None, lambda _exc: None,
                 priority=priority, account=account)  # fmt: skip

    def configure(self, config: Config, *, rebuild: bool = True) -> None:
        """New settings, applied between two commands.  A profile whose account settings
        changed, or that is gone, has its prepared meeting deleted while its tokens work and
        its service closed; a changed one is built again at its next command.  The others
        take the new settings as they are.  ``rebuild`` false: no account changed (kept
        for callers that know; the comparison is made here either way)."""

        def apply() -> None:
            before, self._config = self._config, config
            names = set(config.account_names())
            changed = changed_profiles(before, config)
            for name, service in list(self._services.items()):
                gone = name not in names
                if gone or (rebuild and name in changed):
                    del self._services[name]
                    log.info("account %s %s: its service is closed", name,
                             "removed" if gone else "changed")  # fmt: skip
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

    def shutdown(self, msecs: int = 10_000) -> None:
        """At quit: close the services after the commands under way (at most ``msecs``)."""

        def close() -> None:
            self._closed = True
            services, self._services = list(self._services.values()), {}
            for service in services:
                service.close()

        self._runner.run(close, lambda _: None, lambda exc: log.warning("closing: %s", exc),
                         priority=int(Priority.CONFIG))  # fmt: skip
        self._pool.waitForDone(msecs)

    # -- the owner's thread ----------------------------------------------------------------

    def _current(self, account: str | None) -> MeetingService:
        """The profile's service, built first if needed.  Owner's thread only."""
        if self._closed:
            raise MeettrayError("meettray is quitting.")
        view = self._config.for_account(account)  # an unknown name: UnknownAccount
        name = view.profile
        if (service := self._services.get(name)) is not None:
            return service
        try:
            service = self._factory(view, demo=self._demo, open_browser=self._open_url)
        except Exception as exc:
            self.failed.emit(name, as_meettray_error(exc))
            raise
        try:
            recovered = service.warm_up()
            signed_in = service.ensure_signed_in_for_demo()
            recent = service.recent(RECENT_COUNT)
        except Exception as exc:
            service.close()
            self.failed.emit(name, as_meettray_error(exc))
            raise
        self._services[name] = service
        # "ready (account:" is what tests, the benchmark and the desktops' harness wait for.
        log.info("service ready (account: %s) for the %s profile",
                 signed_in.username if signed_in else "none", name)  # fmt: skip
        # Queued to the GUI thread ahead of the command's own result.
        self.ready.emit(Ready(name, signed_in, recent, recovered, service.cache_status,
                              service.history_set_aside))  # fmt: skip
        return service


def changed_profiles(before: Config, after: Config) -> list[str]:
    """The profiles of ``before`` that ``after`` changed (their account settings) or has not."""
    names = after.account_names()
    return [
        name
        for name in before.account_names()
        if name not in names or before.account_config(name) != after.account_config(name)
    ]
