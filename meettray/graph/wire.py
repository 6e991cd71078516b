"""Graph's wire format: the bodies meettray sends, and how it reads Graph's answers.

Pure functions over plain values: no network, no Qt.  Answers are read
defensively (v1.0 ``joinWebUrl`` and the beta shape's ``joinUrl``; unknown
fields ignored); an answer that cannot be used is a :class:`GraphError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone, tzinfo
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from meettray.choices import LOBBY_BYPASS_SCOPES
from meettray.config import CLOUDS
from meettray.graph.errors import (
    INSECURE_JOIN_LINK,
    NO_JOIN_LINK,
    UNEXPECTED_JOIN_HOST,
    UNREADABLE_RESPONSE,
    unusable_answer,
)
from meettray.i18n import N_
from meettray.meetings import OPTION_SPECS, Meeting, MeetingRequest, join_link_problem, utc_iso
from meettray.options import NotApplied
from meettray.plaintext import displayable

#: Where join links may point unless the caller names its cloud's hosts.
DEFAULT_LINK_HOSTS = CLOUDS["global"].link_hosts


def create_or_get_body(request: MeetingRequest, external_id: str) -> dict[str, Any]:
    """The body for ``POST …/onlineMeetings/createOrGet`` (only the fields it accepts)."""
    body: dict[str, Any] = {
        "externalId": external_id,
        "subject": request.subject,
        "startDateTime": utc_iso(request.start),
        "endDateTime": utc_iso(request.end),
    }
    if request.attendees or request.presenters:
        body["participants"] = {"attendees": participants(request)}
    return body


def participants(request: MeetingRequest) -> list[dict[str, str]]:
    """Attendees with their roles; a presenter who was not invited is added as one."""
    chosen = {address.lower() for address in request.presenters}
    people = list(request.attendees) + [
        p for p in request.presenters if p.lower() not in {a.lower() for a in request.attendees}
    ]
    return [
        {"upn": address, "role": "presenter" if address.lower() in chosen else "attendee"}
        for address in people
    ]


#: ``Prefer`` for every onlineMeetings request: ``invited`` and
#: ``organizationExcludingGuests`` are evolvable enum members, refused without it and
#: read back as ``unknownFutureValue`` (live behaviours, round 2).
UNKNOWN_ENUMS = "include-unknown-enum-members"
#: ``Prefer`` for calendar events: an id that survives Outlook moving the item.
IMMUTABLE_IDS = 'IdType="ImmutableId"'
#: How a lobby value meettray does not know is shown (``unknownFutureValue`` among them).
ORGANISATION_LOBBY = "set by your organisation"


def lobby_patch(request: MeetingRequest) -> dict[str, Any]:
    """The lobby setting createOrGet does not take, for a ``PATCH`` afterwards."""
    if not request.lobby_bypass:
        return {}
    return {"lobbyBypassSettings": {"scope": request.lobby_bypass, "isDialInBypassEnabled": False}}


def presenters_patch(request: MeetingRequest) -> dict[str, Any]:
    """Who presents, for a ``PATCH`` afterwards.

    A presenter role holds only when ``roleIsPresenter`` and the attendees with their
    roles arrive in the same request (createOrGet drops roles; a PATCH of attendees
    replaces the whole list): that PATCH carries them all.
    """
    if not request.allowed_presenters:
        return {}
    patch: dict[str, Any] = {"allowedPresenters": request.allowed_presenters}
    if request.allowed_presenters == "roleIsPresenter":
        patch["participants"] = {"attendees": participants(request)}
    return patch


def option_patch(request: MeetingRequest, name: str) -> dict[str, Any]:
    """One Teams option (:data:`OPTION_SPECS`) as Graph takes it; ``{}`` when not set."""
    value = getattr(request.options, name)
    if value is None:
        return {}
    if name == "watermark":  # one switch in meettray, two in Graph
        return {OPTION_SPECS[name].graph_name: {"isEnabledForContentSharing": value,
                                                "isEnabledForVideo": value}}  # fmt: skip
    return {OPTION_SPECS[name].graph_name: value}


def settings_patch(request: MeetingRequest) -> dict[str, Any]:
    """Every setting createOrGet does not take, for one ``PATCH`` afterwards."""
    patch = {**lobby_patch(request), **presenters_patch(request)}
    for name in request.options.chosen():
        patch.update(option_patch(request, name))
    return patch


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return "nothing" if value is None else displayable(str(value))[:80]


def _answered(request: MeetingRequest, name: str, body: Mapping[str, Any]) -> Any:
    """What Graph's answer says of one option; watermarking is one switch of two."""
    value = body.get(OPTION_SPECS[name].graph_name)
    if name == "watermark" and isinstance(value, Mapping):
        parts = {value.get("isEnabledForContentSharing"), value.get("isEnabledForVideo")}
        return parts.pop() if len(parts) == 1 else None
    return value


def not_taken(request: MeetingRequest, body: Any, *, sent: frozenset[str]) -> list[NotApplied]:
    """Each setting in ``sent`` (``lobby``, ``presenters``, option names) that Graph's
    answer to the PATCH shows with another value than asked: Graph ignores what it
    cannot change, answering 200 all the same."""
    answer: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    missing: list[NotApplied] = []
    if "lobby" in sent and request.lobby_bypass:
        shown = lobby_scope(answer)
        if shown != request.lobby_bypass:
            missing.append(NotApplied("lobby", N_("Who bypasses the lobby"), request.lobby_bypass,
                                      shown))  # fmt: skip
    if "presenters" in sent and request.allowed_presenters:
        value = answer.get("allowedPresenters")
        if value != request.allowed_presenters:
            missing.append(NotApplied("presenters", N_("Who can present"),
                                      request.allowed_presenters, _shown(value)))  # fmt: skip
    for name, asked in request.options.chosen().items():
        if name in sent and (value := _answered(request, name, answer)) != asked:
            missing.append(NotApplied(name, OPTION_SPECS[name].label, _shown(asked),
                                      _shown(value)))  # fmt: skip
    return missing


def lobby_scope(body: Any) -> str:
    """Who bypasses the lobby, as an answer says; a value meettray does not know (Graph's
    ``unknownFutureValue``, a newer one) is :data:`ORGANISATION_LOBBY`, never a crash."""
    settings = body.get("lobbyBypassSettings") if isinstance(body, dict) else None
    scope = settings.get("scope") if isinstance(settings, dict) else None
    return scope if scope in LOBBY_BYPASS_SCOPES else ORGANISATION_LOBBY


def event_body(request: MeetingRequest, transaction_id: str) -> dict[str, Any]:
    """The body for ``POST /me/events`` with a Teams meeting (sends invitations).

    ``transactionId`` lets Graph recognise a retried POST, like createOrGet's
    ``externalId``.
    """
    return {
        "transactionId": transaction_id,
        "subject": request.subject,
        "start": {"dateTime": utc_iso(request.start)[:-1], "timeZone": "UTC"},
        "end": {"dateTime": utc_iso(request.end)[:-1], "timeZone": "UTC"},
        "attendees": [
            {"emailAddress": {"address": address}, "type": "required"}
            for address in request.attendees
        ],
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
    }


def json_body(content: bytes, *, status: int, request_id: str) -> Any:
    """An answer's JSON (``None`` for an empty body)."""
    try:
        return json.loads(content or b"null")
    except ValueError:
        raise unusable_answer(
            "Microsoft Graph sent an answer meettray could not read. Try again.",
            status=status,
            code=UNREADABLE_RESPONSE,
            request_id=request_id,
        ) from None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


_FRACTION = re.compile(r"(\.\d{6})\d+")


def _time(value: Any, zone: tzinfo = timezone.utc) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    # Graph writes 7 fractional digits (``.0000000``); Python reads at most 6.
    text = _FRACTION.sub(r"\1", value.replace("Z", "+00:00"))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _join_url(candidate: Any, status: int, request_id: str, hosts: frozenset[str]) -> str:
    url = _text(candidate)
    if not url:
        raise unusable_answer(
            "Microsoft Teams created no join link for this meeting. Try again.",
            status=status,
            code=NO_JOIN_LINK,
            request_id=request_id,
        )
    if problem := join_link_problem(url, hosts):
        scheme = urlsplit(url).scheme
        raise unusable_answer(
            f"Microsoft Graph returned a join link meettray will not use: {problem}. Nothing "
            "was copied or opened.",
            status=status,
            code=INSECURE_JOIN_LINK if scheme != "https" else UNEXPECTED_JOIN_HOST,
            detail=f"scheme {scheme!r}",
            request_id=request_id,
        )
    return url


def _require_object(body: Any, status: int, request_id: str) -> None:
    if not isinstance(body, dict) or not _text(body.get("id")):
        raise unusable_answer(
            "Microsoft Graph sent an answer meettray could not read.",
            status=status,
            code=UNREADABLE_RESPONSE,
            request_id=request_id,
        )


def meeting_from_graph(
    body: Any,
    *,
    status: int,
    account: str,
    created_at: datetime,
    request_id: str = "",
    link_hosts: frozenset[str] = DEFAULT_LINK_HOSTS,
) -> Meeting:
    """Read an onlineMeeting (v1.0 or beta shape); unknown fields are ignored.

    The join link must name one of ``link_hosts`` (the configured cloud's).
    """
    _require_object(body, status, request_id)
    settings = _mapping(body.get("joinMeetingIdSettings"))
    audio = _mapping(body.get("audioConferencing"))
    return Meeting(
        id=body["id"],
        join_url=_join_url(
            body.get("joinWebUrl") or body.get("joinUrl"), status, request_id, link_hosts
        ),
        subject=_text(body.get("subject")),
        start=_time(body.get("startDateTime")),
        end=_time(body.get("endDateTime")),
        created_at=created_at,
        external_id=_text(body.get("externalId")),
        meeting_code=_text(settings.get("joinMeetingId")),
        passcode=_text(settings.get("passcode")),
        dial_in=_text(audio.get("tollNumber")),
        toll_free=_text(audio.get("tollFreeNumber")),
        conference_id=_text(audio.get("conferenceId")),
        dial_in_url=_text(audio.get("dialinUrl")),
        account=account,
        join_text=join_information_text(body, link_hosts),
        expires_at=_time(body.get("expiryDateTime")),
        options_url=_options_url(body.get("meetingOptionsWebUrl")),
    )


def _options_url(value: Any) -> str:
    """The organizer's options page, only where it is Teams' own (it is opened)."""
    url = _text(value)
    return "" if join_link_problem(url, frozenset({"teams.microsoft.com"})) else url


#: Where a link in Graph's joinInformation may point besides the join link's hosts: the
#: help, dial-in and meeting-options pages Teams writes into it.  Any other link keeps
#: its words and loses its address.
JOIN_INFORMATION_HOSTS = frozenset(
    {
        "aka.ms",
        "dialin.teams.microsoft.com",
        "teams.microsoft.com",
        "support.microsoft.com",
        "www.microsoft.com",
    }
)
#: The most of joinInformation read (Teams writes about 3 KB), and the most kept as text.
MAX_JOIN_INFORMATION, MAX_JOIN_TEXT = 64 * 1024, 4000
_BREAKS = frozenset({"br", "p", "div", "tr", "li", "table", "hr"})
_HIDDEN = frozenset({"script", "style", "head", "title"})


class _JoinText(HTMLParser):
    """Graph's joinInformation HTML read as data: its words, line by line, and the
    address of a link only where it points to Teams or Microsoft's help."""

    def __init__(self, allowed: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self._allowed = allowed
        self._hidden = 0
        self._href = ""
        self._link_words: list[str] = []
        self.lines: list[str] = [""]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BREAKS:
            self.lines.append("")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self._href = "" if join_link_problem(href, self._allowed) else href
            self._link_words = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BREAKS:
            self.lines.append("")
        elif tag == "a" and self._href:
            words = " ".join("".join(self._link_words).split())
            if self._href not in words:
                self.lines[-1] += f"{': ' if words else ''}{self._href}"
            self._href = ""

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        self.lines[-1] += data
        if self._href:
            self._link_words.append(data)


#: How joinInformation's ``data:`` address starts: literal (what Graph sends) or
#: itself form-encoded (v1.0's documented example), in either case.
_DATA_PREFIX = re.compile(r"data(?::|%3a)text(?:/|%2f)html(?:,|%2c)", re.IGNORECASE)


def _invitation_markup(content: str) -> str:
    """The HTML in joinInformation's ``data:text/html,`` address, decoded as the form
    data Teams writes (``+`` for spaces, ``%xx``, ``%0d%0a`` line ends); text without
    the prefix is taken as it is."""
    prefix = _DATA_PREFIX.match(content)
    return unquote_plus(content[prefix.end() :]) if prefix else content


def join_information_text(body: Any, link_hosts: frozenset[str]) -> str:
    """Teams' own invitation text from an onlineMeeting's ``joinInformation`` (a
    ``data:text/html,`` address), in the language asked for: plain text, with no
    markup, no controls or direction overrides, and only links to Teams and Microsoft's
    help pages.  "" where there is none, or it is not what Teams writes."""
    info = body.get("joinInformation") if isinstance(body, Mapping) else None
    content = info.get("content") if isinstance(info, Mapping) else None
    if not isinstance(content, str) or len(content) > 3 * MAX_JOIN_INFORMATION:
        return ""
    markup = _invitation_markup(content)
    if len(markup) > MAX_JOIN_INFORMATION:
        return ""
    reader = _JoinText(link_hosts | JOIN_INFORMATION_HOSTS)
    try:
        reader.feed(markup)
        reader.close()
    except (ValueError, AssertionError):  # not HTML we can read: our own text instead
        return ""
    lines = [" ".join(displayable(line).split()) for line in reader.lines]
    text = "\n".join(line for line in lines if line and not set(line) <= {"_", "-", "="})
    return text[:MAX_JOIN_TEXT]


def event_join_url(body: Any) -> str:
    """The Teams link of a calendar event, or "" while Exchange has not added one."""
    online = _mapping(body.get("onlineMeeting")) if isinstance(body, Mapping) else {}
    return _text(online.get("joinUrl"))


def meeting_from_event(
    body: Any,
    *,
    status: int,
    account: str,
    created_at: datetime,
    request_id: str = "",
    without_teams: bool = False,
    link_hosts: frozenset[str] = DEFAULT_LINK_HOSTS,
) -> Meeting:
    """Read a calendar event created with a Teams meeting.

    ``without_teams``: Exchange added no Teams meeting; the event's Outlook link
    (``webLink``) stands in, so the event can still be found and opened.
    """
    _require_object(body, status, request_id)
    online, start, end = (_mapping(body.get(key)) for key in ("onlineMeeting", "start", "end"))
    link = body.get("webLink") if without_teams else online.get("joinUrl")
    return Meeting(
        id=body["id"],
        join_url=_join_url(link, status, request_id, link_hosts),
        subject=_text(body.get("subject")),
        start=_event_time(start),
        end=_event_time(end),
        created_at=created_at,
        conference_id=_text(online.get("conferenceId")),
        dial_in=_text(online.get("tollNumber")),
        is_calendar_event=True,
        account=account,
    )


def _event_time(value: Mapping[str, Any]) -> datetime | None:
    zone: tzinfo = timezone.utc
    name = _text(value.get("timeZone"))
    if name and name.upper() != "UTC":
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only calendar events have zones

        try:
            zone = ZoneInfo(name)
        except (ValueError, ZoneInfoNotFoundError):
            return None  # a Windows zone name; the start is not worth a failure
    return _time(value.get("dateTime"), zone)
