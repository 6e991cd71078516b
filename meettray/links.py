"""``meettray://`` links: read, checked and turned into typed values, without Qt.

A link is untrusted input: any web page can open one.  It is read here as
strictly as the socket reads a request (:mod:`meettray.ipc`): one of a few
actions, each with its own parameters, every value checked and bounded.  A
link with an unknown action or parameter, a parameter given twice, or a value
that is wrong is refused with a :class:`LinkRefused` that names what was
refused (names only: a value from outside is never repeated).  The log gets
the action and the parameters' names, never their values.

- ``meettray://now?preset=NAME&subject=TEXT``: a meeting now, its link copied;
- ``meettray://schedule?subject=&start=&duration=&attendees=``: Schedule, filled in;
- ``meettray://join?url=TEAMS-LINK`` and ``meettray://join/next``;
- ``meettray://history?search=TEXT``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from meettray.choices import PRESET_NAME
from meettray.errors import ExitCode, MeettrayError
from meettray.meetings import MAX_SUBJECT_LENGTH, is_valid_email, join_link_problem, parse_when
from meettray.plaintext import INVISIBLE

log = logging.getLogger(__name__)

SCHEME = "meettray"
#: The longest link read (a browser allows far longer; nothing meettray takes needs it).
MAX_LINK = 4096
#: At most this many attendees from a link (Schedule is for more).
MAX_LINK_ATTENDEES = 50
#: The longest history search from a link.
MAX_SEARCH = 200
#: At most one meeting per this many seconds comes from links.
LINK_INTERVAL = 5.0

_PARAMETERS: dict[str, frozenset[str]] = {
    "now": frozenset({"preset", "subject"}),
    "schedule": frozenset({"subject", "start", "duration", "attendees"}),
    "join": frozenset({"url"}),
    "join/next": frozenset(),
    "history": frozenset({"search"}),
}
#: A name as it may be shown back in a refusal (anything else is "a parameter").
_SHOWN_NAME = re.compile(r"[a-z][a-z0-9_/-]{0,31}")
_INVISIBLE = re.compile(f"[{INVISIBLE}]")


class LinkRefused(MeettrayError):
    """A link meettray does not follow; the message names what was refused."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class NowLink:
    preset: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class ScheduleLink:
    """What Schedule is filled in with; the person still presses Create."""

    subject: str | None = None
    start: datetime | None = None
    duration_minutes: int | None = None
    attendees: tuple[str, ...] = ()


@dataclass(frozen=True)
class JoinLink:
    url: str


@dataclass(frozen=True)
class JoinNextLink:
    pass


@dataclass(frozen=True)
class HistoryLink:
    search: str = ""


Link = NowLink | ScheduleLink | JoinLink | JoinNextLink | HistoryLink


def _shown(name: str, what: str) -> str:
    """A name from the link, as a refusal may show it: ours, or a plain description."""
    return f"'{name}'" if _SHOWN_NAME.fullmatch(name) else f"{what} with an unusual name"


def parse_link(text: str, *, hosts: frozenset[str]) -> Link:
    """The link ``text`` as a typed value; :class:`LinkRefused` when it is not one to follow.

    ``hosts``: the hosts a join link may name (``AccountConfig.link_hosts``).
    """
    if not isinstance(text, str) or len(text) > MAX_LINK:
        raise LinkRefused(f"The meettray link was refused: it is longer than {MAX_LINK} "
                          "characters.")  # fmt: skip
    if _INVISIBLE.search(text) or " " in text:
        raise LinkRefused("The meettray link was refused: it contains spaces or control "
                          "characters.")  # fmt: skip
    try:
        parts = urlsplit(text)
    except ValueError:
        raise LinkRefused("The meettray link was refused: it is not a valid link.") from None
    if parts.scheme.lower() != SCHEME:
        raise LinkRefused("That is not a meettray:// link.")
    if "@" in parts.netloc or ":" in parts.netloc:
        raise LinkRefused("The meettray link was refused: it names a user or a port.")
    if parts.fragment:
        raise LinkRefused("The meettray link was refused: it has a #fragment.")
    action = f"{parts.netloc}{parts.path}".strip("/").lower()
    if action not in _PARAMETERS:
        raise LinkRefused(
            f"The meettray link was refused: {_shown(action, 'an action')} is not an action "
            f"meettray knows (it knows {', '.join(_PARAMETERS)})."
        )
    values = _query(parts.query, action)
    log.info("link: %s (%s)", action, ", ".join(sorted(values)) or "no parameters")
    return _build(action, values, hosts)


def _query(query: str, action: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query),
                          encoding="utf-8", errors="strict", max_num_fields=8)  # fmt: skip
    except (ValueError, UnicodeDecodeError):
        raise LinkRefused("The meettray link was refused: its parameters are malformed.") from None
    allowed = _PARAMETERS[action]
    values: dict[str, str] = {}
    for name, value in pairs:
        if name not in allowed:
            accepted = ", ".join(sorted(allowed)) or "none"
            raise LinkRefused(
                f"The meettray link was refused: {_shown(name, 'a parameter')} is not a "
                f"parameter of '{action}' (it takes: {accepted})."
            )
        if name in values:
            raise LinkRefused(f"The meettray link was refused: '{name}' is given twice.")
        if _INVISIBLE.search(value):
            raise LinkRefused(
                f"The meettray link was refused: '{name}' contains control characters."
            )
        values[name] = value
    return values


def _refused(name: str, why: str) -> LinkRefused:
    return LinkRefused(f"The meettray link was refused: '{name}' {why}.")


def _subject(values: dict[str, str]) -> str | None:
    subject = values.get("subject")
    if subject is None:
        return None
    if not subject.strip():
        raise _refused("subject", "is empty")
    if len(subject) > MAX_SUBJECT_LENGTH:
        raise _refused("subject", f"is longer than {MAX_SUBJECT_LENGTH} characters")
    return subject


def _build(action: str, values: dict[str, str], hosts: frozenset[str]) -> Link:
    if action == "now":
        preset = values.get("preset")
        if preset is not None and not PRESET_NAME.fullmatch(preset):
            raise _refused("preset", "is not a preset name (lower-case letters, digits, - and _)")
        return NowLink(preset=preset, subject=_subject(values))
    if action == "schedule":
        return ScheduleLink(
            subject=_subject(values),
            start=_start(values.get("start")),
            duration_minutes=_duration(values.get("duration")),
            attendees=_attendees(values.get("attendees")),
        )
    if action == "join":
        url = values.get("url")
        if url is None:
            raise _refused("url", "is missing")
        if problem := join_link_problem(url, hosts):
            raise _refused("url", f"is not a Teams meeting link: {problem}")
        return JoinLink(url)
    if action == "join/next":
        return JoinNextLink()
    search = values.get("search", "")
    if len(search) > MAX_SEARCH:
        raise _refused("search", f"is longer than {MAX_SEARCH} characters")
    return HistoryLink(search)


def _start(text: str | None) -> datetime | None:
    if text is None:
        return None
    if len(text) > 40:
        raise _refused("start", "is not a date and time")
    try:
        return parse_when(text)
    except (ValueError, OverflowError):
        raise _refused("start", "is not a date and time (e.g. 2026-12-01T14:30)") from None


def _duration(text: str | None) -> int | None:
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 4) or not 5 <= int(text) <= 1440:
        raise _refused("duration", "must be minutes, from 5 to 1440")
    return int(text)


def _attendees(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    addresses = tuple(a.strip() for a in text.split(",") if a.strip())
    if len(addresses) > MAX_LINK_ATTENDEES:
        raise _refused("attendees", f"names more than {MAX_LINK_ATTENDEES} people")
    if not all(is_valid_email(a) for a in addresses):
        raise _refused("attendees", "holds something that is not an email address")
    return addresses


def action_of(link: Link) -> str:
    """The link's action, as its address names it."""
    return {NowLink: "now", ScheduleLink: "schedule", JoinLink: "join",
            JoinNextLink: "join/next", HistoryLink: "history"}[type(link)]  # fmt: skip


NEEDS_UPCOMING = (
    "meettray://join/next needs the upcoming-meetings feature turned on ([calendar] "
    "upcoming = true) and the tray running; 'meettray join --next' works without them."
)


class LinkGate:
    """At most one meeting per :data:`LINK_INTERVAL` seconds from links, in one process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last: float | None = None

    def allow(self) -> bool:
        now = self._clock()
        if self._last is not None and now - self._last < LINK_INTERVAL:
            return False
        self._last = now
        return True


def allow_cold(folder: Path, clock: Callable[[], float] = time.time) -> bool:
    """The same limit across processes (links followed with no tray running): a stamp file
    in the private runtime ``folder``, read and written under an exclusive lock."""
    import os

    path = folder / "last-link-meeting"
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _lock(descriptor)
        stamp = os.read(descriptor, 64).decode("ascii", "replace").strip()
        now = clock()
        try:
            last = float(stamp)
        except ValueError:
            last = None
        # A stamp in the future (the clock went back) does not block links for ever.
        if last is not None and 0 <= now - last < LINK_INTERVAL:
            return False
        os.lseek(descriptor, 0, os.SEEK_SET)
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{now:.3f}".encode())
        return True
    finally:
        os.close(descriptor)  # releases the lock


def _lock(descriptor: int) -> None:
    import sys

    if sys.platform == "win32":  # pragma: no cover - Windows only
        import msvcrt

        msvcrt.locking(descriptor, msvcrt.LK_LOCK, 1)
    else:
        import fcntl

        fcntl.flock(descriptor, fcntl.LOCK_EX)
