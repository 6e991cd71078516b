"""The fake Microsoft Graph's front: who is calling, for which organizer, and which
collection answers (``meetings`` for onlineMeetings, ``events`` for calendar events).

Graph's permission checks live here: delegated tokens act for ``/me`` only, application
tokens for ``/users/{object id}`` with an application access policy; an organizer that
does not exist answers 404 on every onlineMeetings path (live behaviours, round 3).
Answers holding a meeting get Teams' invitation (``invitation``) in the caller's
language.  Errors use Graph's error body.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from meettray.demo.fake365.directory import FakeUser
from meettray.demo.fake365.events import CalendarEvents
from meettray.demo.fake365.identity import IdentityPlatform
from meettray.demo.fake365.invitation import join_information
from meettray.demo.fake365.meetings import OnlineMeetings
from meettray.demo.fake365.options import EVOLVABLE_LOBBY, check_enums, shown
from meettray.demo.fake365.tokens import AccessToken
from meettray.demo.fake365.wire import Answer, Reply, graph_error, json_body

__all__ = ["EVOLVABLE_LOBBY", "GraphService"]

_MEETING_SCOPES = frozenset({"OnlineMeetings.ReadWrite", "OnlineMeetings.ReadWrite.All"})


_DIRECTORY_READ = frozenset({"User.ReadBasic.All", "User.Read.All"})


def _profile(user: FakeUser) -> dict[str, Any]:
    return {
        "id": user.oid,
        "displayName": user.name,
        "userPrincipalName": user.upn,
        "mail": user.upn,
    }


def _prefers(headers: dict[str, str], value: str) -> bool:
    return value.lower() in headers.get("prefer", "").lower()


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
        self._graph_endpoint = graph_endpoint
        self._lock = lock
        self.online = OnlineMeetings(join_host=join_host, graph_endpoint=graph_endpoint, lock=lock)
        self.calendar = CalendarEvents(new_meeting=self.online.new_meeting, lock=lock)
        #: ``joinInformation`` with its prefix encoded too, as v1.0's doc example shows it.
        self.invitation_prefix_encoded = False

    @property
    def meetings(self) -> dict[str, dict[str, Any]]:
        return self.online.meetings

    @property
    def events(self) -> dict[str, dict[str, Any]]:
        return self.calendar.events

    @property
    def event_link_after_reads(self) -> int | None:
        """See :attr:`CalendarEvents.link_after_reads`."""
        return self.calendar.link_after_reads

    @event_link_after_reads.setter
    def event_link_after_reads(self, reads: int | None) -> None:
        self.calendar.link_after_reads = reads

    def move_events(self) -> None:
        self.calendar.move()

    @property
    def graph_endpoint(self) -> str:
        return self._graph_endpoint()

    def me(self, headers: dict[str, str]) -> Answer:
        """``GET /me``: who the delegated token belongs to."""
        user = self.identity.caller(headers).user
        if user is None:
            raise Reply(400, graph_error("BadRequest", "/me needs a delegated token."))
        return Answer(200, _profile(user))

    def user(self, headers: dict[str, str], key: str) -> Answer:
        """``GET /users/{id or user name}``: oneself always; anyone else in the token's
        tenant with ``User.ReadBasic.All``/``User.Read.All`` (a scope, or an app's role);
        another tenant's people are not found (``Request_ResourceNotFound``)."""
        caller = self.identity.caller(headers)
        key = unquote(key)
        with self._lock:
            found = self.identity.users.get(key) or self.identity.user_named(key)
        if caller.user is not None and found is caller.user:
            return Answer(200, _profile(found))
        if not (caller.scopes | caller.roles) & _DIRECTORY_READ:
            raise Reply(403, graph_error(
                "Authorization_RequestDenied", "Insufficient privileges to complete the "
                "operation."))  # fmt: skip
        if found is None or found.tenant_id != caller.tenant_id:
            raise Reply(404, graph_error(
                "Request_ResourceNotFound", f"Resource '{key}' does not exist or one of its "
                "queried reference-property objects are not present."))  # fmt: skip
        return Answer(200, _profile(found))

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
            # UPN with 404 (msgraph-sdk-dotnet#1215, microsoft-graph-docs#12301).  An app's
            # token is for one tenant: another tenant's people are not there.
            user = self.identity.users.get(owner)
        if user is None or user.tenant_id != caller.tenant_id:
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
            return self.calendar.request(method, rest, organizer, body, immutable=immutable)
        organizer = self.organizer(caller, owner, _MEETING_SCOPES)
        payload = json_body(body) if method in ("POST", "PATCH") else {}
        unknown_enums = _prefers(headers, "include-unknown-enum-members")
        check_enums(payload, unknown_enums)
        answer = self.online.request(method, rest, organizer, payload, query)
        language = headers.get("accept-language", "")
        if isinstance(answer.body, dict) and "joinWebUrl" in answer.body:
            meeting = shown(answer.body, unknown_enums)
            invitation = join_information(
                meeting, language, encoded_prefix=self.invitation_prefix_encoded
            )
            answer = Answer(answer.status, {**meeting, "joinInformation": invitation})
        elif isinstance(answer.body, dict) and "value" in answer.body:
            found = [shown(m, unknown_enums) for m in answer.body["value"]]
            answer = Answer(answer.status, {**answer.body, "value": found})
        return answer
