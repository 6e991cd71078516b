"""Upcoming meetings for the tray: a refresh on a timer through the service's owner, the
last good list kept when one fails, reminders when they fall due, and the intents that
act on a meeting (join, copy its link, open it in Outlook).

Off until ``[calendar] upcoming`` is on: reading the calendar needs its own consent,
and nobody is asked for it before they turn the feature on.  The refresh runs on the
owner's thread at background priority (behind anything a person asked); the GUI thread
only swaps the list in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from PySide6.QtCore import QObject, QTimer, Signal

from meettray.config import CalendarConfig, Config
from meettray.errors import GraphError, MeettrayError, NetworkError
from meettray.formatting import ClipboardPayload
from meettray.meetings import Meeting, join_link_problem
from meettray.reminders import due_reminders
from meettray.results import utc_now
from meettray.ui.app_model import intents as i
from meettray.ui.app_model.jobs import as_meettray_error
from meettray.ui.app_model.meeting_runs import ClipboardWriter
from meettray.ui.app_model.notices import Level, Notice
from meettray.ui.app_model.service_owner import Priority, ServiceOwner
from meettray.upcoming import (
    NO_UPCOMING,
    Upcoming,
    UpcomingList,
    in_time_order,
    next_meeting,
    teams_hosts,
    when_label,
)

log = logging.getLogger(__name__)

#: Seconds between two looks at whether a reminder is due.
REMINDER_CHECK_SECONDS = 20
#: A gap this long between two looks means the computer slept: read the calendar again.
WOKE_AFTER = timedelta(seconds=3 * REMINDER_CHECK_SECONDS)
#: After a refresh that could not reach Graph, the next try comes this soon (the network
#: may be back), not a whole refresh interval later.
RETRY_OFFLINE_AFTER = timedelta(minutes=1)


def as_meeting(item: Upcoming) -> Meeting:
    """An upcoming meeting as a notice's meeting (a click on the notice joins it)."""
    return Meeting(id=item.id, join_url=item.join_url or item.web_link, subject=item.subject,
                   start=item.start, end=item.end, created_at=item.start,
                   is_calendar_event=True, account=item.account)  # fmt: skip


class UpcomingFeed(QObject):
    """Keeps :attr:`items` (the last good list) fresh while the feature is on."""

    #: A new list (the last good one stays when a refresh fails).
    changed = Signal(UpcomingList)
    #: Something the person should be told (a reminder, a link not opened).
    notice = Signal(Notice)
    #: A reminder fell due and ``[calendar] full_screen_reminder`` is on: the view shows
    #: its window.
    remind_full_screen = Signal(Upcoming)

    def __init__(
        self,
        owner: ServiceOwner,
        config: Callable[[], Config],
        *,
        clipboard: ClipboardWriter,
        open_url: Callable[[str], object],
        join: Callable[[str | None], object],
        demo: bool,
        clock: Callable[[], datetime] = utc_now,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._owner = owner
        self._config = config
        self._clipboard = clipboard
        self._open_url = open_url
        #: Every join goes one way: ``Sharing.join``.
        self._join = join
        self._demo = demo
        #: The wall clock (tests set a fake one).
        self.clock = clock
        self.items: UpcomingList = NO_UPCOMING
        #: The accounts signed in, whose calendars are read (the settings' order).
        self.accounts: tuple[str, ...] = ()
        self.reminded: set[str] = set()
        #: Reminders put off (Snooze): the meeting and when to remind again.
        self.snoozed: list[tuple[Upcoming, datetime]] = []
        self._running = False
        self._again = False
        self._refresh_timer = QTimer(self)
        self._refresh_timer.timeout.connect(self.refresh)
        self._reminder_timer = QTimer(self)
        self._reminder_timer.setInterval(REMINDER_CHECK_SECONDS * 1000)
        self._reminder_timer.timeout.connect(lambda: self.tick(self.clock()))
        self._last_tick: datetime | None = None
        #: When the calendar was last asked for (by this feed's clock).
        self.last_try: datetime | None = None
        #: The last refresh could not reach Graph: try again soon.
        self._offline = False

    @property
    def refreshing(self) -> bool:
        return self._running

    @property
    def settings(self) -> CalendarConfig:
        return self._config().calendar

    def accounts_changed(self, accounts: Sequence[str]) -> None:
        """The accounts signed in now: their calendars are read (none: the feature stops);
        a list read for other accounts is read again."""
        accounts = tuple(accounts)
        if accounts == self.accounts:
            return
        self.accounts = accounts
        if not accounts:
            self.apply(signed_in=False)
        elif self._refresh_timer.isActive():
            self.refresh()
        else:
            self.apply(signed_in=True)

    def apply(self, signed_in: bool) -> None:
        """Start or stop as the settings and the sign-in say; a start refreshes at once."""
        on = self.settings.upcoming and signed_in
        if not on:
            self._refresh_timer.stop()
            self._reminder_timer.stop()
            if self.items.items:
                self.items = NO_UPCOMING
                self.changed.emit(self.items)
            return
        self._refresh_timer.setInterval(self.settings.refresh_minutes * 60_000)
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()
            self._reminder_timer.start()
            self.refresh()
        elif self.items.stale_because:  # a sign-in (the consent, say) or new settings
            self.refresh()

    def refresh(self) -> None:
        """Read the calendar on the owner's thread, behind what a person asked for."""
        if self._running:
            self._again = True  # asked after that one began: read again once it ends
            return
        self._running, self._again = True, False
        self.last_try = self.clock()
        accounts = self.accounts or (self._config().default_account(),)
        self._owner.run_each(accounts, lambda service: service.upcoming(), self._read,
                             self._failed, context=self,
                             priority=Priority.BACKGROUND)  # fmt: skip

    def _read(self, results: list[tuple[str, UpcomingList | MeettrayError]]) -> None:
        """Each account's list, merged in time order; an account that failed is named in
        why the list is not fresh, and the others' meetings are shown.  None read: the
        failure of the first."""
        lists = [found for _name, found in results if isinstance(found, UpcomingList)]
        failed = [(name, e) for name, e in results if isinstance(e, MeettrayError)]
        if not lists:
            self._failed(failed[0][1] if failed else MeettrayError("No account to read."))
            return
        if len(results) == 1:
            self._refreshed(lists[0])
            return
        config = self._config()
        why = [found.stale_because for found in lists if found.stale_because]
        why += [f"{config.label_of(name)}: {error.message}" for name, error in failed]
        times = [found.fetched_at for found in lists if found.fetched_at is not None]
        items = in_time_order(item for found in lists for item in found.items)
        self._refreshed(UpcomingList(tuple(items), min(times) if times else None,
                                     " ".join(why)))  # fmt: skip

    def _refreshed(self, found: UpcomingList) -> None:
        self._running = False
        if not self._refresh_timer.isActive():
            return  # turned off, or signed out, meanwhile: nothing to show
        if self._again:
            self.refresh()
            return
        if (
            found.stale_because
            and self.items.fetched_at is not None
            and (found.fetched_at is None or found.fetched_at <= self.items.fetched_at)
        ):
            # Offline: what this tray has is at least as new as the file's.
            self.items = UpcomingList(self.items.items, self.items.fetched_at,
                                      found.stale_because)  # fmt: skip
        else:
            self.items = found
        self._offline = bool(found.stale_because)
        self.changed.emit(self.items)
        self.check_reminders(self.clock())

    def _failed(self, exc: Exception) -> None:
        """The last good list stays; the state says why it is not fresh."""
        self._running = False
        if not self._refresh_timer.isActive():
            return
        if self._again:
            self.refresh()
            return
        error = as_meettray_error(exc)
        log.info("upcoming meetings not refreshed: %s", error.message)
        # A consent or a sign-in is not coming back by itself: no quick retry for those.
        self._offline = isinstance(error, NetworkError) or (
            isinstance(error, GraphError) and (error.status == 429 or error.status >= 500)
        )
        self.items = UpcomingList(self.items.items, self.items.fetched_at, error.message)
        self.changed.emit(self.items)

    def tick(self, now: datetime) -> None:
        """The regular look (every :data:`REMINDER_CHECK_SECONDS`): after a sleep, or while
        offline, read the calendar again; then the reminders due."""
        last, self._last_tick = self._last_tick, now
        if last is not None and now - last > WOKE_AFTER:
            log.info("upcoming meetings: awake again, reading the calendar")
            self.refresh()
        elif self._offline and self.last_try is not None and (
            now - self.last_try >= RETRY_OFFLINE_AFTER):  # fmt: skip
            self.refresh()
        self.check_reminders(now)

    def check_reminders(self, now: datetime) -> list[Upcoming]:
        """Tell the person of each meeting whose reminder is due at ``now`` (once each)."""
        due = due_reminders(self.items.items, now, minutes_before=self.settings.remind_minutes,
                            reminded=self.reminded)  # fmt: skip
        again = [item for item, when in self.snoozed if when <= now < item.end]
        self.snoozed = [(item, when) for item, when in self.snoozed if when > now]
        due += again
        for item in due:
            self.notice.emit(Notice(
                f"{item.subject or 'A meeting'} {when_label(item, now)}",
                f"{item.organizer} · click to join" if item.join_url
                else f"{item.organizer} · no Teams link",
                Level.INFO, meeting=as_meeting(item) if item.join_url else None, upcoming=item,
            ))  # fmt: skip
            if self.settings.full_screen_reminder:
                self.remind_full_screen.emit(item)
        return due

    def snooze(self, item: Upcoming, minutes: int) -> None:
        """Remind of ``item`` again in ``minutes`` (while it is not over)."""
        self.snoozed.append((item, self.clock() + timedelta(minutes=minutes)))

    # -- acting on a meeting ---------------------------------------------------------------

    def join_next(self) -> None:
        """The meeting in progress, else the next to start, joined (or said there is none)."""
        item = next_meeting(self.items.items, self.clock())
        if item is None:
            self.notice.emit(Notice("No meeting to join", "Your calendar has no meeting in "
                                    "progress or still to come.", Level.WARNING))  # fmt: skip
            return
        self.act(i.Join(item) if item.join_url else i.OpenInOutlook(item))

    def act(self, intent: i.Join | i.CopyJoinLink | i.OpenInOutlook) -> None:
        item = intent.meeting
        hosts = self._config().account.link_hosts(demo=self._demo)
        if isinstance(intent, i.OpenInOutlook):
            if item.web_link and not join_link_problem(item.web_link, hosts):
                self._open_url(item.web_link)
            return
        if isinstance(intent, i.Join):
            self._join(item.join_url)  # checked, opened and told as every join is
            return
        url = item.join_url or ""
        if problem := (join_link_problem(url, teams_hosts(hosts)) if url else "it has none"):
            self.notice.emit(Notice("Not joined", f"meettray did not use this meeting's "
                                    f"Teams link: {problem}.", Level.WARNING))  # fmt: skip
            return
        self._clipboard.copy(ClipboardPayload(url, ""), lambda outcome: self.notice.emit(
            Notice("Link copied" if outcome.copied else "Link not copied",
                   item.subject if outcome.copied else outcome.message,
                   Level.SUCCESS if outcome.copied else Level.WARNING)))  # fmt: skip
