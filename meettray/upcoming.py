"""Upcoming meetings as plain values: what the calendar holds, which to show, and the
last good list kept on disk for offline use.  No network, no Qt.

:mod:`meettray.graph.calendar` reads them from Graph; the service, the command line
and the tray show them through these rules, so all three agree on what "the next
meeting" is.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from meettray.config import DEMO_LINK_HOST
from meettray.i18n import _, time_text
from meettray.meetings import join_link_problem

log = logging.getLogger(__name__)

#: The longest subject or name kept from the calendar (text from outside is bounded).
MAX_TEXT = 256
#: The most meetings kept in a list (a calendar can hold many more; a menu cannot).
MAX_ITEMS = 200
#: The stored list's format; another is read as no list at all.
STORE_VERSION = 1


@dataclass(frozen=True)
class Upcoming:
    """One meeting on a calendar, as meettray shows it."""

    subject: str
    #: Aware datetimes (UTC as read; shown in the person's zone).
    start: datetime
    end: datetime
    #: The Teams join link, checked against the cloud's Teams hosts; ``None`` when there
    #: is none (yet, or ever: another provider).
    join_url: str | None
    #: The signed-in account whose calendar it is on.
    account: str
    organizer: str
    #: The event in Outlook on the web (checked against the cloud's Outlook hosts), or "".
    web_link: str = ""
    is_cancelled: bool = False
    #: The person declined it.
    declined: bool = False
    is_all_day: bool = False
    #: Graph's event id: what a reminder remembers.
    id: str = ""
    #: The settings' account (profile) whose calendar it is on.
    profile: str = "main"

    def in_progress(self, now: datetime) -> bool:
        return self.start <= now < self.end

    @property
    def hidden(self) -> bool:
        """Left out by default: cancelled, declined, or all day (not a meeting to join)."""
        return self.is_cancelled or self.declined or self.is_all_day

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The ``meettray upcoming --json`` object (times ISO 8601 with their offset)."""
        return {
            "subject": self.subject,
            "start": self.start.astimezone().isoformat(),
            "end": self.end.astimezone().isoformat(),
            "join_url": self.join_url,
            # As history's and now's: the account's name in the settings; the person
            # signed in to it is "username".
            "account": self.profile,
            "username": self.account,
            "organizer": self.organizer,
            "in_progress": self.in_progress(now),
            "web_link": self.web_link or None,
        }


@dataclass(frozen=True)
class UpcomingList:
    """What a refresh gives: the meetings, when they were read, and, when Graph could not
    be reached, why this is the last good list instead of a fresh one."""

    items: tuple[Upcoming, ...]
    fetched_at: datetime | None
    #: "" when fresh; else the failure's message (the list is the last good one).
    stale_because: str = ""


#: No list yet (the feature off, or nothing read).
NO_UPCOMING = UpcomingList((), None)


def in_time_order(items: Iterable[Upcoming]) -> list[Upcoming]:
    """Meetings (of one calendar or several accounts') by start, then end, subject and
    account: the one order every list is shown in."""
    return sorted(items, key=lambda i: (i.start, i.end, i.subject, i.profile))


def teams_hosts(link_hosts: frozenset[str]) -> frozenset[str]:
    """The Teams hosts among a cloud's link hosts (a join link names one of them; the
    Outlook hosts are for ``webLink`` only)."""
    return frozenset(h for h in link_hosts if ".teams." in f".{h}." or h == DEMO_LINK_HOST)


def checked_link(url: Any, hosts: frozenset[str]) -> str | None:
    """``url`` when it is an https link on one of ``hosts``; otherwise ``None``."""
    if not isinstance(url, str) or not url or len(url) > 2048:
        return None
    return None if join_link_problem(url, hosts) else url


#: The most characters of clipboard text looked at: a join link is far shorter (Teams'
#: are about 250), and longer text is refused whole, never cut down to a link.
MAX_CLIPBOARD_TEXT = 2048


def clipboard_link(text: str, link_hosts: frozenset[str]) -> str | None:
    """The Teams join link ``text`` (the clipboard's, untrusted) is, or ``None``.

    The whole text, but for the spaces and line breaks around it, must be one https link
    on the cloud's Teams hosts, checked as History's and ``meettray://join``'s are
    (:func:`~meettray.meetings.join_link_problem`): a look-alike host, a user name, a
    port, another scheme (``javascript:``), or text longer than
    :data:`MAX_CLIPBOARD_TEXT` is no link.
    """
    if len(text) > MAX_CLIPBOARD_TEXT:
        return None
    candidate = text.strip()
    return checked_link(candidate, teams_hosts(link_hosts)) if candidate else None


def visible(
    items: Iterable[Upcoming], now: datetime, *, include_hidden: bool = False
) -> list[Upcoming]:
    """The meetings not over yet, in time order; cancelled, declined and all-day ones
    only with ``include_hidden``."""
    kept = [i for i in items if i.end > now and (include_hidden or not i.hidden)]
    return in_time_order(kept)[:MAX_ITEMS]


def next_meeting(items: Iterable[Upcoming], now: datetime) -> Upcoming | None:
    """The one to join: the meeting in progress (the latest started), else the next to
    start.  Hidden meetings never count."""
    shown = visible(items, now)
    running = [i for i in shown if i.in_progress(now)]
    if running:
        return max(running, key=lambda i: i.start)
    return shown[0] if shown else None


def when_label(item: Upcoming, now: datetime) -> str:
    """ "now", "in 5 min", "in 1 h 20 min", or the local start time ("14:30"), in the
    person's language."""
    if item.in_progress(now):
        return _("now")
    minutes = max(0, int((item.start - now).total_seconds() + 59) // 60)
    if minutes < 60:
        return _("in {minutes} min").format(minutes=minutes)
    if minutes < 180:
        hours, rest = divmod(minutes, 60)
        if rest:
            return _("in {hours} h {minutes} min").format(hours=hours, minutes=rest)
        return _("in {hours} h").format(hours=hours)
    return time_text(item.start.astimezone())


# -- the last good list, on disk ---------------------------------------------------------------


def save_list(path: Path, account: str, items: Sequence[Upcoming], fetched_at: datetime) -> None:
    """Keep ``items`` as ``account``'s last good list (replaced atomically, user-only)."""
    document = {
        "version": STORE_VERSION,
        "account": account,
        "fetched_at": fetched_at.isoformat(),
        "items": [_stored(i) for i in items[:MAX_ITEMS]],
    }
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(prefix=".upcoming-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_list(
    path: Path, account: str, link_hosts: frozenset[str]
) -> tuple[list[Upcoming], datetime | None]:
    """``account``'s last good list and when it was read; a missing or damaged file, or
    another account's, is no list.  A bad row costs that row only; links are checked
    against ``link_hosts`` again, as if they came from Graph."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], None
    except (OSError, ValueError) as exc:
        log.info("the last list of upcoming meetings is unreadable: %s", type(exc).__name__)
        return [], None
    if (
        not isinstance(document, dict)
        or document.get("version") != STORE_VERSION
        or document.get("account") != account
    ):
        return [], None
    fetched = _datetime(document.get("fetched_at"))
    rows = document.get("items")
    rows = rows if isinstance(rows, list) else []
    items = [item for row in rows if (item := _row(row, link_hosts))]
    return items[:MAX_ITEMS], fetched


def _stored(item: Upcoming) -> dict[str, Any]:
    return {
        "subject": item.subject,
        "start": item.start.isoformat(),
        "end": item.end.isoformat(),
        "join_url": item.join_url,
        "account": item.account,
        "organizer": item.organizer,
        "web_link": item.web_link,
        "is_cancelled": item.is_cancelled,
        "declined": item.declined,
        "is_all_day": item.is_all_day,
        "id": item.id,
    }


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def _row(row: Any, link_hosts: frozenset[str]) -> Upcoming | None:
    """A stored row, checked as if it came from outside (the file is the person's to edit)."""
    if not isinstance(row, dict):
        return None
    start, end = _datetime(row.get("start")), _datetime(row.get("end"))
    if start is None or end is None or end < start or end - start > timedelta(days=31):
        return None
    link = row.get("join_url")
    if link is not None and not isinstance(link, str):
        return None
    return Upcoming(
        subject=_text(row, "subject"),
        start=start,
        end=end,
        join_url=checked_link(link, teams_hosts(link_hosts)),
        account=_text(row, "account"),
        organizer=_text(row, "organizer"),
        web_link=checked_link(row.get("web_link"), link_hosts) or "",
        is_cancelled=row.get("is_cancelled") is True,
        declined=row.get("declined") is True,
        is_all_day=row.get("is_all_day") is True,
        id=_text(row, "id"),
    )


# -- joining ---------------------------------------------------------------------------------

#: How a meeting is joined: Teams' desktop app, the browser (Teams' own page, which offers
#: the app or the web), or Teams on the web directly.
JOIN_MODES = ("app", "browser", "web")


def join_target(url: str, mode: str) -> str:
    """What to open to join ``url`` (a checked Teams https link) the way ``mode`` says.

    ``app``: the ``msteams:`` link Teams' desktop app registers; ``web``: the link inside
    Teams' web app (``/_#/l/…``); ``browser``: the link itself.  Anything but a Teams
    meeting link (``/l/…``) is opened as it is.
    """
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    if scheme != "https" or not sep or not slash or not path.startswith("l/"):
        return url  # not a Teams meeting link (an event's Outlook link): as it is
    if mode == "app":
        return f"msteams:/{path}"
    if mode == "web":
        return f"https://{host}/_#/{path}"
    return url
