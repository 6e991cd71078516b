"""The app model: one state, intents in through one door, jobs out.

Every trigger becomes an intent (:mod:`~meettray.ui.app_model.intents`) given
to :meth:`AppModel.dispatch`, which returns the request's job (or ``None``
for one ignored, such as a double click).  The model keeps one frozen
:class:`~meettray.ui.app_model.state.AppState` and emits it whole whenever it
changes; views render it and never read the model's attributes.  What the
person is told is decided here, once a job has settled (:class:`Notice`).
Its helpers: :class:`ServiceOwner` (the service, on a thread of its own),
:class:`MeetingRuns` (each creation's run), :class:`Sharing` (copies and openings),
:class:`SignInFlow`, :class:`HistoryFeed`, :class:`UpcomingFeed` and
:class:`SettingsApplier`.  It never touches a widget.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from meettray.accounts import DeviceCodePrompt
from meettray.config import Config
from meettray.errors import ConsentRequired, MeettrayError, SignInRequired
from meettray.ipc import HotkeyState
from meettray.links import LinkGate, LinkRefused
from meettray.meetings import Meeting
from meettray.platform.clipboard import CopyOutcome
from meettray.results import HistoryPage
from meettray.ui.app_model import intents as i
from meettray.ui.app_model.history_feed import HistoryFeed
from meettray.ui.app_model.jobs import (
    ActionJob,
    Delivered,
    Done,
    Failed,
    Job,
    MeetingJob,
    NeedsSignIn,
    Outcome,
    SignInJob,
    as_meettray_error,
)
from meettray.ui.app_model.meeting_runs import ClipboardWriter, MeetingRuns
from meettray.ui.app_model.notices import Level, Notice, tr
from meettray.ui.app_model.profiles import AccountsKeeper, meeting_profile, whose
from meettray.ui.app_model.service_owner import (
    Priority,
    Ready,
    ServiceFactory,
    ServiceOwner,
    changed_profiles,
)
from meettray.ui.app_model.settings_applier import SettingsApplier
from meettray.ui.app_model.sharing import ClipboardReader, Sharing
from meettray.ui.app_model.signin_flow import SignInFlow
from meettray.ui.app_model.state import AppState, ServiceStatus
from meettray.ui.app_model.tasks import TaskRunner
from meettray.ui.app_model.upcoming_feed import UpcomingFeed
from meettray.upcoming import Upcoming

if TYPE_CHECKING:
    from meettray.demo.runtime import DemoEnvironment
    from meettray.platform.autostart import Autostart
    from meettray.service import MeetingService

log = logging.getLogger(__name__)

#: Seconds after a desktop Meet now during which another desktop trigger is ignored.
DEBOUNCE_SECONDS = 0.8


class AppModel(QObject):
    """Coordinates the tray app's work.  Lives on the GUI thread."""

    #: The state changed; the new one, whole.
    state_changed = Signal(AppState)
    #: Something the person should be told.
    notify = Signal(Notice)
    #: Device-code sign-in: show the code.
    device_code_ready = Signal(DeviceCodePrompt)
    #: A sign-in began (the person asked, or Meet now found nobody signed in): its job.
    sign_in_started = Signal(SignInJob)
    #: A window to show, as an intent asked (``OpenSchedule``, ``OpenHistory``).
    window_requested = Signal(object)
    #: A meeting's reminder is due and ``[calendar] full_screen_reminder`` is on.
    reminder_due = Signal(Upcoming)

    def __init__(
        self,
        config: Config,
        *,
        runner: TaskRunner,
        clipboard: ClipboardWriter,
        open_url: Callable[[str], object],
        service_factory: ServiceFactory,
        clipboard_reader: ClipboardReader | None = None,
        demo: DemoEnvironment | None = None,
        autostart: Autostart | None = None,
        now_command: str = "meettray now",
        monotonic: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        """``service_factory``: builds the service from the settings, on the owner's
        thread (the composition root passes :func:`meettray.service.build_service`);
        ``clipboard_reader``: reads the clipboard for "Join the meeting on the clipboard"."""
        super().__init__(parent)
        self.demo = demo
        self._state = AppState(config=config, demo=demo is not None)
        self._runner = runner
        self._open_url = open_url
        self._monotonic = monotonic
        self._now_command = now_command
        self._last_trigger = -DEBOUNCE_SECONDS
        self._link_gate = LinkGate(monotonic)
        #: Meetings asked for while their profile had nobody signed in, by profile.
        self._after_sign_in: dict[str, list[MeetingJob]] = {}

        self.owner = ServiceOwner(service_factory, config, demo=demo, open_url=open_url,
                                  aside=runner, parent=self)  # fmt: skip
        self.owner.ready.connect(self._ready)
        self.owner.failed.connect(self._not_ready)
        self.accounts = AccountsKeeper(self.owner, lambda: self.config, self)
        self.accounts.changed.connect(self._accounts_changed)
        self.accounts.notice.connect(self.notify)
        self.meetings = MeetingRuns(self.owner, clipboard, lambda: self.config.ui, parent=self)
        self.sharing = Sharing(clipboard=clipboard, tell=self.notify.emit,
                               config=lambda: self.config, open_url=open_url,
                               demo=demo is not None, reader=clipboard_reader)  # fmt: skip
        self.meetings.link_ready.connect(self._link_ready)
        self.meetings.delivered.connect(self._delivered)
        self.meetings.failed.connect(self._not_created)
        self.meetings.busy_changed.connect(self._busy_changed)
        self.history = HistoryFeed(self.owner, self)
        self.history.changed.connect(self._history_changed)
        self.history.recent_changed.connect(lambda: self._update(recent=tuple(self.history.recent)))
        self.history.recovered.connect(self._announce_recovered)
        self.sign_in_flow = SignInFlow(self.owner, self)
        self.sign_in_flow.started.connect(self._sign_in_began)
        self.sign_in_flow.device_code_ready.connect(self.device_code_ready)
        self.settings = SettingsApplier(runner, lambda: self.config, autostart, self)
        self.settings.changed.connect(self._apply_settings)
        self.settings.notice.connect(self.notify)
        self.upcoming = UpcomingFeed(self.owner, lambda: self.config, clipboard=clipboard,
                                     open_url=open_url, join=self.sharing.join,
                                     demo=demo is not None,
                                     parent=self)  # fmt: skip
        self.upcoming.changed.connect(lambda found: self._update(upcoming=found))
        self.upcoming.notice.connect(self.notify)
        self.upcoming.remind_full_screen.connect(self.reminder_due)
        self._accounts_changed()  # every profile listed from the start

    # -- the state -------------------------------------------------------------------------

    @property
    def state(self) -> AppState:
        return self._state

    @property
    def config(self) -> Config:
        """The settings in force (``state.config``)."""
        return self._state.config

    def _update(self, **changes: Any) -> None:
        new = dataclasses.replace(self._state, **changes)
        if new != self._state:
            self._state = new
            self.state_changed.emit(new)

    def _record(self, origin: i.Origin, outcome: Outcome) -> None:
        self._state = self._state.with_outcome(origin, outcome)
        self.state_changed.emit(self._state)

    def hotkeys_changed(self, hotkeys: dict[str, HotkeyState]) -> None:
        """The hotkey manager's report (bound, refused, waiting for the desktop)."""
        self._update(hotkeys=dict(hotkeys))

    # -- the one door ----------------------------------------------------------------------

    def dispatch(self, intent: i.Intent) -> Job | None:
        """Carry out ``intent``; its job, or ``None`` when it was ignored or is immediate."""
        if isinstance(intent, i.MeetNow):
            return self._meet_now(intent)
        if isinstance(intent, i.Schedule):
            return self._queue(MeetingJob("Schedule a meeting", intent, self))
        if isinstance(intent, i.Copy):
            self.sharing.copy(intent.meeting, details=intent.details, again=intent.again)
        elif isinstance(intent, i.CopyLast):
            self.sharing.copy_last(self._state.recent)
        elif isinstance(intent, i.OpenMeeting):
            self.sharing.open(intent.meeting)
        elif isinstance(intent, i.OpenOptions):
            self.sharing.open_options(intent.meeting)
        elif isinstance(intent, i.Forget):
            return self._in_background("remove from history", lambda s: s.forget(intent.meeting))
        elif isinstance(intent, i.Cancel):
            return self._in_background(
                "cancel a meeting",
                lambda s: s.cancel(intent.meeting),
                account=intent.meeting.profile,
            )  # its organizer's
        elif isinstance(intent, i.SignIn):
            return self._sign_in(intent)
        elif isinstance(intent, i.CancelSignIn):
            self.sign_in_flow.cancel()
        elif isinstance(intent, i.SignOut):
            return self._sign_out(intent.account)
        elif isinstance(intent, i.SetDefaultAccount):
            return self._set_default_account(intent.name)
        elif isinstance(intent, i.SaveSettings):
            return self.settings.save(intent.config)
        elif isinstance(intent, i.ReloadSettings):
            self.settings.reload()
        elif isinstance(intent, i.AddGnomeShortcut):
            return self._add_gnome_shortcut()
        elif isinstance(intent, i.FollowLink):
            return self._follow_link(intent)
        elif isinstance(intent, (i.OpenSchedule, i.OpenHistory)):
            self.window_requested.emit(intent)
        elif isinstance(intent, i.JoinMeeting):
            self.sharing.join(intent.url)
        elif isinstance(intent, i.JoinClipboard):
            self.sharing.join_clipboard()
        elif isinstance(intent, (i.Join, i.CopyJoinLink, i.OpenInOutlook)):
            self.upcoming.act(intent)
        elif isinstance(intent, i.RefreshUpcoming):
            self.upcoming.refresh()
        elif isinstance(intent, i.SnoozeReminder):
            self.upcoming.snooze(intent.meeting, intent.minutes)
        elif isinstance(intent, i.JoinNext):
            self.upcoming.join_next()
        return None

    def _follow_link(self, intent: i.FollowLink) -> Job | None:
        """A ``meettray://`` link: the intent it becomes, carried out; refused, the person
        is told what was refused, and the job fails with the same words."""
        from meettray.ui.app_model.link_intents import intent_for

        try:
            wanted = intent_for(intent, self.config, self._link_gate, demo=self.demo is not None)
        except LinkRefused as exc:
            refusal = exc
        else:
            return self.dispatch(wanted)
        self.notify.emit(Notice("meettray link refused", refusal.message, Level.WARNING))
        job = ActionJob("follow a meettray link", self)
        QTimer.singleShot(0, job, lambda: job.fail(refusal))  # never inside this call
        return job

    # -- the service -----------------------------------------------------------------------

    def start(self) -> None:
        """Build the service in the background: discovery, token cache, history, TLS; then
        the other profiles' (behind anything asked), so the menu knows who is signed in."""
        self.owner.start()
        default = self.config.default_account()
        for name in self.config.account_names():
            if name != default:
                self.owner.start(name, priority=Priority.BACKGROUND)
        self._check_for_updates()

    def _check_for_updates(self) -> None:
        """Opt-in, at most daily, never where a package manager owns the install."""
        from meettray import paths
        from meettray.updates import Update, check, managed_by

        if not self.config.ui.check_for_updates or self.demo is not None or managed_by():
            return

        def found(update: Update | None) -> None:
            if update is not None:
                self.notify.emit(Notice(f"meettray {update.version} is available",
                                        f"What is new, and how to update: {update.url}",
                                        Level.INFO))  # fmt: skip

        stamp = paths.data_dir() / "update-check"
        self._runner.run(
            lambda: check(stamp), found, lambda exc: log.info("no update check: %s", exc),
            context=self,
        )  # fmt: skip

    def shutdown(self) -> None:
        self.history.detach()
        self.sign_in_flow.cancel()
        self.owner.shutdown(10_000)
        self._runner.wait(10_000)

    def _ready(self, ready: Ready) -> None:
        if (set_aside := ready.history_set_aside) is not None:
            self.notify.emit(
                Notice(
                    tr("History was damaged"),
                    tr(
                        "The damaged file was moved to {path} and a new history was started."
                    ).format(path=set_aside),
                    Level.WARNING,
                )
            )
        if ready.cache_status is not None and ready.cache_status.damaged:
            self.notify.emit(Notice(tr("Sign in again"), ready.cache_status.damaged, Level.WARNING))
        default = ready.profile == self.config.default_account()
        if default:
            self._update(service=ServiceStatus.READY, service_error=None,
                         cache_status=ready.cache_status)  # fmt: skip
        self.accounts.known(ready.profile, ready.account)
        if not self.history.attached:  # one history for every profile: read once
            self.history.attach(ready.recent)
        self.history.announce_recovered(ready.recovered)
        if ready.account is not None:
            self.accounts.prepare(ready.profile)

    def _accounts_changed(self) -> None:
        """The profiles' people or spares changed: the state says so, the default's apart,
        and the calendars read are those of the accounts signed in."""
        default = self.config.default_account()
        self.upcoming.accounts_changed(
            [name for name in self.config.account_names() if self.accounts.person(name)]
        )
        self._update(
            accounts=self.accounts.statuses(self.sign_in_flow.signing_in,
                                            demo=self.demo is not None),
            account=self.accounts.person(default),
            link_prepared=default in self.accounts.prepared,
            signing_in=bool(self.sign_in_flow.signing_in),
        )  # fmt: skip

    def _not_ready(self, profile: str, error: MeettrayError) -> None:
        if profile != self.config.default_account():  # the menu shows it not signed in
            log.warning("account %s could not start: %s (%s)", profile, error.message,
                        error.detail)  # fmt: skip
            return
        log.warning("could not start: %s (%s)", error.message, error.detail)
        self._update(service=ServiceStatus.FAILED, service_error=error)
        if not self.meetings.busy:  # a request that was waiting says so itself
            self.notify.emit(
                Notice(tr("meettray cannot connect yet"), error.message, Level.ERROR, error=error)
            )

    # -- creating meetings -----------------------------------------------------------------

    def _meet_now(self, intent: i.MeetNow) -> MeetingJob | None:
        """A double click makes one meeting: a desktop trigger within
        :data:`DEBOUNCE_SECONDS` of the previous one, or while one is made, is ignored."""
        named = intent.preset and intent.origin is not i.Origin.LINK  # a link's values: unlogged
        what = f"Meet now from the {intent.source}" + (f" ({intent.preset})" if named else "")
        if intent.origin is i.Origin.DESKTOP:
            now = self._monotonic()
            if self.meetings.busy or now - self._last_trigger < DEBOUNCE_SECONDS:
                log.info("%s ignored: a moment ago already", what)
                return None
            self._last_trigger = now
        job = MeetingJob(what, intent, self)
        job.account = meeting_profile(intent, self.config)
        self._queue(job)
        return job

    def _queue(self, job: MeetingJob) -> MeetingJob:
        self.meetings.start([job])
        return job

    def _busy_changed(self) -> None:
        self._update(creating=self.meetings.busy)

    @staticmethod
    def _origin(job: MeetingJob) -> i.Origin:
        return job.intent.origin if isinstance(job.intent, i.MeetNow) else i.Origin.SCHEDULE

    def _link_ready(self, job: MeetingJob, meeting: Meeting, _copy: CopyOutcome) -> None:
        """Recent shows it before whoever asked hears of it."""
        self.history.add_recent(meeting)
        if isinstance(job.intent, i.MeetNow):
            self.accounts.taken(job.account)

    def _delivered(self, job: MeetingJob, delivered: Delivered) -> None:
        self._record(self._origin(job), delivered)
        job.settle(delivered)
        self.sharing.tell_copied(delivered.meeting, delivered.copy, delivered.created.warnings,
                                 whose=whose(self.config, job.account))  # fmt: skip
        self.history.add_recent(delivered.meeting)  # as it ends up (its PATCH made)
        self.history.refresh()
        self.history.settle_lost_answers(job.account)  # the network works again
        if isinstance(job.intent, i.MeetNow) and job.account is not None:
            self.accounts.prepare(job.account)  # that profile's next one is made ready

    def _not_created(self, job: MeetingJob, error: MeettrayError) -> None:
        desktop = self._origin(job) is i.Origin.DESKTOP
        # A permission never granted is not a sign-in gone: it is the person's (or an
        # admin's) to grant, never a silent sign-in that would ask again and again.
        consent = isinstance(error, ConsentRequired)
        if (
            isinstance(error, SignInRequired)
            and not consent
            and desktop
            and (not job.waited_for_sign_in)
        ):
            # The person asked for a meeting: sign in, then make it (the same job).
            job.waited_for_sign_in = True
            profile = job.account or self.config.default_account()
            self._after_sign_in.setdefault(profile, []).append(job)
            self.notify.emit(Notice(tr("Sign in to create meetings") + whose(self.config, profile),
                                    error.message, Level.INFO))  # fmt: skip
            self.sign_in_flow.sign_in(account=profile)
            return
        outcome: Outcome = (NeedsSignIn(error) if isinstance(error, SignInRequired)
                            and not consent else Failed(error))  # fmt: skip
        self._record(self._origin(job), outcome)
        job.settle(outcome)
        if desktop or self._origin(job) is i.Origin.LINK:  # a dialog or a command shows its own
            title = tr("No meeting was created") + whose(self.config, job.account)
            self.notify.emit(Notice(title, error.message, Level.ERROR, error=error))

    # -- history ---------------------------------------------------------------------------

    def history_page(
        self, search: str, offset: int, limit: int, done: Callable[[HistoryPage], None]
    ) -> None:
        """A page for the History window, read on the owner's thread (see HistorySource)."""
        self.history.page(search, offset, limit, done)

    def _history_changed(self) -> None:
        self._update(history_version=self._state.history_version + 1)

    def _in_background(
        self, what: str, work: Callable[[MeetingService], Any], *, account: str | None = None
    ) -> ActionJob:
        job = ActionJob(what, self)
        job.start()

        def fail(exc: Exception) -> None:
            error = as_meettray_error(exc)
            job.fail(error)
            self.notify.emit(
                Notice(tr("That did not work"), error.message, Level.ERROR, error=error)
            )

        def done(_: object) -> None:
            job.settle(Done())
            self.history.refresh()

        self.owner.run(work, done, fail, context=self, account=account)
        return job

    def _announce_recovered(self, meetings: list[Meeting]) -> None:
        for meeting in meetings:
            self.notify.emit(
                Notice(
                    tr("A lost meeting was found"),
                    tr(
                        "“{subject}” had been created although its answer was lost; "
                        "it is in History now."
                    ).format(subject=meeting.subject),
                    Level.INFO,
                    meeting=meeting,
                )
            )

    # -- sign-in ---------------------------------------------------------------------------

    def _sign_in(self, intent: i.SignIn) -> Job:
        try:
            profile = self.config.for_account(intent.account).profile
        except MeettrayError as exc:  # an unknown profile
            return self._refused(f"sign in ({intent.account})", exc)
        return self.sign_in_flow.sign_in(device_code=intent.device_code, scopes=intent.scopes,
                                         parent_window=intent.parent_window,
                                         account=profile)  # fmt: skip

    def _refused(self, what: str, error: MeettrayError) -> ActionJob:
        """A request that cannot start: told, and its job fails (never inside this call)."""
        self.notify.emit(Notice(tr("That did not work"), error.message, Level.ERROR, error=error))
        job = ActionJob(what, self)
        QTimer.singleShot(0, job, lambda: job.fail(error))
        return job

    def _sign_in_began(self, job: SignInJob) -> None:
        job.settled.connect(lambda outcome: self._sign_in_ended(job, outcome))
        self._accounts_changed()
        self.sign_in_started.emit(job)

    def _sign_in_ended(self, job: SignInJob, outcome: Outcome) -> None:
        waiting = self._after_sign_in.pop(job.profile, [])
        if isinstance(outcome, Done) and job.account is not None:
            self._update(outcomes={k: v for k, v in self._state.outcomes.items()
                                   if k is not i.Origin.DESKTOP})  # fmt: skip
            self.accounts.known(job.profile, job.account)
            self.meetings.start(waiting)  # the meetings asked for before sign-in
            self.upcoming.apply(signed_in=True)  # a consent just given: read again
            self.accounts.prepare(job.profile)
            return
        self._accounts_changed()
        error = job.error or MeettrayError("Sign-in failed.")
        for meeting_job in waiting:
            self._record(self._origin(meeting_job), Failed(error))
            meeting_job.fail(error)

    def _sign_out(self, account: str | None) -> ActionJob:
        try:
            profile = self.config.for_account(account).profile
        except MeettrayError as exc:  # an unknown profile
            return self._refused(f"sign out ({account})", exc)
        return self.accounts.sign_out(profile)  # its calendar goes as it is forgotten

    def _set_default_account(self, name: str) -> ActionJob:
        """``[ui] default_account``, saved as Settings saves (an enforced one is refused)."""
        config = self.config
        try:
            config.account_config(name)
        except MeettrayError as exc:
            return self._refused("set the default account", exc)
        job = self.settings.save(
            dataclasses.replace(config, ui=dataclasses.replace(config.ui, default_account=name))
        )

        def settled(outcome: Outcome) -> None:
            if isinstance(outcome, Failed):
                self.notify.emit(Notice(tr("The default account was not changed"),
                                        outcome.error.message, Level.ERROR,
                                        error=outcome.error))  # fmt: skip

        job.settled.connect(settled)
        return job

    def _add_gnome_shortcut(self) -> ActionJob:
        """GNOME has no shortcuts portal before 48: a custom keyboard shortcut in GNOME's
        settings that runs 'meettray now' with the Meet now hotkey.  Says how it went."""
        from meettray.hotkeys.keys import Hotkey
        from meettray.platform.gnome_shortcut import add_shortcut

        job = ActionJob("add a GNOME keyboard shortcut", self)
        hotkey = Hotkey.parse(self.config.hotkeys.meet_now) or Hotkey("M", ctrl=True, alt=True)
        command = self._now_command

        def done(message: str) -> None:
            job.settle(Done(message))
            self.notify.emit(Notice(tr("Keyboard shortcut added"), message, Level.INFO))

        def fail(exc: Exception) -> None:
            error = as_meettray_error(exc)
            job.fail(error)
            self.notify.emit(Notice(tr("No keyboard shortcut added"), error.message, Level.ERROR))

        self._runner.run(lambda: add_shortcut(hotkey, command), done, fail, context=self)
        return job

    # -- settings --------------------------------------------------------------------------

    def _apply_settings(self, config: Config) -> None:
        before = self.config
        self._update(config=config)
        default = config.default_account()
        default_moved = default != before.default_account()
        # The demo's accounts are its own: a change to the settings' is no change to them.
        changed = [] if self.demo is not None else changed_profiles(before, config)
        names = config.account_names()
        added = [name for name in names if name not in before.account_names()]
        gone = [name for name in before.account_names() if name not in names]
        self.owner.configure(config, rebuild=self.demo is None)
        if changed or gone:
            self.accounts.forget({*changed, *gone})
        if default in changed:
            self.history.detach()  # read again from the new service once it is built
            self._update(service=ServiceStatus.STARTING)
        rebuilt = [*changed, *added]
        if default_moved and default not in self.accounts.people:  # never built, or failed
            rebuilt.append(default)
        for name in dict.fromkeys(rebuilt):
            if name in names:  # built again, so the menu knows its person
                self.owner.start(name, priority=Priority.CONFIG if name == default
                                 else Priority.BACKGROUND)  # fmt: skip
        self._accounts_changed()
        self.upcoming.apply(signed_in=bool(self.upcoming.accounts))  # new [calendar] settings
        if before.meeting.prepare_next_link != config.meeting.prepare_next_link:
            self.accounts.switch_spares(config.meeting.prepare_next_link)
