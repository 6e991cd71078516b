"""Copying a meeting's link and opening it, for the app model.

A copy is told as the clipboard took it (never a success not observed), with a
warning when Teams has deleted the meeting already; a link is opened only when
it names one of the configured cloud's Teams hosts, the way ``[calendar] join``
says, and its link is put on the clipboard where no browser could be opened.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from meettray.config import Config
from meettray.formatting import clipboard_payload, expired_copy_warning, short_link
from meettray.meetings import Meeting, join_link_problem
from meettray.platform.clipboard import CopyOutcome
from meettray.results import utc_now
from meettray.ui.app_model.meeting_runs import ClipboardWriter
from meettray.ui.app_model.notices import Level, Notice, tr
from meettray.upcoming import join_target


class Sharing:
    """The model's copies and openings; it tells the person through ``tell``."""

    def __init__(
        self,
        *,
        clipboard: ClipboardWriter,
        tell: Callable[[Notice], None],
        config: Callable[[], Config],
        open_url: Callable[[str], object],
        demo: bool,
    ) -> None:
        self._clipboard = clipboard
        self._tell = tell
        self._config = config
        self._open_url = open_url
        self._demo = demo

    def copy(self, meeting: Meeting, *, details: bool | None = None, again: str = "") -> None:
        """Put a meeting's link (and details, per settings or ``details``) on the clipboard,
        and tell the person what the copy came to."""
        payload = clipboard_payload(meeting, self._config().ui, details=details)
        # Teams deletes a meeting 60 days after its end: copying its link again says so.
        expired = tuple(filter(None, [expired_copy_warning(meeting, utc_now())]))
        self._clipboard.copy(
            payload, lambda outcome: self.tell_copied(meeting, outcome, expired, again)
        )

    def tell_copied(
        self,
        meeting: Meeting,
        outcome: CopyOutcome,
        warnings: Sequence[str] = (),
        again: str = "",
        *,
        whose: str = "",
    ) -> None:
        """The notification after a copy: what happened, never a success not observed.
        ``whose``: the account, `` (Fabrikam)``, when there is more than one."""
        subject = whose + (f" — {meeting.subject}" if meeting.subject else "")
        if outcome.copied:
            title, first = (
                tr("Link copied again" if again else "Link copied") + subject,
                short_link(meeting.join_url),
            )
            level = Level.WARNING if warnings else Level.SUCCESS
        else:
            # The whole link, so it can still be copied by hand from the notification.
            title, first = tr("Link not copied") + subject, f"{outcome.message} {meeting.join_url}"
            level = Level.WARNING
        self._tell(Notice(title, "\n".join([first, *warnings]), level, meeting=meeting))

    def copy_last(self, recent: Sequence[Meeting]) -> None:
        """Copy the most recent meeting's link again (the second hotkey)."""
        if not recent:
            self._tell(
                Notice(tr("No meeting yet"), tr("Create one first: Meet now."), Level.WARNING)
            )
            return
        self.copy(recent[0], again=" again")

    def open(self, meeting: Meeting) -> None:
        """Open the meeting in Teams (the browser), only when its link is a Teams link."""
        hosts = self._config().account.link_hosts(demo=self._demo)
        if problem := join_link_problem(meeting.join_url, hosts):
            self._tell(
                Notice(
                    tr("Not opened"),
                    tr("meettray did not open this meeting's link: {problem}.").format(
                        problem=problem
                    ),
                    Level.WARNING,
                )
            )
            return
        # The way [calendar] join says: Teams' app, the browser or Teams on the web.
        if self._open_url(join_target(meeting.join_url, self._config().calendar.join)) is False:
            self.copy(meeting, details=False)
            self._tell(
                Notice(
                    tr("No browser could be opened"),
                    tr("The meeting link is on your clipboard: paste it into Teams or a browser."),
                    Level.WARNING,
                )
            )

    def open_options(self, meeting: Meeting) -> None:
        """The meeting's options page in Teams, only where Graph gave one on a Teams host."""
        url = meeting.options_url
        if not url or join_link_problem(url, self._config().account.link_hosts(
            demo=self._demo
        )):  # fmt: skip
            self._tell(Notice(tr("No meeting options page"),
                                    tr("Microsoft Graph gave no options page for this meeting."),
                                    Level.WARNING))  # fmt: skip
            return
        if self._open_url(url) is False:
            self._tell(Notice(tr("No browser could be opened"),
                                    tr("Open this address to change the meeting's options: {url}")
                                    .format(url=url),
                                    Level.WARNING))  # fmt: skip

    def join(self, url: str) -> None:
        """Open a join link from a ``meettray://join`` link: a Teams link only."""
        hosts = self._config().account.link_hosts(demo=self._demo)
        if problem := join_link_problem(url, hosts):
            self._tell(Notice("Not opened", f"meettray did not open it: {problem}.",
                                    Level.WARNING))  # fmt: skip
        elif self._open_url(url) is False:
            self._tell(Notice("No browser could be opened", url, Level.WARNING))
