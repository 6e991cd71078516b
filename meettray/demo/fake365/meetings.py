"""The fake Graph's onlineMeetings: create, createOrGet, get, patch, delete and the
``$filter=JoinWebUrl`` lookup, for one organizer at a time, as strict as live Graph.

Live behaviours reproduced (``shared/graph-notes.md``): createOrGet ignores fields it does
not take and gives no passcode unless ``joinMeetingIdSettings.isPasscodeRequired`` is set
at creation; PATCH leaves ``allowParticipantsToChangeName`` and
``shareMeetingChatHistoryDefault`` as they were; every meeting carries ``expiryDateTime``
(60 days after its end, pushed back 60 days by an update) and ``meetingOptionsWebUrl``;
an organizer may create at most :data:`MONTHLY_MEETING_LIMIT` meetings a month.
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

from meettray.demo.fake365.directory import FakeUser
from meettray.demo.fake365.options import check_options, check_presenters
from meettray.demo.fake365.wire import (
    Answer,
    Reply,
    b64url,
    graph_error,
    now_iso,
    parse_iso,
    public,
)

#: What createOrGet reads from its body; anything else is ignored, not refused (round 3).
_CREATE_OR_GET_FIELDS = frozenset(
    {"externalId", "subject", "startDateTime", "endDateTime", "participants",
     "joinMeetingIdSettings"}
)  # fmt: skip
#: What v1.0's update page says PATCH changes.
_PATCHABLE_FIELDS = frozenset(
    {"subject", "startDateTime", "endDateTime", "participants", "lobbyBypassSettings",
     "allowedPresenters", "isEntryExitAnnounced", "allowMeetingChat", "recordAutomatically",
     "allowRecording", "allowTranscription", "allowedLobbyAdmitters", "watermarkProtection",
     "allowAttendeeToEnableCamera", "allowAttendeeToEnableMic"}
)  # fmt: skip
#: Accepted in a PATCH but not among the update page's properties: left as they were.
IGNORED_BY_PATCH = frozenset({"allowParticipantsToChangeName", "shareMeetingChatHistoryDefault"})
#: Meetings one user may create in a month (throttling limits, Cloud Communications).
MONTHLY_MEETING_LIMIT = 2000
#: How long a meeting lives after its end, or after it was last updated.
MEETING_LIFETIME = timedelta(days=60)
NOT_FOUND = "The meeting does not exist or was deleted."


class OnlineMeetings:
    """Meetings kept per organizer, with each organizer's count for the month."""

    def __init__(
        self, *, join_host: str, graph_endpoint: Callable[[], str], lock: threading.RLock
    ) -> None:
        self.join_host = join_host
        self._graph_endpoint = graph_endpoint
        self._lock = lock
        self.meetings: dict[str, dict[str, Any]] = {}
        #: Meetings created, by organizer object id and month (``2026-12``).
        self.created: dict[tuple[str, str], int] = {}
        self.monthly_limit = MONTHLY_MEETING_LIMIT
        #: What a PATCH accepts and leaves as it was; a test adds ``watermarkProtection``
        #: for a tenant without Teams Premium.
        self.ignored_by_patch = set(IGNORED_BY_PATCH)
        self.clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)

    def _count(self, organizer: FakeUser) -> None:
        """One more meeting this month for ``organizer``, or 429 past the limit."""
        now = self.clock()
        key = (organizer.oid, now.strftime("%Y-%m"))
        with self._lock:
            if self.created.get(key, 0) >= self.monthly_limit:
                first = (now.replace(day=1) + timedelta(days=32)).replace(
                    day=1, hour=0, minute=0, second=0
                )
                wait = int((first - now).total_seconds()) + 1
                raise Reply(
                    429,
                    graph_error(
                        "TooManyRequests",
                        f"The organizer has reached the limit of {self.monthly_limit} "
                        "meetings per month.",
                    ),
                    {"Retry-After": str(wait)},
                )
            self.created[key] = self.created.get(key, 0) + 1

    def new_meeting(self, organizer: FakeUser, body: dict[str, Any]) -> dict[str, Any]:
        """A new meeting from a create body; counted against the organizer's month."""
        now = self.clock()
        start = parse_iso(body["startDateTime"]) if "startDateTime" in body else now
        if "endDateTime" in body:
            if "startDateTime" not in body:
                raise Reply(400, graph_error("BadRequest", "End time without start time."))
            end = parse_iso(body["endDateTime"])
        else:
            end = start + timedelta(hours=1)
        if end < start:
            raise Reply(400, graph_error("BadRequest", "End time is before start time."))
        self._count(organizer)
        thread = b64url(secrets.token_bytes(24))
        context = {"Tid": organizer.tenant_id, "Oid": organizer.oid}
        meeting_id = b64url(f"1*{organizer.oid}*0**19:meeting_{thread}@thread.v2".encode())
        join = (
            f"https://{self.join_host}/l/meetup-join/19%3ameeting_{thread}%40thread.v2/0"
            f"?context={quote(json.dumps(context, separators=(',', ':')))}"
        )
        options_page = (
            f"https://teams.microsoft.com/meetingOptions/?organizerId={organizer.oid}"
            f"&tenantId={organizer.tenant_id}&threadId=19_meeting_{thread}@thread.v2"
            "&messageId=0&language=en-US"
        )
        asked = body.get("joinMeetingIdSettings")
        with_passcode = isinstance(asked, dict) and asked.get("isPasscodeRequired") is True
        conference = str(secrets.randbelow(9 * 10**8) + 10**8)
        participants = copy.deepcopy(body.get("participants") or {})
        participants["organizer"] = {
            "upn": organizer.upn,
            "role": "presenter",
            "identity": {"user": {"id": organizer.oid, "displayName": organizer.name}},
        }
        meeting: dict[str, Any] = {
            "@odata.context": f"{self._graph_endpoint()}/$metadata#onlineMeetings/$entity",
            "id": meeting_id,
            "creationDateTime": now_iso(now),
            "startDateTime": now_iso(start),
            "endDateTime": now_iso(end),
            "expiryDateTime": now_iso(max(end, now) + MEETING_LIFETIME),
            "joinWebUrl": join,
            "meetingOptionsWebUrl": options_page,
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
            "watermarkProtection": {"isEnabledForContentSharing": False,
                                    "isEnabledForVideo": False},
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
                "isPasscodeRequired": with_passcode,
                "joinMeetingId": str(secrets.randbelow(9 * 10**11) + 10**11),
                "passcode": secrets.token_urlsafe(4)[:6] if with_passcode else None,
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
        }  # fmt: skip
        with self._lock:
            self.meetings[meeting_id] = meeting
        return meeting

    def request(
        self,
        method: str,
        rest: str,
        organizer: FakeUser,
        payload: dict[str, Any],
        query: dict[str, list[str]] | None,
    ) -> Answer:
        """One onlineMeetings request for ``organizer`` (already checked)."""
        if method == "POST" and rest == "":
            check_presenters(payload)
            return Answer(201, self.new_meeting(organizer, payload))
        if method == "GET" and rest == "":
            return self._find(organizer, query)
        if method == "POST" and rest == "/createOrGet":
            return self._create_or_get(organizer, payload)
        meeting_id = unquote(rest.lstrip("/"))
        with self._lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is None or meeting["_organizer"] != organizer.oid:
                raise Reply(404, graph_error("NotFound", NOT_FOUND))
            if method == "GET":
                return Answer(200, meeting)
            if method == "DELETE":
                del self.meetings[meeting_id]
                return Answer(204, None)
            if method == "PATCH":
                return Answer(200, self._patch(meeting, payload))
        raise Reply(405, graph_error("BadRequest", f"{method} is not supported here."))

    def _find(self, organizer: FakeUser, query: dict[str, list[str]] | None) -> Answer:
        # Graph lists meetings only through $filter=JoinWebUrl eq '<url>'.
        wanted = re.fullmatch(r"JoinWebUrl eq '(.*)'", (query or {}).get("$filter", [""])[0])
        if wanted is None:
            raise Reply(400, graph_error("BadRequest", "Filter on JoinWebUrl is required."))
        with self._lock:
            mine = [m for m in self.meetings.values() if m["_organizer"] == organizer.oid]
            found = [m for m in mine if m["joinWebUrl"] == wanted.group(1)]
        if not found:
            # An unknown join link is 404, not an empty list (contrib#716).
            raise Reply(404, graph_error("NotFound", NOT_FOUND))
        return Answer(200, {"value": [public(m) for m in found]})

    def _create_or_get(self, organizer: FakeUser, payload: dict[str, Any]) -> Answer:
        if not payload.get("externalId"):
            raise Reply(400, graph_error("BadRequest", "externalId is required."))
        body = {k: v for k, v in payload.items() if k in _CREATE_OR_GET_FIELDS}
        with self._lock:
            existing = next(
                (m for m in self.meetings.values()
                 if m["_organizer"] == organizer.oid and m["externalId"] == body["externalId"]),
                None,
            )  # fmt: skip
            if existing is not None:
                return Answer(200, existing)
            # createOrGet takes attendees but drops their roles (live, round 2).
            for attendee in (body.get("participants") or {}).get("attendees") or []:
                if isinstance(attendee, dict):
                    attendee["role"] = "attendee"
            return Answer(201, self.new_meeting(organizer, body))

    def _patch(self, meeting: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
        unknown = set(payload) - _PATCHABLE_FIELDS - self.ignored_by_patch
        if unknown:
            raise Reply(400, graph_error("BadRequest", f"Cannot update {sorted(unknown)}."))
        if ("startDateTime" in payload) != ("endDateTime" in payload):
            raise Reply(
                400, graph_error("BadRequest", "Both startDateTime and endDateTime are needed.")
            )
        check_options(payload)
        # The request alone decides: roleIsPresenter needs the attendees with their roles
        # in the same PATCH (live, round 2); the stored ones do not count.
        check_presenters(payload)
        ignored = self.ignored_by_patch
        update = {k: copy.deepcopy(v) for k, v in payload.items() if k not in ignored}
        if "participants" in update:  # the attendee list is replaced; the organizer stays
            update["participants"] = {
                **update["participants"],
                "organizer": meeting["participants"]["organizer"],
            }
        meeting.update(update)
        end = parse_iso(meeting["endDateTime"])
        meeting["expiryDateTime"] = now_iso(max(end, self.clock()) + MEETING_LIFETIME)
        return meeting
