"""The controller: widgets emit intents, the controller acts and reports back.

It owns the :class:`~meettray.service.MeetingService` (built in the
background at start-up, so the first click pays one Graph round trip), runs
every slow step through the :class:`TaskRunner`, keeps the small state the
tray shows (busy, account, recent meetings, last error) and announces changes
through signals.  It never touches a widget.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from meettray.accounts import MEETINGS, Account, CacheStatus, Cancellation, DeviceCodePrompt
from meettray.config import Config, save_config
from meettray.errors import MeettrayError, SignInRequired
from meettray.formatting import clipboard_html, clipboard_text, short_link
from meettray.meetings import Meeting, MeetingRequest
from meettray.platform.clipboard import CopyOutcome
from meettray.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from meettray.demo.runtime import DemoEnvironment
    from meettray.platform.autostart import Autostart
    from meettray.service import Created, HistoryPage, MeetingService

log = logging.getLogger(__name__)

#: Seconds after a Meet now trigger during which another tray/hotkey trigger is ignored.
DEBOUNCE_SECONDS = 0.8
#: How many meetings the Recent menu shows.
RECENT_COUNT = 8
#: Quiet time after a change to the history files before looking at what changed.
HISTORY_SETTLE_MS = 150


@dataclass(frozen=True)
class _Started:
    """What the background start-up hands the GUI thread."""

    service: MeetingService
    account: Account | None
    recent: list[Meeting]
    recovered: list[Meeting]


class ClipboardWriter(Protocol):
    def copy(self, text: str, html: str | None = None) -> CopyOutcome:
        """Place the text; what was observed (a write that did not take is not a copy)."""
        ...


class Reply(Protocol):
    def __call__(self, outcome: Created | Exception, /) -> None: ...


def _unexpected(exc: Exception) -> MeettrayError:
    """Any exception as a MeettrayError with a plain message (bugs included)."""
    if isinstance(exc, MeettrayError):
        return exc
    return MeettrayError(
        "Something unexpected went wrong; the details are in the log file.",
        detail=f"{type(exc).__name__}: {exc}",
    )


class AppController(QObject):
    """Coordinates the tray app's work.  Lives on the GUI thread."""

    #: Busy, account, recent meetings, readiness or last error changed.
    state_changed = Signal()
    #: ticket, Meeting, warnings (tuple of str): a meeting exists and was copied.
    meeting_created = Signal(int, Meeting, tuple)
    #: ticket, MeettrayError: an action failed (ticket 0 is Meet now).
    failed = Signal(int, MeettrayError)
    #: title, text, meeting or None: something the person should be told.
    notify = Signal(str, str, object)
    #: DeviceCodePrompt: show the code.
    device_code_ready = Signal(DeviceCodePrompt)
    #: Account or None: sign-in finished (None: cancelled or failed; see ``failed``).
    sign_in_finished = Signal(object)
    history_changed = Signal()
    settings_saved = Signal()
    #: Meeting, from a worker thread the moment Graph answered (queued to the GUI thread,
    #: so it arrives before the job's own result).
    _link_ready = Signal(Meeting)
    #: A sign-in began (the person asked, or Meet now found nobody signed in).
    sign_in_started = Signal()

    def __init__(
        self,
        config: Config,
        *,
        runner: TaskRunner,
        clipboard: ClipboardWriter,
        open_url: Callable[[str], object],
        demo: DemoEnvironment | None = None,
        service_factory: Callable[..., MeetingService] | None = None,
        autostart: Autostart | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.config = config
        self.demo = demo
        self._runner = runner
        self._clipboard = clipboard
        self._open_url = open_url
        self._service_factory = service_factory
        self._autostart = autostart
        self._monotonic = monotonic
        self._tickets = itertools.count(1)

        self.service: MeetingService | None = None
        self.account: Account | None = None
        self.cache_status: CacheStatus | None = None
        self.recent: list[Meeting] = []
        self.last_error: MeettrayError | None = None
        self.meet_now_running = False
        self.signing_in = False
        self._last_trigger = -DEBOUNCE_SECONDS
        self._waiting_for_service: list[Callable[[MeetingService], None]] = []
        self._starting = False
        self._cancel_sign_in: Cancellation | None = None
        self._retry_meet_now_after_sign_in = False
        #: What the last copy came to (read back where the platform allows).
        self.last_copy: CopyOutcome | None = None
        self._link_ready.connect(self.copy)
        # Another process (the CLI, a second account's tray) may write history too.
        self._history_watcher = QFileSystemWatcher(self)
        self._history_settle = QTimer(self, singleShot=True, interval=HISTORY_SETTLE_MS)
        self._history_watcher.fileChanged.connect(self._history_settle.start)
        self._history_watcher.directoryChanged.connect(self._history_settle.start)
        self._history_settle.timeout.connect(self._check_history)

    # -- start-up ----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.meet_now_running or self.signing_in

    def start(self) -> None:
        """Build the service in the background: discovery, token cache, history, TLS."""
        if self._starting:
            return
        self._starting = True
        config, demo, open_url = self.config, self.demo, self._open_url
        factory = self._service_factory

        def build() -> _Started:
            # The network stack (msal, requests) is imported here, off the GUI thread,
            # after the tray icon is up.
            from meettray.service import build_service

            service = (factory or build_service)(config, demo=demo, open_browser=open_url)
            try:
                recovered = service.warm_up()
                account = service.ensure_signed_in_for_demo()
                return _Started(service, account, service.recent(RECENT_COUNT), recovered)
            except BaseException:
                service.close()
                raise

        self._runner.run(build, self._started, self._start_failed)

    def _started(self, built: _Started) -> None:
        self._starting = False
        self.service, self.account, self.recent = built.service, built.account, built.recent
        self.cache_status = self.service.cache_status
        self._watch_history(self.service)
        log.info("ready (account: %s)", self.account.username if self.account else "none")
        if (set_aside := self.service.history_set_aside) is not None:
            self.notify.emit(
                "History was damaged",
                f"The damaged file was moved to {set_aside} and a new history was started.",
                None,
            )
        self._announce_recovered(built.recovered)
        self.history_changed.emit()  # a History window opened early shows it now
        self.state_changed.emit()
        waiting, self._waiting_for_service = self._waiting_for_service, []
        for action in waiting:
            action(self.service)

    def _announce_recovered(self, meetings: list[Meeting]) -> None:
        for meeting in meetings:
            self.notify.emit(
                "A lost meeting was found",
                f"“{meeting.subject}” had been created although its answer was lost; "
                "it is in History now.",
                meeting,
            )
        if meetings:
            self._history_changed()

    def _start_failed(self, exc: Exception) -> None:
        self._starting = False
        error = _unexpected(exc)
        self.last_error = error
        log.warning("could not start: %s (%s)", error.message, error.detail)
        self.state_changed.emit()
        failed_actions, self._waiting_for_service = self._waiting_for_service, []
        for _ in failed_actions:
            self.failed.emit(0, error)
        if not failed_actions:
            self.notify.emit("meettray cannot connect yet", error.message, None)

    def _with_service(self, action: Callable[[MeetingService], None]) -> None:
        """Run ``action`` now, or once the service is ready (a click right at start-up)."""
        if self.service is not None:
            action(self.service)
            return
        self._waiting_for_service.append(action)
        self.start()

    def shutdown(self) -> None:
        self._history_settle.stop()
        if watched := self._history_watcher.files() + self._history_watcher.directories():
            self._history_watcher.removePaths(watched)
        if self._cancel_sign_in is not None:
            self._cancel_sign_in.cancel()
        self._runner.wait(10_000)
        if self.service is not None:
            self.service.close()
            self.service = None

    # -- Meet now ------------------------------------------------------------------------------

    def meet_now(
        self, *, source: str = "tray", subject: str | None = None, reply: Reply | None = None
    ) -> bool:
        """Create a meeting starting now and copy its link.  False if debounced.

        Triggers from the tray or a hotkey within :data:`DEBOUNCE_SECONDS` of the
        previous one, or while one is running, are ignored: a double click makes
        one meeting.  Requests from the command line (``reply``) always run.
        """
        now = self._monotonic()
        if reply is None and (self.meet_now_running or now - self._last_trigger < DEBOUNCE_SECONDS):
            log.info("meet now from %s ignored: a moment ago already", source)
            return False
        self._last_trigger = now
        self.meet_now_running = True

        def run(service: MeetingService) -> None:
            self._runner.run(
                lambda: service.create_instant(subject, on_created=self._link_ready.emit),
                lambda created: self._meet_now_done(created, reply),
                lambda exc: self._meet_now_failed(exc, reply),
            )

        self._with_service(run)
        self.state_changed.emit()  # the busy icon is drawn while the request is on its way
        return True

    def _meet_now_done(self, created: Created, reply: Reply | None) -> None:
        self.meet_now_running = False
        self.last_error = None
        # _link_ready was queued before this result: the link is on the clipboard already.
        self._deliver(0, created, copied=True)
        if reply is not None:
            reply(created)

    def _meet_now_failed(self, exc: Exception, reply: Reply | None) -> None:
        self.meet_now_running = False
        error = _unexpected(exc)
        self.last_error = error
        self.state_changed.emit()
        self.failed.emit(0, error)
        if reply is not None:
            reply(error)
            return
        if isinstance(error, SignInRequired) and not self.signing_in:
            # The person asked for a meeting: sign in, then make it.
            self._retry_meet_now_after_sign_in = True
            self.notify.emit("Sign in to create meetings", error.message, None)
            self.sign_in()
        else:
            self.notify.emit("No meeting was created", error.message, None)

    def _deliver(self, ticket: int, created: Created, *, copied: bool = False) -> None:
        """A meeting exists: copy it (unless done already), tell the person, refresh Recent."""
        meeting = created.meeting
        outcome = self.last_copy if copied and self.last_copy else self.copy(meeting)
        self.meeting_created.emit(ticket, meeting, created.warnings)
        self._tell_copied(meeting, outcome, created.warnings)
        self._history_changed()
        service = self.service
        if service is not None:  # the network works again: settle any lost answers
            self._runner.run(
                service.reconcile,
                self._announce_recovered,
                lambda exc: log.warning("could not settle lost answers: %s", exc),
            )

    # -- other actions ------------------------------------------------------------------------

    def schedule(self, request: MeetingRequest) -> int:
        """Create a scheduled meeting; the outcome arrives with the returned ticket."""
        ticket = next(self._tickets)

        def done(created: Created) -> None:
            self._deliver(ticket, created)

        def fail(exc: Exception) -> None:
            self.failed.emit(ticket, _unexpected(exc))

        self._with_service(
            lambda service: self._runner.run(lambda: service.create(request), done, fail)
        )
        return ticket

    def copy(self, meeting: Meeting, *, details: bool | None = None) -> CopyOutcome:
        """Put a meeting's link (and details, per settings or ``details``) on the clipboard."""
        with_details = self.config.ui.clipboard == "details" if details is None else details
        outcome = self._clipboard.copy(
            clipboard_text(meeting, with_details=with_details),
            clipboard_html(meeting, with_details=with_details),
        )
        if not outcome.copied:
            log.warning("link not copied: %s", outcome.message)
        self.last_copy = outcome
        return outcome

    def _tell_copied(
        self, meeting: Meeting, outcome: CopyOutcome, warnings: Sequence[str] = (), again: str = ""
    ) -> None:
        """The notification after a copy: what happened, never a success not observed."""
        subject = f" — {meeting.subject}" if meeting.subject else ""
        if outcome.copied:
            title, first = f"Link copied{again}{subject}", short_link(meeting.join_url)
        else:
            # The whole link, so it can still be copied by hand from the notification.
            title, first = f"Link not copied{subject}", f"{outcome.message} {meeting.join_url}"
        self.notify.emit(title, "\n".join([first, *warnings]), meeting)

    def copy_last(self) -> None:
        """Copy the most recent meeting's link again (the second hotkey)."""
        if not self.recent:
            self.notify.emit("No meeting yet", "Create one first: Meet now.", None)
            return
        meeting = self.recent[0]
        self._tell_copied(meeting, self.copy(meeting), again=" again")

    def reload_settings(self) -> None:
        """Re-read the settings file (edited by hand or by another meettray) and apply it."""
        from meettray.config import load_config

        path = self.config.path

        def loaded(config: Config) -> None:
            if dataclasses.replace(config, warnings=()) != dataclasses.replace(
                self.config, warnings=()
            ):
                self._apply_settings(config)

        def fail(exc: Exception) -> None:
            error = _unexpected(exc)
            self.notify.emit("Settings file not applied", error.message, None)

        self._runner.run(lambda: load_config(path), loaded, fail)

    def open_meeting(self, meeting: Meeting) -> None:
        if self._open_url(meeting.join_url) is False:
            self.copy(meeting, details=False)
            self.notify.emit(
                "No browser could be opened",
                "The meeting link is on your clipboard: paste it into Teams or a browser.",
                None,
            )

    def remove_from_history(self, meeting: Meeting) -> int:
        ticket = next(self._tickets)
        self._in_background(ticket, lambda s: s.forget(meeting), self._history_changed)
        return ticket

    def cancel_meeting(self, meeting: Meeting) -> int:
        """Cancel on the server (and remove from history)."""
        ticket = next(self._tickets)
        self._in_background(ticket, lambda s: s.cancel(meeting), self._history_changed)
        return ticket

    def _in_background(
        self, ticket: int, work: Callable[[MeetingService], Any], then: Callable[[], None]
    ) -> None:
        def fail(exc: Exception) -> None:
            error = _unexpected(exc)
            self.failed.emit(ticket, error)
            self.notify.emit("That did not work", error.message, None)

        self._with_service(
            lambda service: self._runner.run(lambda: work(service), lambda _: then(), fail)
        )

    def _watch_history(self, service: MeetingService) -> None:
        watcher = self._history_watcher
        if watched := watcher.files() + watcher.directories():
            watcher.removePaths(watched)
        files = service.history_files()
        # The folder too: the write-ahead log comes and goes with the last connection.
        watcher.addPaths([str(files[0].parent), *(str(f) for f in files if f.exists())])

    def _check_history(self) -> None:
        """Files changed: refresh if another process wrote (our own writes refresh already)."""
        service = self.service
        if service is None:
            return
        self._watch_history(service)  # pick up a write-ahead log created meanwhile

        def checked(changed: bool) -> None:
            if changed:
                log.info("history changed in another process")
                self._history_changed()

        self._runner.run(
            service.history_changed_elsewhere,
            checked,
            lambda exc: log.warning("could not check history: %s", exc),
        )

    def history_page(
        self, search: str, offset: int, limit: int, done: Callable[[HistoryPage], None]
    ) -> None:
        """A page for the History window, read off the GUI thread (see HistorySource)."""
        from meettray.service import HistoryPage

        service = self.service
        if service is None:  # not started yet: empty now, history_changed once ready
            done(HistoryPage([], 0))
            return
        self._runner.run(
            lambda: service.history_page(search, offset, limit),
            done,
            lambda exc: done(HistoryPage([], None, error=_unexpected(exc).message)),
        )

    def _history_changed(self) -> None:
        self.history_changed.emit()
        service = self.service
        if service is None:
            return

        def loaded(recent: list[Meeting]) -> None:
            self.recent = recent
            self.state_changed.emit()

        self._runner.run(
            lambda: service.recent(RECENT_COUNT),
            loaded,
            lambda exc: log.warning("could not read history: %s", exc),
        )

    # -- sign-in ------------------------------------------------------------------------------

    def sign_in(self, *, device_code: bool = False, scopes: Sequence[str] = (MEETINGS,)) -> None:
        """Start sign-in (browser or device code); :meth:`cancel_sign_in` stops it."""
        if self.signing_in:
            return
        self.signing_in = True
        cancel = self._cancel_sign_in = Cancellation()
        self.state_changed.emit()
        self.sign_in_started.emit()

        def start(service: MeetingService) -> None:
            if not service.signs_in:
                account = service.account()
                assert account is not None  # application mode acts for its configured user
                self._signed_in(account)
                return
            if device_code:
                self._runner.run(
                    lambda: service.begin_device_code(scopes),
                    lambda prompt: self._show_code(service, prompt, cancel),
                    self._sign_in_failed,
                )
            else:
                self._runner.run(
                    lambda: service.sign_in_browser(scopes, cancel=cancel),
                    self._signed_in,
                    self._sign_in_failed,
                )

        self._with_service(start)

    def _show_code(
        self,
        service: MeetingService,
        prompt: DeviceCodePrompt,
        cancel: Cancellation,
    ) -> None:
        self.device_code_ready.emit(prompt)
        self._runner.run(
            lambda: service.finish_device_code(prompt, cancel=cancel),
            self._signed_in,
            self._sign_in_failed,
        )

    def cancel_sign_in(self) -> None:
        if self._cancel_sign_in is not None:
            self._cancel_sign_in.cancel()

    def _signed_in(self, account: Account) -> None:
        self.signing_in = False
        self._cancel_sign_in = None
        self.account = account
        self.last_error = None
        self.state_changed.emit()
        self.sign_in_finished.emit(account)
        if self._retry_meet_now_after_sign_in:
            self._retry_meet_now_after_sign_in = False
            self._last_trigger = -DEBOUNCE_SECONDS
            self.meet_now(source="after sign-in")

    def _sign_in_failed(self, exc: Exception) -> None:
        self.signing_in = False
        self._cancel_sign_in = None
        self._retry_meet_now_after_sign_in = False
        error = _unexpected(exc)
        self.state_changed.emit()
        self.sign_in_finished.emit(None)
        self.failed.emit(0, error)

    def sign_out(self) -> None:
        def done(_: object) -> None:
            self.account = None
            self.state_changed.emit()

        def fail(exc: Exception) -> None:
            self.failed.emit(0, _unexpected(exc))

        def start(service: MeetingService) -> None:
            if service.signs_in:
                self._runner.run(service.sign_out, done, fail)

        self._with_service(start)

    # -- settings -----------------------------------------------------------------------------

    def _set_autostart(self, wanted: bool) -> None:
        entry = self._autostart
        if entry is None:
            return

        def change() -> None:
            from meettray.platform.autostart import launch_command

            if wanted:
                entry.enable(launch_command())
            else:
                entry.disable()

        def fail(exc: Exception) -> None:
            self.notify.emit("Start on login could not be changed", str(exc), None)

        self._runner.run(change, lambda _: None, fail)

    def save_settings(self, config: Config) -> int:
        """Save to the config file; a changed account rebuilds the service."""
        ticket = next(self._tickets)
        config = dataclasses.replace(config, path=config.path or self.config.path)

        def fail(exc: Exception) -> None:
            self.failed.emit(ticket, _unexpected(exc))

        self._runner.run(lambda: save_config(config), lambda _: self._apply_settings(config), fail)
        return ticket

    def _apply_settings(self, config: Config) -> None:
        account_changed = config.account != self.config.account
        if config.ui.start_on_login != self.config.ui.start_on_login:
            self._set_autostart(config.ui.start_on_login)
        self.config = config
        if account_changed and self.demo is None:
            old, self.service = self.service, None
            self.account = None
            if old is not None:
                old.close()
            self.start()
        elif self.service is not None:
            self.service.config = dataclasses.replace(
                self.service.config, meeting=config.meeting, ui=config.ui
            )
        self.settings_saved.emit()
        self.state_changed.emit()
