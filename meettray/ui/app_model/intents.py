"""Intents: what a person (or another program) asks of the tray app, as typed values.

Every trigger (a click, the hotkey, a preset's hotkey, the menu, a window, a
dialog, the socket) becomes one of these and goes through
:meth:`~meettray.ui.app_model.model.AppModel.dispatch`, the one door.  An
intent is a plain value: it holds no widget and no callback.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from meettray.accounts import MEETINGS
from meettray.config import Config
from meettray.meetings import Meeting, MeetingRequest
from meettray.upcoming import Upcoming


class Origin(enum.Enum):
    """Who asked: each origin's last outcome is kept apart (a failed ``meettray now`` is the
    command's, and does not turn the tray's icon red)."""

    #: The tray icon, a hotkey, the menu, the no-tray window: the person at the desktop.
    DESKTOP = "desktop"
    #: Another process, through the socket (``meettray now``).
    COMMAND = "command"
    #: The Schedule window (it shows its own outcome).
    SCHEDULE = "schedule"
    #: A ``meettray://`` link (another app, a web page): told as the desktop is.
    LINK = "link"


@dataclass(frozen=True)
class MeetNow:
    """A meeting starting now, its link on the clipboard."""

    #: The preset whose settings it gets (``None``: the default one).
    preset: str | None = None
    #: Its subject (``None``: the preset's).
    subject: str | None = None
    origin: Origin = Origin.DESKTOP
    #: For the log: "tray click", "hotkey", "menu", "window".
    source: str = "tray"
    #: The createOrGet id another process chose (``None``: a new one).
    external_id: str | None = None
    #: Whose meeting: a profile's name (``None``: the preset's account, else the default).
    account: str | None = None


@dataclass(frozen=True)
class Schedule:
    request: MeetingRequest


@dataclass(frozen=True)
class Copy:
    meeting: Meeting
    #: With its details (``None``: as the settings say).
    details: bool | None = None
    #: " again" in the notice's title when it is a second copy.
    again: str = ""


@dataclass(frozen=True)
class CopyLast:
    """The most recent meeting's link again (the second hotkey)."""


@dataclass(frozen=True)
class OpenMeeting:
    meeting: Meeting


@dataclass(frozen=True)
class OpenOptions:
    """The meeting's options page in Teams (``meetingOptionsWebUrl``): the organizer's own,
    for every setting Graph cannot change after creation."""

    meeting: Meeting


@dataclass(frozen=True)
class Forget:
    """Remove from history (the meeting stays on the server)."""

    meeting: Meeting


@dataclass(frozen=True)
class Cancel:
    """Cancel on the server, and remove from history."""

    meeting: Meeting


@dataclass(frozen=True)
class SignIn:
    device_code: bool = False
    scopes: Sequence[str] = (MEETINGS,)
    #: The native handle of the window the OS broker's dialog belongs to (Windows: the
    #: sign-in window's, so WAM's dialog comes to the front over it); ``None``: none.
    parent_window: int | None = None
    #: The profile to sign in (``None``: the default one).
    account: str | None = None


@dataclass(frozen=True)
class CancelSignIn:
    pass


@dataclass(frozen=True)
class SignOut:
    #: The profile to sign out (``None``: the default one); the others stay signed in.
    account: str | None = None


@dataclass(frozen=True)
class SetDefaultAccount:
    """Whose meeting a plain Meet now makes: ``[ui] default_account``, saved."""

    name: str


@dataclass(frozen=True)
class SaveSettings:
    config: Config


@dataclass(frozen=True)
class ReloadSettings:
    """The settings file changed (edited by hand, or by another meettray)."""


@dataclass(frozen=True)
class AddGnomeShortcut:
    """GNOME's own keyboard shortcut for 'meettray now' (no shortcuts portal there)."""


@dataclass(frozen=True)
class FollowLink:
    """A ``meettray://`` link as another app gave it (read by the model: :mod:`meettray.links`)."""

    link: str
    #: For a ``now`` link from ``meettray open-link``: the createOrGet id it chose.
    external_id: str | None = None


@dataclass(frozen=True)
class OpenSchedule:
    """The Schedule window, filled in; the person checks it and presses Create."""

    subject: str | None = None
    start: datetime | None = None
    duration_minutes: int | None = None
    attendees: tuple[str, ...] = ()
    preset: str | None = None
    origin: Origin = Origin.LINK


@dataclass(frozen=True)
class OpenHistory:
    """The History window, searching for ``search``."""

    search: str = ""
    origin: Origin = Origin.LINK


@dataclass(frozen=True)
class JoinMeeting:
    """Open a Teams join link (checked against the cloud's hosts again before opening)."""

    url: str
    origin: Origin = Origin.LINK


@dataclass(frozen=True)
class JoinClipboard:
    """Join the meeting whose Teams link is on the clipboard (anything else is refused)."""


@dataclass(frozen=True)
class Join:
    """Join an upcoming meeting, the way ``[calendar] join`` says."""

    meeting: Upcoming


@dataclass(frozen=True)
class CopyJoinLink:
    meeting: Upcoming


@dataclass(frozen=True)
class OpenInOutlook:
    """The event in Outlook on the web (its ``webLink``)."""

    meeting: Upcoming


@dataclass(frozen=True)
class SnoozeReminder:
    """Remind again of ``meeting`` in ``minutes``."""

    meeting: Upcoming
    minutes: int = 1


@dataclass(frozen=True)
class JoinNext:
    """Join the meeting in progress, else the next to start (``meettray://join/next``)."""


@dataclass(frozen=True)
class RefreshUpcoming:
    """Read the calendar again now (on wake, on network return, or asked)."""


Intent = (
    MeetNow | Schedule | Copy | CopyLast | OpenMeeting | OpenOptions | Forget | Cancel
    | SignIn | CancelSignIn | SignOut | SetDefaultAccount | SaveSettings | ReloadSettings
    | AddGnomeShortcut | FollowLink | OpenSchedule | OpenHistory | JoinMeeting | JoinClipboard
    | Join | CopyJoinLink | OpenInOutlook | RefreshUpcoming | SnoozeReminder | JoinNext
)  # fmt: skip
