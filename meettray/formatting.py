"""How a meeting is written out: clipboard text and HTML, and one-line summaries."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from meettray.i18n import _, date_text, time_text, weekday_text
from meettray.meetings import Meeting
from meettray.plaintext import displayable, unlinked

if TYPE_CHECKING:
    from meettray.config import UiConfig


def details_lines(meeting: Meeting) -> list[str]:
    """Meeting ID, passcode and dial-in, when Graph returned them."""
    lines = []
    if meeting.meeting_code:
        code = " ".join(
            meeting.meeting_code[i : i + 3] for i in range(0, len(meeting.meeting_code), 3)
        )
        lines.append(f"Meeting ID: {code}")
    if meeting.passcode:
        lines.append(f"Passcode: {meeting.passcode}")
    if meeting.dial_in:
        dial = meeting.dial_in
        if meeting.conference_id:
            dial += f",,{meeting.conference_id}# (phone conference ID: {meeting.conference_id}#)"
        lines.append(f"Dial in: {dial}")
    return lines


def clipboard_text(meeting: Meeting, *, with_details: bool = False) -> str:
    """Plain text: the link alone, or the link followed by its details."""
    if not with_details:
        return meeting.join_url
    return "\n".join([meeting.join_url, *details_lines(meeting)])


def clipboard_html(meeting: Meeting, *, with_details: bool = False) -> str:
    """HTML: a "Join Microsoft Teams meeting" link, with details if asked."""
    link = f'<a href="{html.escape(meeting.join_url, quote=True)}">Join Microsoft Teams meeting</a>'
    if not with_details:
        return link
    rest = "".join(f"<br>{html.escape(line)}" for line in details_lines(meeting))
    return f"{link}{rest}"


@dataclass(frozen=True)
class ClipboardPayload:
    """What goes on the clipboard for a meeting: plain text, and HTML for rich editors."""

    text: str
    html: str


def clipboard_payload(
    meeting: Meeting, ui: UiConfig, *, details: bool | None = None
) -> ClipboardPayload:
    """The one rule for what a copy holds, shared by the tray and the command line.

    ``[ui] clipboard = "details"`` adds the meeting ID, passcode and dial-in (in Teams'
    own words where ``[ui] details_text = "teams"`` and Graph sent them); ``details``
    overrides the setting (the menu's "Copy link and details").
    """
    with_details = ui.clipboard == "details" if details is None else details
    if with_details and ui.details_text == "teams" and meeting.join_text:
        return teams_payload(meeting)
    return ClipboardPayload(
        clipboard_text(meeting, with_details=with_details),
        clipboard_html(meeting, with_details=with_details),
    )


def teams_payload(meeting: Meeting) -> ClipboardPayload:
    """Teams' own invitation text (already plain text, its links checked; addresses in
    its words on other hosts unlinked, invisible characters removed): the link first,
    then Teams' words.  The HTML is built here, every line escaped: only the join link is
    a link in it, so nothing Graph wrote becomes markup in the editor it is pasted into."""
    join_host = urlsplit(meeting.join_url).hostname or ""
    # An address Graph wrote as text on a host other than Teams' is no link when pasted.
    lines = [unlinked(line, frozenset({join_host})) for line in meeting.join_text.splitlines()]
    lines = [line for line in lines if line.strip()]
    text = "\n".join([meeting.join_url, "", *lines])
    rest = "".join(f"<br>{html.escape(line)}" for line in lines)
    return ClipboardPayload(text, clipboard_html(meeting) + rest)


def short_link(url: str, limit: int = 48) -> str:
    """A link as a person reads it at a glance: no scheme, decoded, cut with an ellipsis.

    For notifications and status lines, which cut a 250-character Teams link
    off wherever they like (or widen a window to fit it).
    """
    parts = urlsplit(url)
    # Decoded for reading only, and made displayable after: %1b or %E2%80%AE must not
    # become a terminal escape or a direction override on the way.
    text = displayable(unquote(parts.netloc + parts.path))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def recent_label(meeting: Meeting) -> str:
    """``Subject · Mon 14:05 · ID …9012``: a Recent entry (the tray's menu and the no-tray
    window's), as text (a menu must double its ampersands).

    The end of the meeting ID tells apart two meetings with one subject made in the same
    minute (the ID is what Teams shows too).  Without one, the time says it to the second
    ("Mon 14:05:12", or "made 14:05:12" after a scheduled start), never a bare "12 s".
    """
    subject = displayable(meeting.subject) or _("(no subject)")
    if len(subject) > 40:
        subject = subject[:39] + "…"
    when = (meeting.start or meeting.created_at).astimezone()
    day, clock = weekday_text(when), time_text(when)
    code = "".join(c for c in meeting.meeting_code if c.isdigit())
    if len(code) >= 4:
        return _("{subject} · {day} {time} · ID …{digits}").format(
            subject=subject, day=day, time=clock, digits=code[-4:]
        )
    if meeting.start is None:  # made now: when it was made, to the second
        return _("{subject} · {day} {time}").format(
            subject=subject, day=day, time=time_text(when, seconds=True)
        )
    made = time_text(meeting.created_at.astimezone(), seconds=True)
    return _("{subject} · {day} {time} · made {made}").format(
        subject=subject, day=day, time=clock, made=made
    )


def expiry_text(meeting: Meeting, now: datetime) -> str:
    """When Teams deletes the meeting, as History shows it: ``EXPIRED 2027-02-05: …`` or
    ``expires 2027-02-05``; "" where Graph did not say."""
    if meeting.expires_at is None:
        return ""
    day = date_text(meeting.expires_at.astimezone())
    if meeting.expired(now):
        return _(
            "EXPIRED {day}: Teams has deleted this meeting and its link no longer works"
        ).format(day=day)
    return _("expires {day}").format(day=day)


def expired_copy_warning(meeting: Meeting, now: datetime) -> str:
    """Said when an expired meeting's link is copied again; "" for a live one."""
    if not meeting.expired(now):
        return ""
    assert meeting.expires_at is not None
    day = date_text(meeting.expires_at.astimezone())
    return _(
        "“{subject}” expired on {day}: Teams has deleted it, so its link no longer works. "
        "Make a new meeting instead."
    ).format(subject=displayable(meeting.subject) or _("This meeting"), day=day)
