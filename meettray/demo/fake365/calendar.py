"""The fake calendar: ``GET /me/calendarView`` and ``/users/{id}/calendarView`` as Graph
answers them (graph-notes, live behaviours round 3).

- both ``startDateTime`` and ``endDateTime`` are required (400 otherwise);
- ``$select`` is honoured (only the fields asked for, plus ``id``);
- times are in UTC, or in the zone ``Prefer: outlook.timezone="…"`` names;
- two events per page, the rest behind ``@odata.nextLink``; events in the order they
  were added, not in time order (calendarView promises no order without ``$orderby``);
- a Teams meeting's ``onlineMeeting`` may be null for a while (:meth:`FakeCalendar.add_link`
  fills it in), or stay null with provider ``unknown``; ``isCancelled`` and
  ``responseStatus`` (``declined``) are set where they are live; all-day events;
- a delegated token needs one of the calendar scopes, an app token one of the calendar
  application permissions (403 ``ErrorAccessDenied`` otherwise).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode

from meettray.demo.fake365.wire import Answer, Reply, graph_error, parse_iso

if TYPE_CHECKING:
    from meettray.demo.fake365.directory import FakeUser
    from meettray.demo.fake365.identity import IdentityPlatform

#: Delegated permissions that let a person read their own calendar.
CALENDAR_SCOPES = frozenset(
    {
        "Calendars.ReadBasic",
        "Calendars.Read",
        "Calendars.ReadWrite",
        "Calendars.Read.Shared",
        "Calendars.ReadWrite.Shared",
    }
)
#: Application permissions that let an app read any user's calendar.
CALENDAR_ROLES = frozenset({"Calendars.ReadBasic.All", "Calendars.Read", "Calendars.ReadWrite"})
#: Events per page (Graph's default is 10; two make every test cross pages).
PAGE_SIZE = 2
#: A few Windows zone names Outlook uses in ``Prefer: outlook.timezone``.
_WINDOWS_ZONES = {
    "Pacific Standard Time": "America/Los_Angeles",
    "Eastern Standard Time": "America/New_York",
    "W. Europe Standard Time": "Europe/Berlin",
    "GMT Standard Time": "Europe/London",
}
_PREFER_ZONE = re.compile(r'outlook\.timezone\s*=\s*"([^"]*)"', re.IGNORECASE)
_ROUTE = re.compile(r"/v1\.0/(me|users/([^/]+))/calendarView")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class CalendarEvent:
    """One event on a user's calendar (times in UTC)."""

    subject: str
    start: datetime
    end: datetime
    organizer_name: str
    organizer_address: str
    #: ``teamsForBusiness``, ``skypeForBusiness``, ``skypeForConsumer`` or ``unknown``.
    provider: str = "teamsForBusiness"
    #: The Teams link Exchange added (or will add: see ``link_pending``).
    join_url: str | None = None
    #: The event is a Teams meeting whose link Exchange has not added yet.
    link_pending: bool = False
    is_all_day: bool = False
    is_cancelled: bool = False
    #: ``organizer``, ``accepted``, ``tentativelyAccepted``, ``declined``, ``notResponded``.
    response: str = "accepted"
    id: str = field(default_factory=lambda: "AAMkAGI" + _b64(secrets.token_bytes(30)))

    def to_graph(self, zone: Any, zone_name: str) -> dict[str, Any]:
        """The event as Graph writes it: times as ``{dateTime, timeZone}`` in ``zone``."""
        online = self.provider != "unknown" and self.join_url and not self.link_pending
        return {
            "@odata.etag": 'W/"' + _b64(self.id.encode()[:12]) + '"',
            "id": self.id,
            "subject": self.subject,
            "bodyPreview": "",
            "isAllDay": self.is_all_day,
            "isCancelled": self.is_cancelled,
            "isOrganizer": self.response == "organizer",
            "isOnlineMeeting": self.provider != "unknown",
            "onlineMeetingProvider": self.provider,
            # Teams links are here; onlineMeetingUrl is null for Teams (contrib#7837).
            "onlineMeetingUrl": None,
            "onlineMeeting": {"joinUrl": self.join_url} if online else None,
            "start": _graph_time(self.start, zone, zone_name),
            "end": _graph_time(self.end, zone, zone_name),
            "webLink": "https://outlook.office365.com/owa/?itemid="
            + quote(self.id, safe="")
            + "&exvsurl=1&path=/calendar/item",
            "organizer": {
                "emailAddress": {"name": self.organizer_name, "address": self.organizer_address}
            },
            "responseStatus": {
                "response": self.response,
                "time": "0001-01-01T00:00:00Z",
            },
            "location": {"displayName": ""},
        }


def _graph_time(when: datetime, zone: Any, zone_name: str) -> dict[str, str]:
    local = when.astimezone(zone)
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0", "timeZone": zone_name}


def _zone(headers: dict[str, str]) -> tuple[Any, str]:
    """The zone ``Prefer: outlook.timezone`` asks for (UTC without one)."""
    match = _PREFER_ZONE.search(headers.get("prefer", ""))
    name = match.group(1) if match else "UTC"
    if name.upper() == "UTC":
        return timezone.utc, "UTC"
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(_WINDOWS_ZONES.get(name, name)), name
    except (ValueError, ZoneInfoNotFoundError):
        raise Reply(
            400, graph_error("ErrorTimeZoneNotSupported", f"Time zone '{name}' is not valid.")
        ) from None


class FakeCalendar:
    """Every user's calendar; callers are checked against ``identity``."""

    def __init__(
        self,
        identity: IdentityPlatform,
        *,
        join_host: str,
        graph_endpoint: Callable[[], str],
        lock: threading.RLock,
        created: Callable[[], Iterable[dict[str, Any]]] = tuple,
    ) -> None:
        """``created``: the events made through ``POST /me/events`` (the Graph side's):
        they are on their organizer's calendar too."""
        self.identity = identity
        self._created = created
        self.join_host = join_host
        self._graph_endpoint = graph_endpoint
        self._lock = lock
        #: Events by the owner's object id, in the order they were added.
        self.events: dict[str, list[CalendarEvent]] = {}

    # -- what tests and the demo steer -----------------------------------------------------

    def teams_link(self) -> str:
        thread = _b64(secrets.token_bytes(24))
        return f"https://{self.join_host}/l/meetup-join/19%3ameeting_{thread}%40thread.v2/0"

    def add(
        self,
        user: FakeUser,
        subject: str,
        start: datetime,
        minutes: int = 30,
        *,
        provider: str = "teamsForBusiness",
        link_pending: bool = False,
        organizer: tuple[str, str] | None = None,
        **flags: Any,
    ) -> CalendarEvent:
        """Put an event on ``user``'s calendar; a Teams one gets a link (at once, or when
        :meth:`add_link` is called, with ``link_pending``)."""
        name, address = organizer or (user.name, user.upn)
        event = CalendarEvent(
            subject=subject,
            start=start.astimezone(timezone.utc),
            end=(start + timedelta(minutes=minutes)).astimezone(timezone.utc),
            organizer_name=name,
            organizer_address=address,
            provider=provider,
            join_url=self.teams_link() if provider == "teamsForBusiness" else None,
            link_pending=link_pending,
            **flags,
        )
        with self._lock:
            self.events.setdefault(user.oid, []).append(event)
        return event

    def add_link(self, event: CalendarEvent) -> None:
        """Exchange adds the Teams link it had not added yet."""
        with self._lock:
            event.link_pending = False

    def demo_day(self, user: FakeUser, now: datetime) -> None:
        """A realistic working day around ``now``: one meeting in progress, one about to
        start, a declined and a cancelled one, a Zoom-style one with no Teams link, one
        whose link is not there yet, and an all-day event."""
        minute = now.replace(second=0, microsecond=0)
        colleague = ("Aiko Tanaka", "aiko@contoso.example")
        midnight = minute.replace(hour=0, minute=0)
        # Added out of time order on purpose: calendarView promises none.
        self.add(user, "Design review", minute + timedelta(minutes=50), 45, organizer=colleague)
        self.add(user, "Daily stand-up", minute - timedelta(minutes=10), 15)
        self.add(
            user,
            "Customer call (Zoom)",
            minute + timedelta(hours=3),
            30,
            provider="unknown",
            organizer=("Sam Rivera", "sam@fabrikam.example"),
        )
        self.add(user, "1:1 with Aiko", minute + timedelta(minutes=4), 30, organizer=colleague)
        self.add(
            user,
            "Budget sync",
            minute + timedelta(hours=2),
            30,
            response="declined",
            organizer=colleague,
        )
        self.add(user, "Team lunch", minute + timedelta(hours=4), 60, is_cancelled=True)
        self.add(user, "Release planning", minute + timedelta(hours=5), 60, link_pending=True)
        self.add(user, "Company offsite", midnight, 24 * 60, is_all_day=True,
                 provider="unknown", organizer=colleague)  # fmt: skip

    def demo_days(self, now: datetime) -> None:
        """Each tenant's person's day for ``meettray --demo``: Contoso's full one
        (:meth:`demo_day`), Fabrikam's a customer's few meetings (:meth:`customer_day`)."""
        for tenant, fill in (("contoso", self.demo_day), ("fabrikam", self.customer_day)):
            person = self.identity.tenant(tenant).person
            if person is not None:
                fill(person, now)

    def customer_day(self, user: FakeUser, now: datetime) -> None:
        """A customer tenant's person's few meetings around ``now`` (Fabrikam's in the
        demo): a stand-up a colleague runs, one the person organizes, and one a supplier
        in another tenant invited them to."""
        minute = now.replace(second=0, microsecond=0)
        self.add(user, "Fabrikam weekly sync", minute + timedelta(minutes=25), 30,
                 organizer=("Sam Rivera", "sam@fabrikam.example"))  # fmt: skip
        self.add(user, "Checkout incident review", minute + timedelta(hours=2), 45,
                 response="organizer")  # fmt: skip
        self.add(user, "Contoso onboarding", minute + timedelta(hours=4), 60,
                 organizer=("Adele Vance", "adele@contoso.example"))  # fmt: skip

    # -- the service ---------------------------------------------------------------------

    @staticmethod
    def serves(path: str) -> bool:
        return _ROUTE.fullmatch(path) is not None

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> Answer:
        """``GET …/calendarView``."""
        caller = self.identity.caller(headers)
        match = _ROUTE.fullmatch(path)
        assert match is not None
        if method != "GET":
            raise Reply(
                405, graph_error("ErrorInvalidRequest", "The OData request is not supported.")
            )
        owner = self._owner(caller, "me" if match.group(1) == "me" else unquote(match.group(2)))
        fields = {k: v[0] for k, v in query.items()}
        try:
            start = parse_iso(fields["startDateTime"])
            end = parse_iso(fields["endDateTime"])
        except KeyError:
            raise Reply(400, graph_error(
                "ErrorInvalidParameters",
                "This request requires a time window specified by the query string "
                "parameters StartDateTime and EndDateTime.")) from None  # fmt: skip
        except ValueError:
            raise Reply(400, graph_error(
                "ErrorInvalidParameters", "The value of StartDateTime or EndDateTime is not "
                "a valid date and time.")) from None  # fmt: skip
        zone, zone_name = _zone(headers)
        selected = [s.strip() for s in fields.get("$select", "").split(",") if s.strip()]
        with self._lock:
            mine = self.events.get(owner.oid, []) + [
                made for raw in self._created() if raw.get("_organizer") == owner.oid
                if (made := _from_created(raw)) is not None
            ]  # fmt: skip
            found = [e.to_graph(zone, zone_name) for e in mine if e.start < end and e.end > start]
        offset = _skip(fields.get("$skiptoken", ""))
        page = found[offset : offset + PAGE_SIZE]
        if selected:
            page = [{k: v for k, v in e.items() if k in selected or k in ("id", "@odata.etag")}
                    for e in page]  # fmt: skip
        body: dict[str, Any] = {
            "@odata.context": f"{self._graph_endpoint()}/$metadata#Collection(event)",
            "value": copy.deepcopy(page),
        }
        if offset + PAGE_SIZE < len(found):
            rest = {k: v for k, v in fields.items() if k != "$skiptoken"}
            rest["$skiptoken"] = _b64(json.dumps({"o": offset + PAGE_SIZE}).encode())
            body["@odata.nextLink"] = f"{self._graph_endpoint()}{path[5:]}?" + urlencode(rest)
        return Answer(200, body)

    def _owner(self, caller: Any, owner: str) -> FakeUser:
        if caller.user is not None:  # delegated: one's own calendar
            if owner not in ("me", caller.user.oid, caller.user.upn):
                raise Reply(403, graph_error("ErrorAccessDenied", "Access is denied. Check "
                                             "credentials and try again."))  # fmt: skip
            if not caller.scopes & CALENDAR_SCOPES:
                raise Reply(403, graph_error("ErrorAccessDenied", "Access is denied. Check "
                                             "credentials and try again."))  # fmt: skip
            user: FakeUser = caller.user
            return user
        if owner == "me":
            raise Reply(400, graph_error("BadRequest", "/me request is only valid with "
                                         "delegated authentication flow."))  # fmt: skip
        if not caller.roles & CALENDAR_ROLES:
            raise Reply(403, graph_error("ErrorAccessDenied", "Access is denied. Check "
                                         "credentials and try again."))  # fmt: skip
        with self._lock:
            found = self.identity.users.get(owner) or self.identity.user_named(owner)
        if found is None or found.tenant_id != caller.tenant_id:  # another tenant's: not here
            raise Reply(404, graph_error("ErrorInvalidUser",
                                         f"The requested user '{owner}' is invalid."))  # fmt: skip
        return found


def _from_created(raw: dict[str, Any]) -> CalendarEvent | None:
    """An event made through ``POST /me/events`` as calendarView shows it."""
    try:
        start, end = (_created_time(raw[key]) for key in ("start", "end"))
    except (KeyError, TypeError, ValueError):
        return None
    online = raw.get("onlineMeeting") or {}
    teams = raw.get("_teams") or {}
    return CalendarEvent(
        subject=raw.get("subject") or "", start=start, end=end, organizer_name="",
        organizer_address="", provider=raw.get("onlineMeetingProvider", "unknown"),
        join_url=online.get("joinUrl") or teams.get("joinUrl"),
        link_pending=not online and bool(teams), response="organizer", id=raw["id"],
    )  # fmt: skip


def _created_time(value: dict[str, str]) -> datetime:
    from zoneinfo import ZoneInfo

    when = datetime.fromisoformat(value["dateTime"])
    zone = value.get("timeZone", "UTC")
    local = timezone.utc if zone.upper() == "UTC" else ZoneInfo(_WINDOWS_ZONES.get(zone, zone))
    return when.replace(tzinfo=local).astimezone(timezone.utc) if when.tzinfo is None else when


def _skip(token: str) -> int:
    if not token:
        return 0
    try:
        padded = token + "=" * (-len(token) % 4)
        return max(0, int(json.loads(base64.urlsafe_b64decode(padded))["o"]))
    except (ValueError, KeyError, TypeError):
        raise Reply(
            400, graph_error("ErrorInvalidUrlQuery", "The skip token is not valid.")
        ) from None
