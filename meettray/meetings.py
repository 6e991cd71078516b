"""What a meeting is, and the rules for asking for one.

Plain data and pure functions: the meeting request and its validation (schedule
input, subjects, attendees), and the meeting as meettray remembers it.  How
these look on Graph's wire is :mod:`meettray.graph.wire`.  No network, no Qt;
time is always passed in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import urlsplit

from meettray.choices import (
    ALLOWED_PRESENTERS,
    LOBBY_BYPASS_SCOPES,
    MAIN_ACCOUNT,
)
from meettray.errors import ValidationError
from meettray.i18n import N_, _
from meettray.options import OPTION_SPECS, UNSETTABLE_OPTIONS, MeetingOptions, NotApplied
from meettray.plaintext import INVISIBLE

#: Re-exported: the options live in :mod:`meettray.options`.
__all__ = [
    "MAX_ATTENDEES",
    "MAX_DURATION",
    "MAX_SUBJECT_LENGTH",
    "OPTION_SPECS",
    "Meeting",
    "MeetingOptions",
    "MeetingRequest",
    "asked_settings",
    "build_schedule",
    "instant_request",
    "is_valid_email",
    "join_link_problem",
    "parse_when",
    "render_subject",
    "utc_iso",
]

MAX_SUBJECT_LENGTH = 255
MAX_ATTENDEES = 250
MAX_DURATION = timedelta(days=1)

# Pragmatic: one @, no spaces, a dot in the domain; Graph does the real check.
_EMAIL = re.compile(
    r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def utc_iso(when: datetime) -> str:
    """``2026-11-21T19:30:00Z``: how meettray sends times to Graph."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class MeetingRequest:
    """A validated request for one meeting."""

    subject: str
    start: datetime
    end: datetime
    attendees: tuple[str, ...] = ()
    lobby_bypass: str | None = None
    allowed_presenters: str | None = None
    #: Create a calendar event (which sends invitations) instead of a bare online meeting.
    calendar: bool = False
    #: The people who may present when ``allowed_presenters`` is ``roleIsPresenter``: Graph
    #: honours that only with attendees that carry ``role: presenter``.
    presenters: tuple[str, ...] = ()
    #: Teams options (recording, chat, ...), set by the PATCH after the meeting exists.
    options: MeetingOptions = field(default_factory=MeetingOptions)

    def to_json(self) -> str:
        """For the pending-action log: enough to repeat the exact same request."""
        return json.dumps(
            {
                "subject": self.subject,
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
                "attendees": list(self.attendees),
                "lobby_bypass": self.lobby_bypass,
                "allowed_presenters": self.allowed_presenters,
                "calendar": self.calendar,
                "presenters": list(self.presenters),
                "options": asdict(self.options),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> MeetingRequest:
        data = json.loads(text)
        return cls(
            subject=data["subject"],
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]),
            attendees=tuple(data["attendees"]),
            lobby_bypass=data["lobby_bypass"],
            allowed_presenters=data["allowed_presenters"],
            calendar=data["calendar"],
            presenters=tuple(data.get("presenters", ())),  # absent in older entries
            options=MeetingOptions.parse(  # older entries may name options since refused
                {
                    k: v
                    for k, v in data.get("options", {}).items()
                    if v is not None and k not in UNSETTABLE_OPTIONS
                }
            ),
        )

    def starts_before(self, now: datetime) -> bool:
        """Whether the meeting would start in the past (more than a minute before ``now``)."""
        return self.start < now - timedelta(minutes=1)


#: Characters no join link contains: whitespace, controls and direction overrides.
_NOT_IN_LINKS = re.compile(f"[ {INVISIBLE}]")


def join_link_problem(url: str, hosts: frozenset[str]) -> str:
    """Why ``url`` is not a join link meettray may copy or open ("" when it is one).

    Only https, only on one of ``hosts`` (the configured cloud's Teams and Outlook
    web hosts), no user name (``https://teams.microsoft.com@evil.example/`` is
    evil.example's), no port, nothing invisible.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _("it is not a valid web address")
    if parts.scheme != "https":
        return _("it is not a secure https:// address")
    if _NOT_IN_LINKS.search(url):
        return _("it contains spaces or control characters")
    if parts.username is not None or parts.password is not None or port is not None:
        return _("it names a user or a port, as look-alike links do")
    host = (parts.hostname or "").lower()
    if host not in hosts:
        if not host:
            return _("it points to no host, not to Microsoft Teams")
        return _("it points to {host}, not to Microsoft Teams").format(host=host)
    return ""


def render_subject(template: str, now: datetime) -> str:
    """Fill ``{date}`` and ``{time}`` in a subject template; other braces stay as typed."""
    local = now.astimezone()
    return template.replace("{date}", local.strftime("%Y-%m-%d")).replace(
        "{time}", local.strftime("%H:%M")
    )


def instant_request(
    subject_template: str,
    duration_minutes: int,
    now: datetime,
    subject: str | None = None,
    *,
    lobby_bypass: str | None = None,
    allowed_presenters: str | None = None,
    options: MeetingOptions | None = None,
) -> MeetingRequest:
    """Meet now: starts ``now``, lasts the configured duration (a preset's settings with
    it, when one is used)."""
    text = subject if subject is not None else render_subject(subject_template, now)
    problems = _subject_problems(text)
    if problems:
        raise ValidationError(problems)
    return MeetingRequest(
        subject=text.strip(),
        start=now,
        end=now + timedelta(minutes=duration_minutes),
        lobby_bypass=lobby_bypass,
        allowed_presenters=allowed_presenters,
        options=options or MeetingOptions(),
    )


def parse_when(text: str, local_zone: tzinfo | None = None) -> datetime:
    """An ISO 8601 date-time; without an offset it is local time.

    Raises :class:`ValidationError` (field ``start``/``end`` is set by the caller).
    """
    cleaned = text.strip().replace(" ", "T", 1)
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(
            _("{text} is not a date and time; use ISO 8601, e.g. 2026-12-01T14:30").format(
                text=repr(text)
            )
        ) from None
    if value.tzinfo is None:
        # A local wall-clock time; astimezone() resolves the zone (and DST) for that date.
        value = value.replace(tzinfo=local_zone) if local_zone else value.astimezone()
    return value


def build_schedule(
    *,
    subject: str,
    start: datetime | str,
    end: datetime | str | None = None,
    duration_minutes: int | None = None,
    attendees: Iterable[str] = (),
    lobby_bypass: str | None = None,
    allowed_presenters: str | None = None,
    calendar: bool = False,
    local_zone: tzinfo | None = None,
    presenters: Iterable[str] = (),
    options: MeetingOptions | None = None,
) -> MeetingRequest:
    """Validate schedule input; every problem is reported at once, by field.

    A start in the past is allowed here: the caller asks the person to confirm
    (see :meth:`MeetingRequest.starts_before`).
    """
    problems: dict[str, str] = dict(_subject_problems(subject))
    start_at = _when(start, "start", problems, local_zone)
    end_at: datetime | None = None
    if end is not None and duration_minutes is not None:
        problems["end"] = _("Give either an end time or a duration, not both.")
    elif end is not None:
        end_at = _when(end, "end", problems, local_zone)
    elif duration_minutes is not None:
        if duration_minutes <= 0:
            problems["duration"] = _("The duration must be at least one minute.")
        elif start_at is not None:
            end_at = start_at + timedelta(minutes=duration_minutes)
    else:
        problems["end"] = _("Give an end time or a duration.")
    if start_at is not None and end_at is not None:
        if end_at <= start_at:
            problems["end"] = _("The end must be after the start.")
        elif end_at - start_at > MAX_DURATION:
            problems["end"] = _("A meeting can last at most 24 hours.")
    addresses = _attendees(attendees, problems)
    chosen = _attendees(presenters, problems, field="presenters")
    if chosen and allowed_presenters is None:
        allowed_presenters = "roleIsPresenter"  # naming presenters means "only these"
    if chosen and allowed_presenters != "roleIsPresenter":
        problems["presenters"] = _(
            "Naming presenters needs 'who can present' set to specific people (roleIsPresenter)."
        )
    elif allowed_presenters == "roleIsPresenter" and not chosen and not calendar:
        problems["presenters"] = _(
            "Name at least one presenter (only they will be able to present)."
        )
    if calendar and options is not None and options.chosen():
        problems["options"] = _(
            "Meeting options apply to Teams meetings made here, not to calendar events: "
            "set them in Teams once the event is sent, or leave the calendar off."
        )
    if lobby_bypass is not None and lobby_bypass not in LOBBY_BYPASS_SCOPES:
        problems["lobby_bypass"] = _("Lobby bypass must be one of: {choices}.").format(
            choices=", ".join(LOBBY_BYPASS_SCOPES)
        )
    if allowed_presenters is not None and allowed_presenters not in ALLOWED_PRESENTERS:
        problems["allowed_presenters"] = _("Presenters must be one of: {choices}.").format(
            choices=", ".join(ALLOWED_PRESENTERS)
        )
    if problems:
        raise ValidationError(problems)
    assert start_at is not None
    assert end_at is not None
    return MeetingRequest(
        subject=subject.strip(),
        start=start_at,
        end=end_at,
        attendees=addresses,
        lobby_bypass=lobby_bypass,
        allowed_presenters=allowed_presenters,
        calendar=calendar,
        presenters=chosen,
        options=options or MeetingOptions(),
    )


def is_valid_email(address: str) -> bool:
    """A plausible e-mail address (``name@domain.tld``)."""
    return len(address) <= 254 and _EMAIL.match(address) is not None


def _subject_problems(subject: str) -> dict[str, str]:
    if not subject.strip():
        return {"subject": _("Enter a subject.")}
    if len(subject) > MAX_SUBJECT_LENGTH:
        return {
            "subject": _("The subject can be at most {count} characters.").format(
                count=MAX_SUBJECT_LENGTH
            )
        }
    if _CONTROL.search(subject):
        return {"subject": _("The subject cannot contain line breaks or control characters.")}
    return {}


def _when(
    value: datetime | str, name: str, problems: dict[str, str], zone: tzinfo | None
) -> datetime | None:
    """A time as an absolute UTC instant.

    Python subtracts two datetimes of the same zone by wall clock, which is wrong
    across a DST change; in UTC every difference is real elapsed time.
    """
    if isinstance(value, str):
        try:
            value = parse_when(value, zone)
        except ValueError as exc:
            said = _("The start: {problem}.") if name == "start" else _("The end: {problem}.")
            problems[name] = said.format(problem=exc)
            return None
    elif value.tzinfo is None:
        value = value.replace(tzinfo=zone) if zone else value.astimezone()
    return value.astimezone(timezone.utc)


def _attendees(
    values: Iterable[str], problems: dict[str, str], *, field: str = "attendees"
) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    bad: list[str] = []
    for raw in values:
        for part in re.split(r"[,;\s]+", raw):
            if not part:
                continue
            if is_valid_email(part):
                seen.setdefault(part.lower(), part)
            else:
                bad.append(part)
    if bad:
        shown = ", ".join(repr(b[:60]) for b in bad[:3]) + (" …" if len(bad) > 3 else "")
        problems[field] = _("Not an e-mail address: {addresses}.").format(addresses=shown)
    elif len(seen) > MAX_ATTENDEES:
        said = (
            _("At most {count} presenters.")
            if field == "presenters"
            else _("At most {count} attendees.")
        )
        problems[field] = said.format(count=MAX_ATTENDEES)
    return tuple(seen.values())


@dataclass(frozen=True)
class Meeting:
    """A meeting as meettray remembers it."""

    id: str
    join_url: str
    subject: str
    start: datetime | None
    end: datetime | None
    created_at: datetime
    external_id: str = ""
    meeting_code: str = ""
    passcode: str = ""
    dial_in: str = ""
    toll_free: str = ""
    conference_id: str = ""
    dial_in_url: str = ""
    is_calendar_event: bool = False
    account: str = ""
    #: What the person should know about it (a prepared meeting Teams may still show
    #: with its old subject); empty for most.
    note: str = ""
    #: Teams' own invitation text (Graph's joinInformation, in the person's language), as
    #: plain text; "" where Graph sent none.
    join_text: str = ""
    #: When Teams deletes the meeting (``expiryDateTime``: 60 days after its end, pushed
    #: back by updates and joins); ``None`` where Graph did not say (calendar events).
    expires_at: datetime | None = None
    #: The organizer's own options page for it (``meetingOptionsWebUrl``): the place for
    #: every option Graph cannot set; "" where Graph sent none.
    options_url: str = ""
    #: The settings profile it was made with ("main": ``[account]``; see several accounts).
    profile: str = MAIN_ACCOUNT

    def expired(self, now: datetime) -> bool:
        """Whether Teams has deleted it by ``now`` (its link no longer works)."""
        return self.expires_at is not None and self.expires_at <= now

    def as_json(self) -> dict[str, Any]:
        """The object ``meettray now --json`` and ``history --json`` print."""
        return {
            "join_url": self.join_url,
            "id": self.id,
            "subject": self.subject,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "created_at": self.created_at.isoformat(),
            "meeting_code": self.meeting_code or None,
            "passcode": self.passcode or None,
            "dial_in": self.dial_in or None,
            "conference_id": self.conference_id or None,
            "calendar_event": self.is_calendar_event,
            "account": self.profile,
            "organizer": self.account or None,
            "external_id": self.external_id or None,
            "note": self.note or None,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "meeting_options_url": self.options_url or None,
        }


def asked_settings(request: MeetingRequest) -> dict[str, NotApplied]:
    """Each setting a request asks for beyond subject and times, by name, with its value
    as a person reads it (``answered`` left empty: for a PATCH that failed)."""
    asked: dict[str, NotApplied] = {}
    if request.lobby_bypass:
        asked["lobby"] = NotApplied("lobby", N_("Who bypasses the lobby"), request.lobby_bypass)
    if request.allowed_presenters:
        asked["presenters"] = NotApplied("presenters", N_("Who can present"),
                                         request.allowed_presenters)  # fmt: skip
    for name, value in request.options.chosen().items():
        shown = ("on" if value else "off") if isinstance(value, bool) else str(value)
        asked[name] = NotApplied(name, OPTION_SPECS[name].label, shown)
    return asked
