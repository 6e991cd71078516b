"""The controller: widgets emit intents, the controller acts and reports back.

Every trigger (a click, the hotkey, the menu, Schedule…, ``meettray now``
through the socket) goes through :meth:`AppController.create`, which returns
a :class:`~meettray.ui.app_model.operations.MeetingOperation`; the controller decides
what the person is told.  Its helpers do the rest: :class:`ServiceHost` (the
service, built in the background so the first click pays one Graph round
trip), :class:`MeetingQueue` (creations, one at a time), :class:`SignInFlow`,
:class:`HistoryFeed` and :class:`SettingsApplier`.  It never touches a widget.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from meettray.accounts import MEETINGS, Account, CacheStatus, DeviceCodePrompt
from meettray.config import Config
from meettray.errors import MeettrayError, SignInRequired
from meettray.formatting import clipboard_payload, short_link
from meettray.meetings import Meeting, MeetingRequest, join_link_problem
from meettray.platform.clipboard import CopyOutcome
from meettray.results import HistoryPage
from meettray.ui.app_model.history_feed import HistoryFeed
from meettray.ui.app_model.meeting_queue import ClipboardWriter, MeetingQueue
from meettray.ui.app_model.notices import Level, Notice
from meettray.ui.app_model.operations import (
    ActionOperation,
    Delivered,
    MeetingOperation,
    SignInOperation,
    as_meettray_error,
)
from meettray.ui.app_model.service_host import Ready, ServiceFactory, ServiceHost
from meettray.ui.app_model.settings_applier import SettingsApplier
from meettray.ui.app_model.signin_flow import SignInFlow
from meettray.ui.app_model.tasks import TaskRunner

if TYPE_CHECKING:
    from meettray.demo.runtime import DemoEnvironment
    from meettray.platform.autostart import Autostart
    from meettray.service import MeetingService

log = logging.getLogger(__name__)

#: Seconds after a Meet now trigger during which another tray/hotkey trigger is ignored.
DEBOUNCE_SECONDS = 0.8


class AppController(QObject):
    """Coordinates the tray app's work.  Lives on the GUI thread."""

    #: Busy, account, recent meetings, readiness or last error changed.
    state_changed = Signal()
    #: A meeting exists, whoever asked for it (for views that list meetings).
    meeting_created = Signal(Delivered)
    #: Something the person should be told.
    notify = Signal(Notice)
    #: Device-code sign-in: show the code.
    device_code_ready = Signal(DeviceCodePrompt)
    #: A sign-in began (the person asked, or Meet now found nobody signed in).
    sign_in_started = Signal(SignInOperation)
    #: Someone is signed in now.
    signed_in = Signal(Account)
    #: A sign-in failed (not when the person cancelled it): always told.
    sign_in_failed = Signal(MeettrayError)
    history_changed = Signal()
    settings_saved = Signal()

    def __init__(
        self,
        config: Config,
        *,
        runner: TaskRunner,
        clipboard: ClipboardWriter,
        open_url: Callable[[str], object],
        service_factory: ServiceFactory,
        demo: DemoEnvironment | None = None,
        autostart: Autostart | None = None,
        now_command: str = "meettray now",
        monotonic: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        """``service_factory``: builds the service from the settings, on a worker
        thread (the composition root passes :func:`meettray.service.build_service`)."""
        super().__init__(parent)
        self.config = config
        self.demo = demo
        self._runner = runner
        self._open_url = open_url
        self._monotonic = monotonic
        self._now_command = now_command

        self.account: Account | None = None
        self.cache_status: CacheStatus | None = None
        self.last_error: MeettrayError | None = None
        self._last_trigger = -DEBOUNCE_SECONDS
        self._host = ServiceHost(runner, service_factory, demo=demo, open_url=open_url, parent=self)
        self._host.ready.connect(self._ready)
        self._host.failed.connect(self._not_ready)
        self.meetings = MeetingQueue(
            runner, clipboard, self.with_service, lambda: self.config.ui, parent=self
        )
        self.meetings.delivered.connect(self._delivered)
        self.meetings.failed.connect(self._not_created)
        self.meetings.busy_changed.connect(self.state_changed)
        self._after_sign_in: list[MeetingOperation] = []

        self.history = HistoryFeed(runner, self)
        self.history.changed.connect(self.history_changed)
        self.history.recent_changed.connect(self.state_changed)
        self.history.recovered.connect(self._announce_recovered)
        self.sign_in_flow = SignInFlow(runner, self.with_service, self)
        self.sign_in_flow.started.connect(self._sign_in_began)
        self.sign_in_flow.device_code_ready.connect(self.device_code_ready)
        self.settings = SettingsApplier(runner, lambda: self.config, autostart, self)
        self.settings.changed.connect(self._apply_settings)
        self.settings.notice.connect(self.notify)

    # -- state the views show ----------------------------------------------------------------

    @property
    def recent(self) -> list[Meeting]:
        return self.history.recent

    @property
    def creating(self) -> bool:
        """A meeting is being made (the busy icon, "Creating a meeting…")."""
        return self.meetings.current is not None

    @property
    def signing_in(self) -> bool:
        return self.sign_in_flow.current is not None

    @property
    def busy(self) -> bool:
        return self.creating or self.signing_in

    # -- the service ---------------------------------------------------------------------------

    @property
    def service(self) -> MeetingService | None:
        return self._host.service

    def start(self) -> None:
        """Build the service in the background: discovery, token cache, history, TLS."""
        self._host.start(self.config)

    def with_service(
        self, action: Callable[[MeetingService], None], fail: Callable[[Exception], None]
    ) -> None:
        """Run ``action`` now, or once the service is ready; ``fail`` if it never will be."""
        self._host.with_service(action, fail, self.config)

    def _ready(self, ready: Ready) -> None:
        service = ready.service
        # Settings saved while it was built (other than the account) apply to it too.
        service.config = dataclasses.replace(
            service.config, meeting=self.config.meeting, ui=self.config.ui
        )
        self.account = ready.account
        self.cache_status = service.cache_status
        log.info("ready (account: %s)", self.account.username if self.account else "none")
        if (set_aside := service.history_set_aside) is not None:
            self.notify.emit(
                Notice(
                    "History was damaged",
                    f"The damaged file was moved to {set_aside} and a new history was started.",
                    Level.WARNING,
                )
            )
        if service.cache_status.damaged:
            self.notify.emit(Notice("Sign in again", service.cache_status.damaged, Level.WARNING))
        self.history.attach(service, ready.recent)
        self.history.announce_recovered(ready.recovered)
        self.state_changed.emit()
        if self.account is not None:
            self.prepare_next_link()

    def _not_ready(self, error: MeettrayError, told: bool) -> None:
        self.last_error = error
        self.state_changed.emit()
        if not told:  # work that was waiting said so itself
            self.notify.emit(
                Notice("meettray cannot connect yet", error.message, Level.ERROR, error=error)
            )

    def shutdown(self) -> None:
        self.history.detach()
        self.sign_in_flow.cancel()
        self._runner.wait(10_000)
        self._host.shutdown()

    # -- creating meetings ---------------------------------------------------------------------

    def meet_now(
        self, *, source: str = "tray", preset: str | None = None
    ) -> MeetingOperation | None:
        """Meet now from the desktop (a click, the hotkey, the menu); ``None`` if ignored.

        A trigger within :data:`DEBOUNCE_SECONDS` of the previous one, or while a
        meeting is being made, is ignored: a double click makes one meeting.
        """
        now = self._monotonic()
        if self.meetings.busy or now - self._last_trigger < DEBOUNCE_SECONDS:
            log.info("meet now from %s ignored: a moment ago already", source)
            return None
        self._last_trigger = now
        what = f"Meet now from the {source}" + (f" ({preset})" if preset else "")
        return self.create(what=what, preset=preset)

    def create(
        self,
        request: MeetingRequest | None = None,
        *,
        what: str,
        subject: str | None = None,
        external_id: str | None = None,
        preset: str | None = None,
        tell_failure: bool = True,
        interactive: bool = True,
    ) -> MeetingOperation:
        """The one way a meeting is made: queued, then created, copied and told.

        ``request`` ``None`` is Meet now (with ``subject``, or the configured one).
        See :class:`MeetingOperation` for the flags.
        """
        op = MeetingOperation(
            what,
            parent=self,
            request=request,
            subject=subject,
            external_id=external_id,
            preset=preset,
            tell_failure=tell_failure,
            interactive=interactive,
        )
        self.meetings.add([op])
        return op

    def _delivered(self, op: MeetingOperation, delivered: Delivered) -> None:
        self.last_error = None
        self.meeting_created.emit(delivered)
        self._tell_copied(delivered.meeting, delivered.copy, delivered.created.warnings)
        self.history.add_recent(delivered.meeting)
        self.history.refresh()
        self.history.settle_lost_answers()  # the network works again
        if op.request is None:  # Meet now: the next one is made ready
            self.prepare_next_link()

    def prepare_next_link(self) -> None:
        """Make the next Meet now's meeting ahead of need, off the GUI thread (see
        ``MeetingService.prepare_spare``); a failure only means the next click asks Graph."""

        def prepare(service: MeetingService) -> None:
            self._runner.run(
                service.prepare_spare,
                lambda made: log.info("next link %s", "prepared" if made else "already there"),
                lambda exc: log.info("next link not prepared: %s", as_meettray_error(exc).message),
                context=self,
            )

        self.with_service(prepare, lambda _exc: None)

    def _not_created(self, op: MeetingOperation, error: MeettrayError) -> None:
        if isinstance(error, SignInRequired) and op.interactive and not op.waited_for_sign_in:
            # The person asked for a meeting: sign in, then make it (the same operation).
            op.waited_for_sign_in = True
            self._after_sign_in.append(op)
            self.notify.emit(Notice("Sign in to create meetings", error.message, Level.INFO))
            self.sign_in()
            return
        self.last_error = error
        op.fail(error)
        if op.tell_failure:
            self.notify.emit(
                Notice("No meeting was created", error.message, Level.ERROR, error=error)
            )

    def schedule(self, request: MeetingRequest) -> MeetingOperation:
        """A scheduled meeting; the Schedule window shows the outcome itself."""
        return self.create(request, what="Schedule a meeting", tell_failure=False)

    # -- copying and opening -------------------------------------------------------------------

    def copy(self, meeting: Meeting, *, details: bool | None = None, again: str = "") -> None:
        """Put a meeting's link (and details, per settings or ``details``) on the clipboard,
        and tell the person what the copy came to."""
        payload = clipboard_payload(meeting, self.config.ui, details=details)
        self.meetings.clipboard.copy(
            payload, lambda outcome: self._tell_copied(meeting, outcome, (), again)
        )

    def _tell_copied(
        self, meeting: Meeting, outcome: CopyOutcome, warnings: Sequence[str] = (), again: str = ""
    ) -> None:
        """The notification after a copy: what happened, never a success not observed."""
        subject = f" — {meeting.subject}" if meeting.subject else ""
        if outcome.copied:
            title, first = f"Link copied{again}{subject}", short_link(meeting.join_url)
            level = Level.WARNING if warnings else Level.SUCCESS
        else:
            # The whole link, so it can still be copied by hand from the notification.
            title, first = f"Link not copied{subject}", f"{outcome.message} {meeting.join_url}"
            level = Level.WARNING
        self.notify.emit(Notice(title, "\n".join([first, *warnings]), level, meeting=meeting))

    def copy_last(self) -> None:
        """Copy the most recent meeting's link again (the second hotkey)."""
        if not self.recent:
            self.notify.emit(Notice("No meeting yet", "Create one first: Meet now.", Level.WARNING))
            return
        self.copy(self.recent[0], again=" again")

    def _link_hosts(self) -> frozenset[str]:
        return self.config.account.link_hosts(demo=self.demo is not None)

    def open_meeting(self, meeting: Meeting) -> None:
        """Open the meeting in Teams (the browser), only when its link is a Teams link."""
        if problem := join_link_problem(meeting.join_url, self._link_hosts()):
            self.notify.emit(
                Notice(
                    "Not opened",
                    f"meettray did not open this meeting's link: {problem}.",
                    Level.WARNING,
                )
            )
            return
        if self._open_url(meeting.join_url) is False:
            self.copy(meeting, details=False)
            self.notify.emit(
                Notice(
                    "No browser could be opened",
                    "The meeting link is on your clipboard: paste it into Teams or a browser.",
                    Level.WARNING,
                )
            )

    # -- history -------------------------------------------------------------------------------

    def history_page(
        self, search: str, offset: int, limit: int, done: Callable[[HistoryPage], None]
    ) -> None:
        """A page for the History window, read off the GUI thread (see HistorySource)."""
        self.history.page(search, offset, limit, done)

    def remove_from_history(self, meeting: Meeting) -> ActionOperation:
        return self._in_background("remove from history", lambda s: s.forget(meeting))

    def cancel_meeting(self, meeting: Meeting) -> ActionOperation:
        """Cancel on the server (and remove from history)."""
        return self._in_background("cancel a meeting", lambda s: s.cancel(meeting))

    def _in_background(self, what: str, work: Callable[[MeetingService], Any]) -> ActionOperation:
        op = ActionOperation(what, self)

        def fail(exc: Exception) -> None:
            error = as_meettray_error(exc)
            op.fail(error)
            self.notify.emit(Notice("That did not work", error.message, Level.ERROR, error=error))

        def done(_: object) -> None:
            op.succeed()
            self.history.refresh()

        self.with_service(
            lambda service: self._runner.run(lambda: work(service), done, fail, context=self), fail
        )
        return op

    def _announce_recovered(self, meetings: list[Meeting]) -> None:
        for meeting in meetings:
            self.notify.emit(
                Notice(
                    "A lost meeting was found",
                    f"“{meeting.subject}” had been created although its answer was lost; "
                    "it is in History now.",
                    Level.INFO,
                    meeting=meeting,
                )
            )

    # -- sign-in -------------------------------------------------------------------------------

    def sign_in(
        self, *, device_code: bool = False, scopes: Sequence[str] = (MEETINGS,)
    ) -> SignInOperation:
        """Start sign-in (browser or device code), or return the one under way."""
        return self.sign_in_flow.sign_in(device_code=device_code, scopes=scopes)

    def cancel_sign_in(self) -> None:
        self.sign_in_flow.cancel()

    def _sign_in_began(self, op: SignInOperation) -> None:
        op.done.connect(self._signed_in)
        op.failed.connect(lambda error: self._sign_in_ended_badly(op, error))
        self.state_changed.emit()
        self.sign_in_started.emit(op)

    def _signed_in(self, account: Account) -> None:
        self.account = account
        self.last_error = None
        self.state_changed.emit()
        self.signed_in.emit(account)
        waiting, self._after_sign_in = self._after_sign_in, []
        self.meetings.add(waiting)  # the meetings asked for before sign-in
        self.prepare_next_link()

    def _sign_in_ended_badly(self, op: SignInOperation, error: MeettrayError) -> None:
        waiting, self._after_sign_in = self._after_sign_in, []
        for meeting_op in waiting:
            meeting_op.fail(error)
        self.state_changed.emit()
        if not op.cancelled:
            self.sign_in_failed.emit(error)

    def sign_out(self) -> None:
        def done(_: object) -> None:
            self.account = None
            self.state_changed.emit()

        def fail(exc: Exception) -> None:
            error = as_meettray_error(exc)
            self.notify.emit(Notice("Sign-out failed", error.message, Level.ERROR, error=error))

        def start(service: MeetingService) -> None:
            if service.signs_in:
                self._runner.run(service.sign_out, done, fail, context=self)

        self.with_service(start, fail)

    def add_gnome_shortcut(self) -> ActionOperation:
        """GNOME has no shortcuts portal before 48: a custom keyboard shortcut in GNOME's
        settings that runs 'meettray now' with the Meet now hotkey.  Says how it went."""
        from meettray.hotkeys.keys import Hotkey
        from meettray.platform.gnome_shortcut import add_shortcut

        op = ActionOperation("add a GNOME keyboard shortcut", self)
        hotkey = Hotkey.parse(self.config.hotkeys.meet_now) or Hotkey("M", ctrl=True, alt=True)
        command = self._now_command

        def done(message: str) -> None:
            op.succeed()
            self.notify.emit(Notice("Keyboard shortcut added", message, Level.INFO))

        def fail(exc: Exception) -> None:
            error = as_meettray_error(exc)
            op.fail(error)
            self.notify.emit(Notice("No keyboard shortcut added", error.message, Level.ERROR))

        self._runner.run(lambda: add_shortcut(hotkey, command), done, fail, context=self)
        return op

    # -- settings ------------------------------------------------------------------------------

    def save_settings(self, config: Config) -> ActionOperation:
        """Save to the settings file; a changed account rebuilds the service."""
        return self.settings.save(config)

    def reload_settings(self) -> None:
        """Re-read the settings file (edited by hand or by another meettray) and apply it."""
        self.settings.reload()

    def _apply_settings(self, config: Config) -> None:
        account_changed = config.account != self.config.account
        self.config = config
        if account_changed and self.demo is None:
            self.account = None
            self.history.detach()
            self._host.rebuild(config)  # a build still running for the old account goes stale
        elif self.service is not None:
            was_on = self.service.config.meeting.prepare_next_link
            self.service.config = dataclasses.replace(
                self.service.config, meeting=config.meeting, ui=config.ui,
                hotkeys=config.hotkeys, own_presets=config.own_presets,
            )  # fmt: skip
            if was_on != config.meeting.prepare_next_link:
                self._switch_spare(config.meeting.prepare_next_link)
        self.settings_saved.emit()
        self.state_changed.emit()

    def _switch_spare(self, on: bool) -> None:
        """Settings' "Prepare the next link in advance": on makes one, off deletes it."""
        if on:
            self.prepare_next_link()
            return
        self.with_service(
            lambda service: self._runner.run(
                service.drop_spares, lambda _: None,
                lambda exc: log.info("prepared meeting not deleted: %s", exc), context=self),
            lambda _exc: None,
        )  # fmt: skip
