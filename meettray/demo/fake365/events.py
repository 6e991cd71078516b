"""The fake Graph's calendar events with Teams meetings (``/me/events``), kept by
immutable id, each in its organizer's mailbox: a retried POST (same ``transactionId``, same
organizer) returns the first event; the Teams link arrives with the answer, after some
reads, or never, as Exchange decides."""

from __future__ import annotations

import copy
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from meettray.demo.fake365.directory import FakeUser
from meettray.demo.fake365.wire import Answer, Reply, b64url, graph_error, json_body


class CalendarEvents:
    """Events for their organizers; ``new_meeting`` makes each event's Teams meeting."""

    def __init__(
        self,
        *,
        new_meeting: Callable[[FakeUser, dict[str, Any]], dict[str, Any]],
        lock: threading.RLock,
    ) -> None:
        self._new_meeting = new_meeting
        self._lock = lock
        self.events: dict[str, dict[str, Any]] = {}
        #: When Exchange adds the Teams link to a new online event: 0 = already in the
        #: POST answer; n = on the n-th read of the event (live Graph can answer 201 with
        #: ``onlineMeeting: null`` and fill it in moments later); ``None`` = never (the
        #: mailbox's allowedOnlineMeetingProviders lacks Teams).
        self.link_after_reads: int | None = 0

    def move(self) -> None:
        """As when Outlook moves items (to another folder, an archive): every event gets a
        new id; only its immutable id stays (live behaviours, round 2)."""
        with self._lock:
            for event in self.events.values():
                event["id"] = "AAMk" + b64url(secrets.token_bytes(30))

    def request(
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
            return self._create(organizer, json_body(body), view)
        event_id = unquote(rest.lstrip("/"))
        with self._lock:
            # One person's event id is not found in another's mailbox.
            key = next(
                (k for k, e in self.events.items()
                 if (e["_immutable"] if immutable else e["id"]) == event_id
                 and e["_organizer"] == organizer.oid),
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

    def _create(
        self,
        organizer: FakeUser,
        payload: dict[str, Any],
        view: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> Answer:
        transaction = payload.get("transactionId")
        with self._lock:
            for event in self.events.values():
                mine = event["_organizer"] == organizer.oid
                if transaction and mine and event.get("transactionId") == transaction:
                    return Answer(201, view(event))  # a retried POST: the first event
        try:
            start = datetime.fromisoformat(payload["start"]["dateTime"])
            end = datetime.fromisoformat(payload["end"]["dateTime"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Reply(
                400, graph_error("ErrorInvalidRequest", f"Bad start or end: {exc}")
            ) from None
        if end < start:
            raise Reply(400, graph_error("ErrorInvalidRequest", "The end is before the start."))
        meeting = self._new_meeting(
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

    def _maybe_add_link(self, event: dict[str, Any]) -> None:
        """Exchange's side: the Teams link arrives with the answer, after some reads, or never."""
        after = self.link_after_reads
        if event["_teams"] is not None and after is not None and event["_reads"] >= after:
            event["onlineMeeting"] = event["_teams"]
