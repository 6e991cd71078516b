"""The Microsoft Graph client: online meetings and calendar events for one organizer.

The operations meettray needs, on top of :class:`~meettray.graph.transport.Transport`
(HTTPS, tokens, retries) and :mod:`meettray.graph.wire` (bodies and answers).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import requests

from meettray.accounts import CALENDAR, MEETINGS, TokenProvider
from meettray.errors import GraphError, MeettrayError, NetworkError
from meettray.graph import wire
from meettray.graph.calendar import read_upcoming
from meettray.graph.errors import UNREADABLE_RESPONSE, unusable_answer
from meettray.graph.transport import MAX_TOTAL_WAIT, TIMEOUT, GraphResponse, Transport
from meettray.i18n import _
from meettray.meetings import Meeting, MeetingRequest, asked_settings, utc_iso
from meettray.options import NotApplied, not_applied_sentence
from meettray.upcoming import Upcoming

log = logging.getLogger(__name__)

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


#: doctor's probe of the organizer in application mode: one meeting, the same every time.
ORGANIZER_PROBE_ID = "meettray-doctor-organizer-probe"
ORGANIZER_PROBE_SUBJECT = "meettray doctor: access check (made once; safe to ignore)"


@dataclass(frozen=True)
class CreateResult:
    """A created meeting and anything that went only partly right."""

    meeting: Meeting
    #: True when Graph said the meeting already existed (a retried ``createOrGet``).
    existed: bool = False
    warnings: tuple[str, ...] = ()
    #: Each setting asked for that the meeting does not have (Graph ignored it, or the
    #: PATCH failed), named with its value; the warnings say the same in words.
    not_applied: tuple[NotApplied, ...] = ()


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
        link_hosts: frozenset[str] = wire.DEFAULT_LINK_HOSTS,
        language: str = "",
        profile: str = "main",
    ) -> None:
        """``link_hosts``: where join links may point (the configured cloud's hosts).
        ``language``: the person's (``de-DE``), for Graph's wording of joinInformation.
        ``profile``: the settings profile (account) every meeting read here is made with."""
        self._link_hosts = link_hosts
        self.profile = profile
        self._transport = Transport(
            base_url,
            tokens,
            user_id=user_id,
            session=session,
            timeout=timeout,
            max_total_wait=max_total_wait,
            sleep=sleep,
            on_wait=on_wait,
            language=language,
        )
        self.base_url = self._transport.base_url
        self._owner = f"/users/{quote(user_id, safe='')}" if user_id else "/me"
        self._clock = clock

    def close(self) -> None:
        self._transport.close()

    def warm_up(self) -> None:
        """Open the TLS connection now, so the first click pays one round trip, not three."""
        self._transport.warm_up()

    def _create_or_get(self, request: MeetingRequest, external_id: str) -> GraphResponse:
        """createOrGet: the same externalId always means the same single meeting."""
        return self._transport.send(
            "POST",
            f"{self._owner}/onlineMeetings/createOrGet",
            body=wire.create_or_get_body(request, external_id),
            scopes=(MEETINGS,),
            idempotent=True,
            prefer=(wire.UNKNOWN_ENUMS,),
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
        meeting = reader(
            _json_of(response) if body is None else body,
            status=response.status_code,
            account=account,
            created_at=created_at or self._clock(),
            request_id=response.request_id,
            link_hosts=self._link_hosts,
        )
        return dataclasses.replace(meeting, profile=self.profile)

    # -- meetings ----------------------------------------------------------------------------

    def create_meeting(
        self,
        request: MeetingRequest,
        external_id: str,
        *,
        account: str = "",
        on_created: Callable[[Meeting], None] | None = None,
    ) -> CreateResult:
        """Create (or get, on a retry) an online meeting; then apply settings createOrGet
        lacks.  ``on_created`` gets the meeting as soon as it exists, before that PATCH:
        its link works already."""
        response = self._create_or_get(request, external_id)
        meeting = self._meeting(response, wire.meeting_from_graph, account)
        if on_created is not None:
            on_created(meeting)
        meeting, warnings, missing = self._apply_settings(request, meeting, account)
        return CreateResult(meeting, existed=response.status_code == 200,
                            warnings=tuple(warnings), not_applied=tuple(missing))  # fmt: skip

    def hand_out(
        self, spare: Meeting, request: MeetingRequest, *, account: str = ""
    ) -> tuple[Meeting, list[str], list[NotApplied]]:
        """A meeting made ahead of need becomes the one asked for: its subject, times and
        settings in one PATCH.  Should Graph refuse that (400), the subject and times go
        alone, then the settings as after a createOrGet: a refused setting never costs
        the subject.  Returns the meeting, warnings, and each setting not applied; raises
        GraphError or NetworkError when the subject and times were not set.  The link
        works anyway."""
        core = {
            "subject": request.subject,
            "startDateTime": utc_iso(request.start),
            "endDateTime": utc_iso(request.end),
        }
        settings = wire.settings_patch(request)
        try:
            answer = self._patch_meeting(spare, {**core, **settings})
        except GraphError as exc:
            if not settings or exc.status != 400:
                raise
            log.info("the hand-out PATCH was refused (%s); its parts go one by one", exc.code)
            answer = self._patch_meeting(spare, core)
            return self._apply_settings(
                request, self._meeting(answer, wire.meeting_from_graph, account), account
            )
        body = _json_of(answer)
        meeting = self._meeting(answer, wire.meeting_from_graph, account, body=body)
        ignored = wire.not_taken(request, body, sent=frozenset(_setting_parts(request)))
        sentence = not_applied_sentence(ignored)
        return meeting, [sentence] if sentence else [], ignored

    def _apply_settings(
        self, request: MeetingRequest, meeting: Meeting, account: str
    ) -> tuple[Meeting, list[str], list[NotApplied]]:
        """The settings createOrGet does not take, in one PATCH; if Graph refuses them
        together, each on its own, so that one refused setting does not lose the others.
        Graph's answer is read back: a setting it answered with another value did not
        take (Graph ignores what it cannot change).  The meeting exists and its link
        works whatever happens: a setting not applied is named, with its value and why."""
        parts = _setting_parts(request)
        if not parts:
            return meeting, [], []
        answer: GraphResponse | None = None
        failed: dict[str, MeettrayError] = {}
        sent: set[str] = set()
        try:
            answer = self._patch_meeting(meeting, wire.settings_patch(request))
            sent = set(parts)
        except (GraphError, NetworkError) as exc:
            if len(parts) == 1 or not (isinstance(exc, GraphError) and exc.status == 400):
                failed = dict.fromkeys(parts, exc)
            else:
                for name, part in parts.items():
                    try:
                        answer = self._patch_meeting(meeting, part)
                        sent.add(name)
                    except (GraphError, NetworkError) as alone:
                        failed[name] = alone
        by_error: dict[int, tuple[MeettrayError, list[str]]] = {}
        for name, error in failed.items():  # one PATCH that failed: one sentence
            by_error.setdefault(id(error), (error, []))[1].append(name)
        warnings = [_not_applied(names, request, error) for error, names in by_error.values()]
        missing = [_unset(name, request, error.message) for name, error in failed.items()]
        if answer is not None:
            body = _json_of(answer)
            meeting = self._meeting(answer, wire.meeting_from_graph, account,
                                    created_at=meeting.created_at, body=body)  # fmt: skip
            ignored = wire.not_taken(request, body, sent=frozenset(sent))
            missing += ignored
            if sentence := not_applied_sentence(ignored):
                warnings.append(sentence)
        return meeting, warnings, missing

    def _patch_meeting(self, meeting: Meeting, body: dict[str, Any]) -> GraphResponse:
        return self._transport.send(
            "PATCH",
            f"{self._owner}/onlineMeetings/{quote(meeting.id, safe='')}",
            body=body,
            scopes=(MEETINGS,),
            idempotent=True,
            prefer=(wire.UNKNOWN_ENUMS,),
        )

    def create_event(
        self, request: MeetingRequest, transaction_id: str, *, account: str = ""
    ) -> CreateResult:
        """A calendar event with a Teams meeting; Exchange sends the invitations.

        The ``transactionId`` makes a retried POST return the first event.
        """
        response = self._transport.send(
            "POST",
            f"{self._owner}/events",
            body=wire.event_body(request, transaction_id),
            scopes=(CALENDAR,),
            idempotent=True,
            prefer=(wire.IMMUTABLE_IDS,),
        )
        body = _json_of(response)
        warnings: list[str] = []
        if not wire.event_join_url(body):
            # The event exists and invitations are out: never post it again.  Exchange
            # may add the Teams link moments later; read the event back for it.
            body = self._await_event_link(body)
        if wire.event_join_url(body):
            meeting = self._meeting(response, wire.meeting_from_event, account, body=body)
        else:
            meeting = wire.meeting_from_event(
                body,
                status=response.status_code,
                account=account,
                created_at=self._clock(),
                request_id=response.request_id,
                without_teams=True,
                link_hosts=self._link_hosts,
            )
            meeting = dataclasses.replace(meeting, profile=self.profile)
            warnings.append(NO_TEAMS_IN_EVENT)
        if wire.settings_patch(request):
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
            self._transport.wait(delay, _("Exchange has not added the Teams link to the event yet"))
            try:
                read = _json_of(
                    self._transport.send(
                        "GET",
                        path,
                        scopes=(CALENDAR,),
                        idempotent=True,
                        prefer=(wire.IMMUTABLE_IDS,),
                    )
                )
            except (GraphError, NetworkError) as exc:
                log.info("could not read the new event back: %s", exc.message)
                return body
            if isinstance(read, dict):
                body = {**body, **read}
            if wire.event_join_url(body):
                log.info("the event's Teams link arrived after a read-back")
                break
        return body

    def check_access(self) -> str:
        """Prove the token, the permission and (application mode) the organizer; returns
        the request-id of the probe.

        Delegated: Graph lists meetings only by join link; asking for one that cannot
        exist proves the token and permission and creates nothing (400/404 are that
        proof).  Application mode: a 404 there is also what Graph answers for an
        organizer that does not exist (live behaviours, round 3), so the probe is a
        createOrGet with one fixed externalId instead: it makes at most one meeting for
        the organizer (the same one every time, until Teams lets it expire) and answers
        404 only for an unknown organizer, which fails with the fix.
        """
        if self._owner != "/me":
            return self._transport.send(
                "POST",
                f"{self._owner}/onlineMeetings/createOrGet",
                body={"externalId": ORGANIZER_PROBE_ID, "subject": ORGANIZER_PROBE_SUBJECT},
                scopes=(MEETINGS,),
                idempotent=True,
                prefer=(wire.UNKNOWN_ENUMS,),
            ).request_id
        probe = "https://teams.microsoft.com/l/meetup-join/meettray-doctor-probe"
        try:
            response = self._transport.send(
                "GET",
                f"{self._owner}/onlineMeetings?$filter=JoinWebUrl%20eq%20'{quote(probe, safe='')}'",
                scopes=(MEETINGS,),
                idempotent=True,
                prefer=(wire.UNKNOWN_ENUMS,),
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
        raw = _json_of(response)  # unreadable: raises, and the entry stays pending
        identifier = raw.get("id") if isinstance(raw, dict) else None
        if not identifier:
            raise unusable_answer(
                "Microsoft Graph sent an answer meettray could not read.",
                status=response.status_code,
                code=UNREADABLE_RESPONSE,
                request_id=response.request_id,
            )
        try:
            meeting = self._meeting(response, wire.meeting_from_graph, account, body=raw)
        except GraphError:
            meeting = None  # exists, but unusable: removed below
        if response.status_code == 200 and meeting is not None:
            return meeting
        self._transport.send(
            "DELETE",
            f"{self._owner}/onlineMeetings/{quote(str(identifier), safe='')}",
            scopes=(MEETINGS,),
            idempotent=True,
            prefer=(wire.UNKNOWN_ENUMS,),
        )
        return None

    def lock_lobby(self, meeting: Meeting) -> None:
        """Only the organizer bypasses the lobby: anyone who opens the link from now on
        waits there.  Deleting an online meeting leaves its join link working (live
        behaviours, round 1), so cancelling does this first."""
        self._patch_meeting(
            meeting, {"lobbyBypassSettings": {"scope": "organizer", "isDialInBypassEnabled": False}}
        )

    def delete_meeting(self, meeting: Meeting) -> None:
        """Cancel a meeting on the server (an online meeting, or the calendar event)."""
        collection, scope, prefer = (
            ("events", CALENDAR, wire.IMMUTABLE_IDS)
            if meeting.is_calendar_event
            else ("onlineMeetings", MEETINGS, wire.UNKNOWN_ENUMS)
        )
        self._transport.send(
            "DELETE",
            f"{self._owner}/{collection}/{quote(meeting.id, safe='')}",
            scopes=(scope,),
            idempotent=True,
            prefer=(prefer,),
        )

    def upcoming(self, start: datetime, end: datetime, *, account: str) -> list[Upcoming]:
        """The calendar's events between ``start`` and ``end`` (see :mod:`.calendar`)."""
        return read_upcoming(self._transport, self._owner, start, end, account=account,
                             link_hosts=self._link_hosts)  # fmt: skip


def _json_of(response: GraphResponse) -> Any:
    return wire.json_body(
        response.content, status=response.status_code, request_id=response.request_id
    )


def _setting_parts(request: MeetingRequest) -> dict[str, dict[str, Any]]:
    """Each setting createOrGet does not take, by name, as its own PATCH body."""
    return {
        name: part
        for name, part in (("lobby", wire.lobby_patch(request)),
                           ("presenters", wire.presenters_patch(request)),
                           *((name, wire.option_patch(request, name))
                             for name in request.options.chosen()))
        if part
    }  # fmt: skip


def _unset(name: str, request: MeetingRequest, reason: str) -> NotApplied:
    """A setting whose PATCH failed: what was asked, and Graph's reason."""
    return dataclasses.replace(asked_settings(request)[name], reason=reason)


#: What each setting is called when it could not be applied.
_SETTING_NAMES = {"lobby": "lobby setting", "presenters": "presenter setting"}


def _not_applied(names: list[str], request: MeetingRequest, error: MeettrayError) -> str:
    """The settings a refused PATCH did not apply, named with their values, and why."""
    what = []
    for name in names:
        if name in _SETTING_NAMES:
            value = request.lobby_bypass if name == "lobby" else request.allowed_presenters
            what.append(f"its {_SETTING_NAMES[name]} (“{value}”)")
        else:  # a Teams option
            what.append(f"its option “{request.options.describe(name)}”")
    listed = what[0] if len(what) == 1 else ", ".join(what[:-1]) + " and " + what[-1]
    verb = "was" if len(what) == 1 else "were"
    return (
        f"The meeting was created and its link works, but {listed} {verb} not applied: "
        f"{error.message}"
    )
