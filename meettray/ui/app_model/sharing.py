"""Copying a meeting's link and opening it, for the app model.

A copy is told as the clipboard took it (never a success not observed), with a
warning when Teams has deleted the meeting already; every join (History, an upcoming
meeting, a ``meettray://join`` link, the clipboard) goes through :meth:`Sharing.join`:
a link is opened only when it names one of the configured cloud's Teams hosts, the way
``[calendar] join`` says, and it is put on the clipboard where no browser could be opened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from meettray.config import Config
from meettray.formatting import (
    ClipboardPayload,
    clipboard_payload,
    expired_copy_warning,
    short_link,
)
from meettray.meetings import Meeting, join_link_problem
from meettray.platform.clipboard import CopyOutcome
from meettray.results import utc_now
from meettray.ui.app_model.meeting_runs import ClipboardWriter
from meettray.ui.app_model.notices import Level, Notice, tr
from meettray.upcoming import MAX_CLIPBOARD_TEXT, clipboard_link, join_target, teams_hosts

log = logging.getLogger(__name__)


class ClipboardReader(Protocol):
    def read_text(
        self, limit: int, done: Callable[[str], None], failed: Callable[[str], None]
    ) -> None:
        """The clipboard's text (at most ``limit + 1`` characters) to ``done``, on the GUI
        thread; or why it could not be read, in words, to ``failed``."""


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
        reader: ClipboardReader | None = None,
    ) -> None:
        self._clipboard = clipboard
        self._reader = reader
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
        """Open a meeting from History or a notice: its Teams link, or the Outlook link
        that stands in for an event Exchange gave no Teams meeting."""
        self.join(meeting.join_url, outlook_too=True)

    def join(self, url: str | None, *, outlook_too: bool = False) -> bool:
        """Join by ``url`` the way ``[calendar] join`` says (Teams' app, the browser or
        Teams on the web), only when it names one of the cloud's Teams hosts (with
        ``outlook_too``, its Outlook hosts as well).  The one way every join goes: a
        History meeting, an upcoming one, a ``meettray://join`` link, the clipboard.

        Refused, the person is told why; where nothing could open it, the link goes to
        the clipboard, to paste by hand.  Whether it was handed to an opener.
        """
        hosts = self._config().account.link_hosts(demo=self._demo)
        if not outlook_too:
            hosts = teams_hosts(hosts)
        if problem := join_link_problem(url, hosts) if url else "it has none":
            self._tell(Notice(tr("Not opened"),
                              tr("meettray did not open this meeting's link: {problem}.")
                              .format(problem=problem), Level.WARNING))  # fmt: skip
            return False
        assert url is not None
        if self._open_url(join_target(url, self._config().calendar.join)) is not False:
            return True
        self._clipboard.copy(ClipboardPayload(url, ""), lambda outcome: self._tell(Notice(
            tr("No browser could be opened"),
            tr("The meeting link is on your clipboard: paste it into Teams or a browser.")
            if outcome.copied else tr("Open this link yourself: {url}").format(url=url),
            Level.WARNING)))  # fmt: skip
        return False

    def join_clipboard(self) -> None:
        """Join the meeting whose link is on the clipboard (read through ``reader``)."""
        if self._reader is None:
            self._unreadable(tr("Nothing here can read the clipboard."))
            return
        self._reader.read_text(MAX_CLIPBOARD_TEXT, self.join_text, self._unreadable)

    def _unreadable(self, why: str) -> None:
        self._tell(Notice(tr("The clipboard could not be read"), why, Level.WARNING))

    def join_text(self, text: str) -> None:
        """Join the meeting whose link ``text`` (the clipboard's, untrusted) is; anything
        else is refused in plain words, without repeating it."""
        url = clipboard_link(text, self._config().account.link_hosts(demo=self._demo))
        if url is None:
            log.info("clipboard join refused: %d characters, not a Teams link", len(text))
            self._tell(Notice(tr("The clipboard holds no Teams meeting link"),
                              tr("Copy a meeting's join link (from Teams, Outlook or an "
                                 "invitation), then try again."), Level.WARNING))  # fmt: skip
            return
        self.join(url)

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
