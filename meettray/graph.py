"""Microsoft Graph client for online meetings and calendar events.

One kept-alive ``requests.Session``; explicit connect/read timeouts; a
``client-request-id`` on every request.  Retries follow one rule: a request is
repeated only when repeating it cannot create a second meeting (it is
idempotent, like ``createOrGet`` with the same ``externalId``, or the server
plainly did not act on it).  Graph's error bodies become :class:`GraphError`
with a plain message and the request-id.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import requests
import urllib3.exceptions

from meettray.accounts import CALENDAR, CALENDAR_CONSENT_MESSAGE, MEETINGS, TokenProvider
from meettray.errors import GraphError, NetworkError, SignInRequired
from meettray.meetings import (
    Meeting,
    MeetingRequest,
    event_join_url,
    meeting_from_event,
    meeting_from_graph,
)

log = logging.getLogger(__name__)

#: Seconds: (connect, read).  Graph usually answers meeting creation in < 1 s.
TIMEOUT = (5.0, 20.0)
#: Largest answer meettray reads; a meeting is a few kilobytes.
MAX_BODY = 4 * 1024 * 1024
#: The most attempts for one request, and the most seconds spent waiting between them.
MAX_ATTEMPTS = 4
MAX_TOTAL_WAIT = 30.0
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Waits between reads of a new calendar event whose Teams link has not arrived yet
#: (live Graph can answer 201 with ``onlineMeeting: null``): about 8 s in all.
EVENT_LINK_WAITS = (0.5, 1.0, 1.5, 2.0, 3.0)
#: Said when Exchange added no Teams meeting to a new event.
NO_TEAMS_IN_EVENT = (
    "The calendar event was created and the invitations were sent, but Exchange added no "
    "Teams meeting to it, so there is no Teams link. Usually the mailbox's allowed "
    "online-meeting providers (allowedOnlineMeetingProviders) do not include Teams: ask "
    "your IT administrator. The link meettray kept opens the event in Outlook."
)


@dataclass(frozen=True)
class GraphResponse:
    """A successful answer, read in full."""

    status_code: int
    request_id: str
    content: bytes


@dataclass(frozen=True)
class CreateResult:
    """A created meeting and anything that went only partly right."""

    meeting: Meeting
    #: True when Graph said the meeting already existed (a retried ``createOrGet``).
    existed: bool = False
    warnings: tuple[str, ...] = ()


def retry_delay(
    attempt: int,
    retry_after: str | None,
    *,
    rng: Callable[[], float] = random.random,
    now: datetime | None = None,
) -> float:
    """Seconds to wait before attempt ``attempt + 1``: ``Retry-After`` if given, else backoff.

    ``Retry-After`` is seconds or an HTTP date (RFC 9110); Graph sends either.
    """
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(retry_after)
        except (TypeError, ValueError):
            when = None  # neither form: fall back to backoff
        if when is not None and when.tzinfo is not None:
            current = now or datetime.now(timezone.utc)
            return max(0.0, (when - current).total_seconds())
    # Exponential backoff with jitter: about 0.5, 1, 2 s...
    return float(0.5 * 2**attempt * (0.5 + rng()))


class GraphClient:
    """Talks to Graph for one organizer: ``/me`` (delegated) or ``/users/{id}`` (app-only)."""

    def __init__(
        self,
        base_url: str,
        tokens: TokenProvider,
        *,
        user_id: str = "",
        session: requests.Session | None = None,
        timeout: tuple[float, float] = TIMEOUT,
        max_total_wait: float = MAX_TOTAL_WAIT,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[float, str], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._tokens = tokens
        self._owner = f"/users/{quote(user_id, safe='')}" if user_id else "/me"
        self._app_only = bool(user_id)
        self._user_id = user_id
        self._session = session or requests.Session()
        self._timeout = timeout
        self._max_total_wait = max_total_wait
        self._sleep = sleep
        self._on_wait = on_wait
        self._clock = clock

    def close(self) -> None:
        self._session.close()

    def _create_or_get(self, request: MeetingRequest, external_id: str) -> GraphResponse:
        """createOrGet: the same externalId always means the same single meeting."""
        return self._send(
            "POST",
            f"{self._owner}/onlineMeetings/createOrGet",
            body=request.create_or_get_body(external_id),
            scopes=(MEETINGS,),
            idempotent=True,
        )

    def _meeting(
        self,
        response: GraphResponse,
        reader: Callable[..., Meeting],
        account: str,
        created_at: datetime | None = None,
        body: Any = None,
    ) -> Meeting:
        """Read an answer that holds a meeting (its request-id kept for any error)."""
        return reader(
            _json(response) if body is None else body,
            status=response.status_code,
            account=account,
            created_at=created_at or self._clock(),
            request_id=response.request_id,
        )

    def warm_up(self) -> None:
        """Open the TLS connection now, so the first click pays one round trip, not three."""
        try:
            self._session.head(self.base_url, timeout=self._timeout)
        except requests.RequestException as exc:
            log.info("could not pre-connect to Graph: %s", type(exc).__name__)

    # -- meetings ----------------------------------------------------------------------------

    def create_meeting(
        self, request: MeetingRequest, external_id: str, *, account: str = ""
    ) -> CreateResult:
        """Create (or get, on a retry) an online meeting; then apply settings createOrGet lacks."""
        response = self._create_or_get(request, external_id)
        meeting = self._meeting(response, meeting_from_graph, account)
        warnings: list[str] = []
        patch = request.settings_patch()
        if patch:
            try:
                patched = self._send(
                    "PATCH",
                    f"{self._owner}/onlineMeetings/{quote(meeting.id, safe='')}",
                    body=patch,
                    scopes=(MEETINGS,),
                    idempotent=True,
                )
                meeting = self._meeting(
                    patched, meeting_from_graph, account, created_at=meeting.created_at
                )
            except (GraphError, NetworkError) as exc:
                # The meeting exists and its link works: keep it, say what is missing.
                warnings.append(
                    "The meeting was created, but its lobby and presenter settings could "
                    f"not be applied: {exc.message}"
                )
        return CreateResult(meeting, existed=response.status_code == 200, warnings=tuple(warnings))

    def create_event(
        self, request: MeetingRequest, transaction_id: str, *, account: str = ""
    ) -> CreateResult:
        """A calendar event with a Teams meeting; Exchange sends the invitations.

        The ``transactionId`` makes a retried POST return the first event.
        """
        response = self._send(
            "POST",
            f"{self._owner}/events",
            body=request.event_body(transaction_id),
            scopes=(CALENDAR,),
            idempotent=True,
        )
        body = _json(response)
        warnings: list[str] = []
        if not event_join_url(body):
            # The event exists and invitations are out: never post it again.  Exchange
            # may add the Teams link moments later; read the event back for it.
            body = self._await_event_link(body)
        if event_join_url(body):
            meeting = self._meeting(response, meeting_from_event, account, body=body)
        else:
            meeting = meeting_from_event(
                body,
                status=response.status_code,
                account=account,
                created_at=self._clock(),
                request_id=response.request_id,
                without_teams=True,
            )
            warnings.append(NO_TEAMS_IN_EVENT)
        if request.settings_patch():
            warnings.append(
                "Lobby and presenter options are not applied to calendar meetings; "
                "set them in Teams' meeting options."
            )
        return CreateResult(meeting, warnings=tuple(warnings))

    def _await_event_link(self, body: Any) -> Any:
        """Read a new event back until its Teams link is there (or give up); the last read."""
        identifier = body.get("id") if isinstance(body, dict) else None
        if not identifier:
            return body
        path = (
            f"{self._owner}/events/{quote(str(identifier), safe='')}"
            "?$select=onlineMeeting,isOnlineMeeting,webLink"
        )
        for delay in EVENT_LINK_WAITS:
            self._wait(delay, "Exchange has not added the Teams link to the event yet")
            try:
                read = _json(self._send("GET", path, scopes=(CALENDAR,), idempotent=True))
            except (GraphError, NetworkError) as exc:
                log.info("could not read the new event back: %s", exc.message)
                return body
            if isinstance(read, dict):
                body = {**body, **read}
            if event_join_url(body):
                log.info("the event's Teams link arrived after a read-back")
                break
        return body

    def check_access(self) -> str:
        """A harmless read that needs the meeting permission; returns the request-id.

        Graph lists meetings only by join link; asking for one that cannot exist
        proves that the token, the permission and (app-only) the access policy
        all work, and creates nothing.
        """
        probe = "https://teams.microsoft.com/l/meetup-join/meettray-doctor-probe"
        try:
            response = self._send(
                "GET",
                f"{self._owner}/onlineMeetings?$filter=JoinWebUrl%20eq%20'{quote(probe, safe='')}'",
                scopes=(MEETINGS,),
                idempotent=True,
            )
        except GraphError as exc:
            # Live Graph answers an unknown link with 404 (or 400), not an empty list:
            # the request got past authentication and permission checks, which is the proof.
            if exc.status in (400, 404):
                return exc.request_id
            raise
        return response.request_id

    def settle(
        self, request: MeetingRequest, external_id: str, *, account: str = ""
    ) -> Meeting | None:
        """Find out what became of a Meet now / scheduled meeting whose answer was lost.

        Repeats createOrGet with the same externalId.  200 means the earlier
        attempt created the meeting: it is returned, to be recorded.  201 means
        only this repeat created it, so it is deleted again (the person was told
        it failed); likewise a meeting whose answer is unusable.  History then
        matches the server either way.
        """
        response = self._create_or_get(request, external_id)
        raw = _json(response)  # unreadable: raises, and the entry stays pending
        identifier = raw.get("id") if isinstance(raw, dict) else None
        if not identifier:
            raise GraphError(
                "Microsoft Graph sent an answer meettray could not read.",
                status=response.status_code,
                code="UnreadableResponse",
                request_id=response.request_id,
            )
        try:
            meeting = self._meeting(response, meeting_from_graph, account, body=raw)
        except GraphError:
            meeting = None  # exists, but unusable: removed below
        if response.status_code == 200 and meeting is not None:
            return meeting
        self._send(
            "DELETE",
            f"{self._owner}/onlineMeetings/{quote(str(identifier), safe='')}",
            scopes=(MEETINGS,),
            idempotent=True,
        )
        return None

    def delete_meeting(self, meeting: Meeting) -> None:
        """Cancel a meeting on the server (an online meeting, or the calendar event)."""
        collection, scope = (
            ("events", CALENDAR) if meeting.is_calendar_event else ("onlineMeetings", MEETINGS)
        )
        self._send(
            "DELETE",
            f"{self._owner}/{collection}/{quote(meeting.id, safe='')}",
            scopes=(scope,),
            idempotent=True,
        )

    # -- transport ---------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        scopes: Sequence[str],
        idempotent: bool,
        body: dict[str, Any] | None = None,
    ) -> GraphResponse:
        url = self.base_url + path
        # One client-request-id for the whole action, retries included: support sees one story.
        client_request_id = str(uuid.uuid4())
        refreshed = False
        waited = 0.0
        attempt = 0
        while True:
            token = self._tokens.token(scopes, force_refresh=refreshed)
            headers = {
                "Authorization": f"Bearer {token}",
                "client-request-id": client_request_id,
                "return-client-request-id": "true",
                "Accept": "application/json",
            }
            try:
                response = self._session.request(
                    method, url, json=body, headers=headers, timeout=self._timeout, stream=True
                )
                request_id = response.headers.get("request-id", "")
                content = _read_limited(response)
            except requests.exceptions.SSLError as exc:
                raise NetworkError(
                    "Microsoft Graph's identity could not be verified (TLS), so meettray did "
                    "not connect. If your organisation inspects HTTPS, set REQUESTS_CA_BUNDLE "
                    "to its CA certificate.",
                    detail=f"{type(exc).__name__}; client-request-id: {client_request_id}",
                ) from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                # A refused connect never reached the server; anything later might have.
                never_sent = isinstance(exc, requests.exceptions.ConnectTimeout) or (
                    _is_connect_failure(exc)
                )
                if (idempotent or never_sent) and attempt + 1 < MAX_ATTEMPTS:
                    delay = retry_delay(attempt, None)
                    if waited + delay <= self._max_total_wait:
                        log.info(
                            "%s %s: %s, retrying in %.1fs (client-request-id %s)",
                            method,
                            _loggable(path),
                            type(exc).__name__,
                            delay,
                            client_request_id,
                        )
                        waited += self._wait(delay, "the connection to Microsoft Graph failed")
                        attempt += 1
                        continue
                raise _network_error(exc, method, client_request_id) from None
            except _BodyTooLarge:
                raise GraphError(
                    "Microsoft Graph sent an unexpectedly large answer; meettray stopped "
                    "reading it.",
                    status=response.status_code,
                    code="ResponseTooLarge",
                    detail=f"client-request-id: {client_request_id}",
                    request_id=request_id,
                ) from None
            status = response.status_code
            log.info(
                "%s %s -> %d (request-id %s, client-request-id %s)",
                method,
                _loggable(path),
                status,
                request_id,
                client_request_id,
            )
            if status == 401 and not refreshed:
                refreshed = True  # the token may have expired under us: refresh once
                continue
            # 429 means "not processed"; other 5xx may have acted, so only when idempotent.
            retryable = status == 429 or (status in _RETRY_STATUSES and idempotent)
            if retryable and attempt + 1 < MAX_ATTEMPTS:
                delay = retry_delay(attempt, response.headers.get("Retry-After"))
                if waited + delay <= self._max_total_wait:
                    waited += self._wait(delay, "Microsoft Teams is busy")
                    attempt += 1
                    continue
            if status >= 400:
                diagnostics = {
                    "client-request-id": client_request_id,
                    "x-ms-ags-diagnostic": response.headers.get("x-ms-ags-diagnostic", ""),
                }
                raise self._error(
                    method,
                    status,
                    content,
                    scopes=scopes,
                    request_id=request_id,
                    waited=waited,
                    diagnostics=diagnostics,
                )
            return GraphResponse(status, request_id, content)

    def _wait(self, delay: float, why: str) -> float:
        if self._on_wait is not None:
            self._on_wait(delay, why)
        self._sleep(delay)
        return delay

    def _error(
        self,
        method: str,
        status: int,
        content: bytes,
        *,
        scopes: Sequence[str],
        request_id: str,
        waited: float,
        diagnostics: dict[str, str],
    ) -> Exception:
        """Graph's error as a typed error: by status, method and ``error.code``, never text."""
        code, message = "", ""
        try:
            error = json.loads(content).get("error", {})
            code = str(error.get("code", ""))
            message = str(error.get("message", ""))
            inner = error.get("innerError", {})
            request_id = str(inner.get("request-id", "")) or request_id
            if inner.get("date"):
                diagnostics = {**diagnostics, "date": str(inner["date"])}
        except (ValueError, AttributeError):
            pass
        detail = f"HTTP {status} {code}: {message}".strip(": ")
        facts: dict[str, Any] = {
            "detail": detail,
            "request_id": request_id,
            "diagnostics": diagnostics,
        }
        if status == 401:
            return SignInRequired(
                "Microsoft Graph did not accept your sign-in. Sign in again.", **facts
            )
        text = self._error_message(method, status, code, waited, scopes)
        return GraphError(text, status=status, code=code, **facts)

    def _error_message(
        self, method: str, status: int, code: str, waited: float, scopes: Sequence[str]
    ) -> str:
        if status == 403 and CALENDAR in scopes and not self._app_only:
            return CALENDAR_CONSENT_MESSAGE
        if status == 403:
            return self._forbidden_message()
        if status == 404 and method == "POST":
            # A create never looks a meeting up: 404 is about the organizer or the mailbox.
            if code == "MailboxNotEnabledForRESTAPI":
                return (
                    "Microsoft Graph cannot reach the organizer's mailbox (it is on-premises, "
                    "inactive, or not licensed for Exchange Online). Ask your IT administrator."
                )
            if self._app_only:
                return _object_id_advice(self._user_id)
            return (
                "Microsoft Graph did not find your Teams account. Check that your account "
                "has a Teams and Exchange Online licence, or ask your IT administrator."
            )
        if status == 404:  # reading, changing or cancelling one meeting
            return "That meeting no longer exists on the server (it may have been deleted)."
        if status == 429 or status >= 500:
            busy = "busy" if status in (429, 503) else "having problems"
            return (
                f"Microsoft Teams is {busy} right now"
                + (f" (meettray waited {waited:.0f} s)" if waited else "")
                + ". Try again in a few minutes."
            )
        if status == 400:
            return "Microsoft Teams did not accept the meeting details."
        return f"Microsoft Graph refused the request (HTTP {status})."

    def _forbidden_message(self) -> str:
        if self._app_only:
            return (
                f"The app is not allowed to create meetings for {self._user_id}. An "
                "administrator must grant it the OnlineMeetings.ReadWrite.All application "
                "permission and a Teams application access policy that covers this user."
            )
        return (
            "You are not allowed to create Teams meetings. Usually your account has no "
            "Teams license, is a guest in this organisation, or the app lacks the "
            "OnlineMeetings.ReadWrite permission; ask your IT administrator."
        )


def _object_id_advice(user_id: str) -> str:
    return (
        f"Microsoft Graph found no user {user_id!r}. In application mode, [account] user_id "
        "must be the organizer's object ID (a GUID), not their sign-in name: find it in "
        "the Microsoft Entra admin centre under Users → the user → Object ID."
    )


class _BodyTooLarge(Exception):
    pass


def _read_limited(response: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY:
            response.close()
            raise _BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _json(response: GraphResponse) -> Any:
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        raise GraphError(
            "Microsoft Graph sent an answer meettray could not read. Try again.",
            status=response.status_code,
            code="UnreadableResponse",
            request_id=response.request_id,
        ) from None


def _is_connect_failure(exc: Exception) -> bool:
    """Whether the request never left this machine (refused, DNS failure)."""
    # requests wraps urllib3's MaxRetryError, whose reason is NewConnectionError
    # (NameResolutionError is a subclass) when no connection was made.
    cause = exc.args[0] if exc.args else None
    reason = getattr(cause, "reason", cause)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _network_error(exc: Exception, method: str, client_request_id: str) -> NetworkError:
    never_sent = _is_connect_failure(exc) or isinstance(exc, requests.exceptions.ConnectTimeout)
    if never_sent:
        message = "Microsoft Graph cannot be reached. Check your network connection."
    elif isinstance(exc, requests.exceptions.Timeout):
        message = "Microsoft Graph did not answer in time."
    else:
        message = "The connection to Microsoft Graph was interrupted."
    if method == "POST" and not never_sent:
        message += " The meeting may or may not have been created."
    return NetworkError(
        message,
        detail=f"{type(exc).__name__}; client-request-id: {client_request_id}",
        maybe_sent=not never_sent,
    )


def _loggable(path: str) -> str:
    """The path without meeting ids or user names: enough to follow, nothing personal."""
    segments = path.split("?", maxsplit=1)[0].split("/")
    return "/".join(p if p in _KNOWN_SEGMENTS else "…" for p in segments)


_KNOWN_SEGMENTS = frozenset({"", "me", "users", "onlineMeetings", "createOrGet", "events"})
