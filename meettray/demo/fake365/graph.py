"""The fake Microsoft Graph: onlineMeetings and calendar events, with Graph's permission checks.

onlineMeetings: create, createOrGet, get, patch, delete, and the
``$filter=JoinWebUrl`` lookup, for ``/me`` and ``/users/{id}``; events with
online meetings for ``/me``.  Errors use Graph's error body.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, unquote

from meettray.demo.fake365.identity import AccessToken, FakeUser, IdentityPlatform
from meettray.demo.fake365.wire import (
    Answer,
    Reply,
    b64url,
    graph_error,
    json_body,
    now_iso,
    parse_iso,
    public,
)

_MEETING_SCOPES = frozenset({"OnlineMeetings.ReadWrite", "OnlineMeetings.ReadWrite.All"})
_CREATE_OR_GET_FIELDS = frozenset(
    {"externalId", "subject", "startDateTime", "endDateTime", "participants"}
)
_PATCHABLE_FIELDS = frozenset(
    {
        "subject",
        "startDateTime",
        "endDateTime",
        "participants",
        "lobbyBypassSettings",
        "allowedPresenters",
        "isEntryExitAnnounced",
        "allowMeetingChat",
        "recordAutomatically",
        "allowRecording",
        "allowTranscription",
        "allowedLobbyAdmitters",
        "watermarkProtection",
        "allowAttendeeToEnableCamera",
        "allowAttendeeToEnableMic",
        "allowParticipantsToChangeName",
        "shareMeetingChatHistoryDefault",
    }
)
_BOOLEAN_OPTIONS = frozenset(
    {
        "isEntryExitAnnounced",
        "recordAutomatically",
        "allowRecording",
        "allowTranscription",
        "allowAttendeeToEnableCamera",
        "allowAttendeeToEnableMic",
        "allowParticipantsToChangeName",
    }
)
#: Options whose value is one of Graph's enumeration members (onlinemeeting-update doc).
_ENUM_OPTIONS = {
    "allowMeetingChat": frozenset({"enabled", "disabled", "limited"}),
    "allowedLobbyAdmitters": frozenset(
        {"organizerAndCoOrganizersAndPresenters", "organizerAndCoOrganizers"}
    ),
    "shareMeetingChatHistoryDefault": frozenset({"none", "all"}),
}
_WATERMARK_FIELDS = frozenset({"isEnabledForContentSharing", "isEnabledForVideo"})


#: Evolvable members of lobbyBypassSettings.scope: refused in a request, and read back
#: as ``unknownFutureValue``, unless ``Prefer: include-unknown-enum-members`` was sent.
EVOLVABLE_LOBBY = frozenset({"invited", "organizationExcludingGuests"})


def _prefers(headers: dict[str, str], value: str) -> bool:
    return value.lower() in headers.get("prefer", "").lower()


def _shown(meeting: dict[str, Any], unknown_enums: bool) -> dict[str, Any]:
    """A meeting as Graph writes it for this request: without the Prefer header, an
    evolvable value is ``unknownFutureValue``."""
    scope = (meeting.get("lobbyBypassSettings") or {}).get("scope")
    if unknown_enums or scope not in EVOLVABLE_LOBBY:
        return meeting
    shown = copy.deepcopy(meeting)
    shown["lobbyBypassSettings"]["scope"] = "unknownFutureValue"
    return shown


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


def join_information(meeting: dict[str, Any], language: str) -> dict[str, str]:
    """The meeting's invitation as Graph answers it: HTML in a ``data:`` address, worded
    in the ``Accept-Language`` asked for."""
    words = _INVITATION.get(language[:2].lower(), _INVITATION["en"])
    title, join_on, click, id_label, pass_label, download, web, learn, options = words[:9]
    call, phone_id = words[9:]
    audio = meeting.get("audioConferencing") or {}
    dial_in = (
        f"<div><span>{call}</span><br><span>{audio['tollNumber']},,{audio['conferenceId']}#"
        f"</span><br><span>{phone_id} {audio['conferenceId']}#</span></div>"
        if audio.get("tollNumber")
        else ""
    )
    settings = meeting.get("joinMeetingIdSettings") or {}
    code = str(settings.get("joinMeetingId", ""))
    spaced = " ".join(code[i : i + 3] for i in range(0, len(code), 3))
    html = (
        '<div style="width:100%;height: 20px;"><span style="white-space:nowrap;">'
        + "_" * 80
        + "</span></div>"
        f'<div class="me-email-text" lang="{language or "en-US"}">'
        f'<div style="margin-top: 24px;"><span style="font-size: 24px;">{title}</span></div>'
        f'<div><div style="font-weight:bold"><span>{join_on}</span></div>'
        f'<a class="me-email-headline" href="{meeting["joinWebUrl"]}" target="_blank" '
        f'rel="noreferrer noopener">{click}</a></div>'
        f"<div><span>{id_label} <span>{spaced}</span></span><br>"
        f"<span>{pass_label} <span>{settings.get('passcode', '')}</span></span></div>"
        + dial_in
        + f'<div><a href="https://www.microsoft.com/microsoft-teams/download-app">{download}</a> | '
        f'<a href="https://www.microsoft.com/microsoft-teams/join-a-meeting">{web}</a></div>'
        f'<div><a href="https://aka.ms/JoinTeamsMeeting">{learn}</a> | '
        f'<a href="https://teams.microsoft.com/meetingOptions/?meetingId={meeting["id"]}">'
        f"{options}</a></div></div>"
        '<div style="width:100%;height: 20px;"><span>' + "_" * 80 + "</span></div>"
    )
    return {"content": "data:text/html," + quote(html, safe=""), "contentType": "html"}


def _check_options(payload: dict[str, Any]) -> None:
    """Each option's type and value, as Graph checks them: a wrong one refuses the whole
    request (400), naming the property."""
    for name in _BOOLEAN_OPTIONS & set(payload):
        if type(payload[name]) is not bool:
            raise Reply(400, graph_error("BadRequest", f"Invalid value for property '{name}'."))
    for name, allowed in _ENUM_OPTIONS.items():
        if name in payload and payload[name] not in allowed:
            raise Reply(400, graph_error(
                "BadRequest", f"Requested value '{payload[name]}' was not found."))  # fmt: skip
    if "watermarkProtection" in payload:
        mark = payload["watermarkProtection"]
        if (not isinstance(mark, dict) or not set(mark) <= _WATERMARK_FIELDS
                or any(type(v) is not bool for v in mark.values())):  # fmt: skip
            raise Reply(400, graph_error(
                "BadRequest", "Invalid value for property 'watermarkProtection'."))  # fmt: skip


def _check_enums(payload: dict[str, Any], unknown_enums: bool) -> None:
    scope = (payload.get("lobbyBypassSettings") or {}).get("scope")
    if scope in EVOLVABLE_LOBBY and not unknown_enums:
        raise Reply(400, graph_error("BadRequest", f"Requested value '{scope}' was not found."))


class GraphService:
    """Meetings and events, kept per organizer; callers are checked against ``identity``."""

    def __init__(
        self,
        identity: IdentityPlatform,
        *,
        join_host: str,
        graph_endpoint: Callable[[], str],
        lock: threading.RLock,
    ) -> None:
        self.identity = identity
        self.join_host = join_host
        self._graph_endpoint = graph_endpoint
        self._lock = lock
        self.meetings: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, Any]] = {}
        #: When Exchange adds the Teams link to a new online event: 0 = already in the
        #: POST answer; n = on the n-th read of the event (live Graph can answer 201 with
        #: ``onlineMeeting: null`` and fill it in moments later); ``None`` = never (the
        #: mailbox's allowedOnlineMeetingProviders lacks Teams).
        self.event_link_after_reads: int | None = 0

    @property
    def graph_endpoint(self) -> str:
        return self._graph_endpoint()

    def me(self, headers: dict[str, str]) -> Answer:
        """``GET /me``: who the delegated token belongs to."""
        user = self.identity.caller(headers).user
        if user is None:
            raise Reply(400, graph_error("BadRequest", "/me needs a delegated token."))
        return Answer(
            200,
            {
                "id": user.oid,
                "displayName": user.name,
                "userPrincipalName": user.upn,
                "mail": user.upn,
            },
        )

    def organizer(self, caller: AccessToken, owner: str, needed: frozenset[str]) -> FakeUser:
        """Who the meeting belongs to, after Graph's permission checks."""
        if caller.user is not None:  # delegated
            if owner not in ("me", caller.user.oid, caller.user.upn):
                raise Reply(403, graph_error("Forbidden", "Access is denied."))
            if not caller.scopes & needed:
                raise Reply(
                    403,
                    graph_error(
                        "Forbidden",
                        "Missing scope permissions on the request. API requires one "
                        f"of '{', '.join(sorted(needed))}'.",
                    ),
                )
            if caller.user.personal or caller.user.guest:
                raise Reply(
                    403,
                    graph_error("Forbidden", "This API is not supported for this account type."),
                )
            return caller.user
        if owner == "me":
            raise Reply(
                400,
                graph_error(
                    "BadRequest", "/me request is only valid with delegated authentication flow."
                ),
            )
        if "OnlineMeetings.ReadWrite.All" not in caller.roles:
            raise Reply(
                403, graph_error("Forbidden", "Insufficient privileges to complete the operation.")
            )
        with self._lock:
            # /users/{userId}/onlineMeetings takes the object ID only; live Graph answers a
            # UPN with 404 (msgraph-sdk-dotnet#1215, microsoft-graph-docs#12301).
            user = self.identity.users.get(owner)
        if user is None:
            raise Reply(404, graph_error("NotFound", f"User '{owner}' was not found."))
        if not user.app_policy_granted:
            raise Reply(
                403,
                graph_error(
                    "Forbidden",
                    f"Application is not authorized to create meeting on behalf of '{owner}'. "
                    "No application access policy found for this app.",
                ),
            )
        return user

    def new_meeting(self, organizer: FakeUser, body: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now(timezone.utc)
        start = parse_iso(body["startDateTime"]) if "startDateTime" in body else now
        if "endDateTime" in body:
            if "startDateTime" not in body:
                raise Reply(400, graph_error("BadRequest", "End time without start time."))
            end = parse_iso(body["endDateTime"])
        else:
            end = start + timedelta(hours=1)
        if end < start:
            raise Reply(400, graph_error("BadRequest", "End time is before start time."))
        thread = b64url(secrets.token_bytes(24))
        context = {"Tid": organizer.tenant_id, "Oid": organizer.oid}
        meeting_id = b64url(f"1*{organizer.oid}*0**19:meeting_{thread}@thread.v2".encode())
        join = (
            f"https://{self.join_host}/l/meetup-join/19%3ameeting_{thread}%40thread.v2/0"
            f"?context={quote(json.dumps(context, separators=(',', ':')))}"
        )
        code = str(secrets.randbelow(9 * 10**11) + 10**11)
        conference = str(secrets.randbelow(9 * 10**8) + 10**8)
        participants = copy.deepcopy(body.get("participants") or {})
        participants["organizer"] = {
            "upn": organizer.upn,
            "role": "presenter",
            "identity": {"user": {"id": organizer.oid, "displayName": organizer.name}},
        }
        meeting: dict[str, Any] = {
            "@odata.context": f"{self.graph_endpoint}/$metadata#onlineMeetings/$entity",
            "id": meeting_id,
            "creationDateTime": now_iso(now),
            "startDateTime": now_iso(start),
            "endDateTime": now_iso(end),
            "joinWebUrl": join,
            "subject": body.get("subject"),
            "externalId": body.get("externalId"),
            "isBroadcast": False,
            "autoAdmittedUsers": "everyoneInCompany",
            "allowedPresenters": body.get("allowedPresenters", "everyone"),
            "isEntryExitAnnounced": True,
            "allowMeetingChat": "enabled",
            "recordAutomatically": False,
            "allowRecording": True,
            "allowTranscription": True,
            "allowedLobbyAdmitters": "organizerAndCoOrganizersAndPresenters",
            "watermarkProtection": {
                "isEnabledForContentSharing": False,
                "isEnabledForVideo": False,
            },
            "allowAttendeeToEnableCamera": True,
            "allowAttendeeToEnableMic": True,
            "allowParticipantsToChangeName": False,
            "shareMeetingChatHistoryDefault": "all",
            "videoTeleconferenceId": None,
            "participants": participants,
            "lobbyBypassSettings": body.get(
                "lobbyBypassSettings", {"scope": "organization", "isDialInBypassEnabled": False}
            ),
            "joinMeetingIdSettings": {
                "isPasscodeRequired": True,
                "joinMeetingId": code,
                "passcode": secrets.token_urlsafe(4)[:6],
            },
            "audioConferencing": {
                "conferenceId": conference,
                "tollNumber": "+1 425-555-0123",
                "tollFreeNumber": "+1 800-555-0199",
                "tollNumbers": ["+1 425-555-0123"],
                "tollFreeNumbers": ["+1 800-555-0199"],
                "dialinUrl": f"https://dialin.teams.microsoft.com/fake?id={conference}",
            },
            "chatInfo": {
                "threadId": f"19:meeting_{thread}@thread.v2",
                "messageId": "0",
                "replyChainMessageId": None,
            },
            "_organizer": organizer.oid,
        }
        with self._lock:
            self.meetings[meeting_id] = meeting
        return meeting

    def handle(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        query: dict[str, list[str]] | None = None,
    ) -> Answer:
        caller = self.identity.caller(headers)
        match = re.fullmatch(r"/v1\.0/(me|users/([^/]+))/(onlineMeetings|events)(/.*)?", path)
        if match is None:
            raise Reply(400, graph_error("BadRequest", f"Resource not found for {path}."))
        owner = "me" if match.group(1) == "me" else unquote(match.group(2))
        collection, rest = match.group(3), match.group(4) or ""
        if collection == "events":
            if caller.user is None or owner != "me":
                raise Reply(403, graph_error("ErrorAccessDenied", "Access is denied."))
            organizer = self.organizer(caller, owner, frozenset({"Calendars.ReadWrite"}))
            immutable = _prefers(headers, 'IdType="ImmutableId"')
            return self.events_request(method, rest, organizer, body, immutable=immutable)
        organizer = self.organizer(caller, owner, _MEETING_SCOPES)
        payload = json_body(body) if method in ("POST", "PATCH") else {}
        unknown_enums = _prefers(headers, "include-unknown-enum-members")
        _check_enums(payload, unknown_enums)
        answer = self._meetings_request(method, rest, organizer, payload, query)
        language = headers.get("accept-language", "")
        if isinstance(answer.body, dict) and "joinWebUrl" in answer.body:
            meeting = _shown(answer.body, unknown_enums)
            invitation = join_information(meeting, language)
            answer = Answer(answer.status, {**meeting, "joinInformation": invitation})
        elif isinstance(answer.body, dict) and "value" in answer.body:
            shown = [_shown(m, unknown_enums) for m in answer.body["value"]]
            answer = Answer(answer.status, {**answer.body, "value": shown})
        return answer

    def _meetings_request(
        self,
        method: str,
        rest: str,
        organizer: FakeUser,
        payload: dict[str, Any],
        query: dict[str, list[str]] | None,
    ) -> Answer:
        if method == "POST" and rest == "":
            _check_presenters(payload)
            return Answer(201, self.new_meeting(organizer, payload))
        if method == "GET" and rest == "":
            # Graph lists meetings only through $filter=JoinWebUrl eq '<url>'.
            wanted = re.fullmatch(r"JoinWebUrl eq '(.*)'", (query or {}).get("$filter", [""])[0])
            if wanted is None:
                raise Reply(400, graph_error("BadRequest", "Filter on JoinWebUrl is required."))
            with self._lock:
                found = [
                    m
                    for m in self.meetings.values()
                    if m["_organizer"] == organizer.oid and m["joinWebUrl"] == wanted.group(1)
                ]
            if not found:
                # Live Graph: an unknown join link is 404, not an empty list
                # (microsoft-graph-docs-contrib#716).
                raise Reply(404, graph_error("NotFound", "The meeting was not found."))
            return Answer(200, {"value": [public(m) for m in found]})
        if method == "POST" and rest == "/createOrGet":
            if not payload.get("externalId"):
                raise Reply(400, graph_error("BadRequest", "externalId is required."))
            extra = set(payload) - _CREATE_OR_GET_FIELDS
            if extra:
                raise Reply(
                    400,
                    graph_error(
                        "BadRequest", f"Unsupported properties: {', '.join(sorted(extra))}"
                    ),
                )
            with self._lock:
                existing = next(
                    (
                        m
                        for m in self.meetings.values()
                        if m["_organizer"] == organizer.oid
                        and m["externalId"] == payload["externalId"]
                    ),
                    None,
                )
                if existing is not None:
                    return Answer(200, existing)
                # createOrGet takes attendees but drops their roles (live, round 2).
                attendees = (payload.get("participants") or {}).get("attendees") or []
                for attendee in attendees:
                    if isinstance(attendee, dict):
                        attendee["role"] = "attendee"
                return Answer(201, self.new_meeting(organizer, payload))
        meeting_id = unquote(rest.lstrip("/"))
        with self._lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is None or meeting["_organizer"] != organizer.oid:
                raise Reply(
                    404, graph_error("NotFound", "The meeting does not exist or was deleted.")
                )
            if method == "GET":
                return Answer(200, meeting)
            if method == "DELETE":
                del self.meetings[meeting_id]
                return Answer(204, None)
            if method == "PATCH":
                unknown = set(payload) - _PATCHABLE_FIELDS
                if unknown:
                    raise Reply(400, graph_error("BadRequest", f"Cannot update {sorted(unknown)}."))
                if ("startDateTime" in payload) != ("endDateTime" in payload):
                    raise Reply(
                        400,
                        graph_error("BadRequest", "Both startDateTime and endDateTime are needed."),
                    )
                _check_options(payload)
                # The request alone decides: roleIsPresenter needs the attendees with
                # their roles in the same PATCH (live, round 2); the stored ones do not count.
                _check_presenters(payload)
                update = copy.deepcopy(payload)
                if "participants" in update:  # the attendee list is replaced; the organizer stays
                    update["participants"] = {
                        **update["participants"],
                        "organizer": meeting["participants"]["organizer"],
                    }
                meeting.update(update)
                return Answer(200, meeting)
        raise Reply(405, graph_error("BadRequest", f"{method} is not supported here."))

    def move_events(self) -> None:
        """As when Outlook moves items (to another folder, an archive): every event gets a
        new id; only its immutable id stays (live behaviours, round 2)."""
        with self._lock:
            for event in self.events.values():
                event["id"] = "AAMk" + b64url(secrets.token_bytes(30))

    def events_request(
        self, method: str, rest: str, organizer: FakeUser, body: bytes, *, immutable: bool = False
    ) -> Answer:
        """Events, kept by immutable id; ``immutable``: the caller sent
        ``Prefer: IdType="ImmutableId"``, so ids in and out are the immutable ones."""

        def view(event: dict[str, Any]) -> dict[str, Any]:
            shown = copy.deepcopy(event)
            if immutable:
                shown["id"] = event["_immutable"]
            return shown

        if method == "POST" and rest == "":
            payload = json_body(body)
            transaction = payload.get("transactionId")
            with self._lock:
                for event in self.events.values():
                    if transaction and event.get("transactionId") == transaction:
                        return Answer(201, view(event))  # a retried POST: the first event
            try:
                start = datetime.fromisoformat(payload["start"]["dateTime"])
                end = datetime.fromisoformat(payload["end"]["dateTime"])
            except (KeyError, TypeError, ValueError) as exc:
                raise Reply(
                    400, graph_error("ErrorInvalidRequest", f"Bad start or end: {exc}")
                ) from None
            if end < start:
                raise Reply(
                    400,
                    graph_error("ErrorInvalidRequest", "The end is before the start."),
                )
            meeting = self.new_meeting(
                organizer,
                {
                    "subject": payload.get("subject"),
                    "startDateTime": start.replace(tzinfo=timezone.utc).isoformat(),
                    "endDateTime": end.replace(tzinfo=timezone.utc).isoformat(),
                },
            )
            event_id = "AAMk" + b64url(secrets.token_bytes(30))
            immutable_id = "AAkALg" + b64url(secrets.token_bytes(30))
            online = payload.get("isOnlineMeeting") is True
            event = {
                "id": event_id,
                "_immutable": immutable_id,
                "transactionId": transaction,
                "subject": payload.get("subject"),
                "start": payload["start"],
                "end": payload["end"],
                "attendees": payload.get("attendees", []),
                "isOnlineMeeting": online,
                "onlineMeetingProvider": payload.get("onlineMeetingProvider", "unknown"),
                "onlineMeeting": None,
                "_teams": {
                    "joinUrl": meeting["joinWebUrl"],
                    "conferenceId": meeting["audioConferencing"]["conferenceId"],
                    "tollNumber": meeting["audioConferencing"]["tollNumber"],
                }
                if online
                else None,
                "_reads": 0,
                "webLink": f"https://outlook.office365.com/owa/?itemid={event_id}",
                "_organizer": organizer.oid,
            }
            with self._lock:
                self.events[immutable_id] = event
                self._maybe_add_link(event)
            return Answer(201, view(event))
        event_id = unquote(rest.lstrip("/"))
        with self._lock:
            key = next(
                (k for k, e in self.events.items()
                 if (e["_immutable"] if immutable else e["id"]) == event_id),
                None,
            )  # fmt: skip
            if method == "GET" and key is not None:
                event = self.events[key]
                event["_reads"] += 1
                self._maybe_add_link(event)
                return Answer(200, view(event))
            if method == "DELETE" and key is not None:
                del self.events[key]
                return Answer(204, None)
        raise Reply(404, graph_error("ErrorItemNotFound", "The specified object was not found."))

    def _maybe_add_link(self, event: dict[str, Any]) -> None:
        """Exchange's side: the Teams link arrives with the answer, after some reads, or never."""
        after = self.event_link_after_reads
        if event["_teams"] is not None and after is not None and event["_reads"] >= after:
            event["onlineMeeting"] = event["_teams"]


def _check_presenters(meeting: dict[str, Any]) -> None:
    """Graph: ``roleIsPresenter`` works only with attendees whose role is presenter."""
    if meeting.get("allowedPresenters") != "roleIsPresenter":
        return
    attendees = (meeting.get("participants") or {}).get("attendees") or []
    if not any(isinstance(a, dict) and a.get("role") == "presenter" for a in attendees):
        raise Reply(
            400,
            graph_error(
                "BadRequest",
                "allowedPresenters is roleIsPresenter but no attendee has the presenter role.",
            ),
        )
