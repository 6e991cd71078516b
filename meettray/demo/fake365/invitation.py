"""The invitation Teams writes into an onlineMeeting's ``joinInformation``.

As live Graph sends it (live behaviours, round 3): ``data:text/html,`` followed by the
HTML **form-encoded** (lower-case ``%xx``, ``+`` for every space, ``%0d%0a`` line ends),
worded in the ``Accept-Language`` asked for; the docs' v1.0 example also shows the prefix
itself encoded (``data%3Atext%2Fhtml%2C``), which :data:`ENCODED_PREFIX` reproduces.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote_plus

#: The two ways the prefix arrives: literal (the SDKs' examples), encoded (v1.0's doc).
LITERAL_PREFIX, ENCODED_PREFIX = "data:text/html,", "data%3Atext%2Fhtml%2C"

#: What Teams writes in joinInformation, in two of its languages (others: English).
_INVITATION = {
    "en": ("Microsoft Teams meeting", "Join on your computer, mobile app or room device",
           "Click here to join the meeting", "Meeting ID:", "Passcode:", "Download Teams",
           "Join on the web", "Learn More", "Meeting options", "Or call in (audio only)",
           "Phone conference ID:"),
    "de": ("Microsoft Teams-Besprechung",
           "Nehmen Sie von Ihrem Computer, Ihrer mobilen App oder Ihrem Raumgerät aus teil",
           "Klicken Sie hier, um an der Besprechung teilzunehmen", "Besprechungs-ID:",
           "Passcode:", "Teams herunterladen", "Im Web teilnehmen", "Weitere Infos",
           "Besprechungsoptionen", "Oder telefonisch teilnehmen (nur Audio)",
           "ID der Telefonkonferenz:"),
}  # fmt: skip

_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def form_encoded(text: str) -> str:
    """``text`` as Teams encodes it: ``+`` for spaces, lower-case ``%xx`` for the rest."""
    return _ESCAPE.sub(lambda m: m.group(0).lower(), quote_plus(text, safe=""))


def invitation_html(meeting: dict[str, Any], language: str) -> str:
    """The invitation's HTML, worded in ``language`` (``de-DE``; English otherwise), with
    Windows line ends between its blocks as Teams writes them."""
    words = _INVITATION.get(language[:2].lower(), _INVITATION["en"])
    title, join_on, click, id_label, pass_label, download, web, learn, options = words[:9]
    call, phone_id = words[9:]
    audio = meeting.get("audioConferencing") or {}
    settings = meeting.get("joinMeetingIdSettings") or {}
    code = str(settings.get("joinMeetingId", ""))
    spaced = " ".join(code[i : i + 3] for i in range(0, len(code), 3))
    passcode = settings.get("passcode")
    rule = '<div style="width:100%;height: 20px;"><span style="white-space:nowrap;">'
    blocks = [
        rule + "_" * 80 + "</span></div>",
        f'<div class="me-email-text" lang="{language or "en-US"}">',
        f'<div style="margin-top: 24px;"><span style="font-size: 24px;">{title}</span></div>',
        f'<div><div style="font-weight:bold"><span>{join_on}</span></div>'
        f'<a class="me-email-headline" href="{meeting["joinWebUrl"]}" target="_blank" '
        f'rel="noreferrer noopener">{click}</a></div>',
        f"<div><span>{id_label} <span>{spaced}</span></span>"
        + (f"<br><span>{pass_label} <span>{passcode}</span></span>" if passcode else "")
        + "</div>",
    ]
    if audio.get("tollNumber"):
        blocks.append(
            f"<div><span>{call}</span><br><span>{audio['tollNumber']},,{audio['conferenceId']}#"
            f"</span><br><span>{phone_id} {audio['conferenceId']}#</span></div>"
        )
    blocks += [
        f'<div><a href="https://www.microsoft.com/microsoft-teams/download-app">{download}</a>'
        f' | <a href="https://www.microsoft.com/microsoft-teams/join-a-meeting">{web}</a></div>',
        f'<div><a href="https://aka.ms/JoinTeamsMeeting">{learn}</a> | '
        f'<a href="{meeting.get("meetingOptionsWebUrl", "https://teams.microsoft.com/")}">'
        f"{options}</a></div></div>",
        rule + "_" * 80 + "</span></div>",
    ]
    return "\r\n".join(blocks)


def join_information(
    meeting: dict[str, Any], language: str, *, encoded_prefix: bool = False
) -> dict[str, str]:
    """``joinInformation`` as Graph answers it for ``language``."""
    prefix = ENCODED_PREFIX if encoded_prefix else LITERAL_PREFIX
    return {
        "content": prefix + form_encoded(invitation_html(meeting, language)),
        "contentType": "html",
    }
