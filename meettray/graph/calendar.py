"""Reading the calendar: ``calendarView`` for the next hours, as :class:`Upcoming` values.

Graph's rules (graph-notes, live behaviours round 3): both ``startDateTime`` and
``endDateTime``; ``$select`` only what is shown; ``Prefer: outlook.timezone="UTC"``;
``@odata.nextLink`` followed (at most :data:`MAX_PAGES`, and only on the Graph host
the first request went to: the link carries our token); the join link is
``onlineMeeting.joinUrl`` alone (``onlineMeetingUrl`` is null for Teams), kept only
when it names one of the cloud's Teams hosts.  Throttling waits as Graph says, in
the transport.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from meettray.accounts import CALENDAR_READ, UPCOMING_CONSENT_MESSAGE
from meettray.errors import ConsentRequired, GraphError
from meettray.graph import wire
from meettray.graph.errors import UNREADABLE_RESPONSE, unusable_answer
from meettray.graph.transport import Transport
from meettray.i18n import _
from meettray.upcoming import (
    MAX_ITEMS,
    MAX_TEXT,
    Upcoming,
    checked_link,
    in_time_order,
    teams_hosts,
)

log = logging.getLogger(__name__)

#: What meettray reads of each event, and nothing else.
SELECT = (
    "subject,start,end,isAllDay,isCancelled,isOnlineMeeting,onlineMeetingProvider,"
    "onlineMeeting,webLink,organizer,responseStatus"
)
#: Times come back in UTC whatever the mailbox's zone.
PREFER_UTC = 'outlook.timezone="UTC"'
#: Pages followed at most (Graph's pages are 10 events; a day rarely fills two).
MAX_PAGES = 20
_FRACTION = re.compile(r"(\.\d{6})\d+")


def _graph_time(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_upcoming(
    transport: Transport,
    owner: str,
    start: datetime,
    end: datetime,
    *,
    account: str,
    link_hosts: frozenset[str],
) -> list[Upcoming]:
    """The events of ``owner`` (``/me`` or ``/users/{id}``) between ``start`` and ``end``,
    every page read, in time order (hidden ones included: the caller chooses)."""
    query = urlencode(
        {"startDateTime": _graph_time(start), "endDateTime": _graph_time(end), "$select": SELECT}
    )
    path = f"{owner}/calendarView?{query}"
    items: list[Upcoming] = []
    for _page in range(MAX_PAGES):
        response = _send(transport, path, delegated=owner == "/me")
        body = wire.json_body(response.content, status=200, request_id=response.request_id)
        if not isinstance(body, dict) or not isinstance(body.get("value"), list):
            raise unusable_answer(
                "Microsoft Graph sent a calendar meettray could not read.",
                status=response.status_code,
                code=UNREADABLE_RESPONSE,
                request_id=response.request_id,
            )
        for event in body["value"]:
            item = event_to_upcoming(event, account=account, link_hosts=link_hosts)
            if item is not None:
                items.append(item)
        next_link = body.get("@odata.nextLink")
        if not isinstance(next_link, str) or not next_link or len(items) >= MAX_ITEMS:
            break
        if not next_link.startswith(transport.base_url + "/"):
            # Our token goes wherever the link points: only to the Graph we asked.
            log.warning("calendar: a next page on another host was not followed")
            break
        path = next_link[len(transport.base_url) :]
    else:
        log.info("calendar: stopped after %d pages", MAX_PAGES)
    return in_time_order(items)[:MAX_ITEMS]


def _send(transport: Transport, path: str, *, delegated: bool) -> Any:
    """One page; a calendar permission never granted is said with what grants it."""
    try:
        return transport.send(
            "GET", path, scopes=(CALENDAR_READ,), idempotent=True, prefer=(PREFER_UTC,)
        )
    except ConsentRequired as exc:
        raise ConsentRequired(_(UPCOMING_CONSENT_MESSAGE), permissions=(CALENDAR_READ,),
                              detail=exc.detail, request_id=exc.request_id) from None  # fmt: skip
    except GraphError as exc:
        if exc.status != 403:
            raise
        if delegated:
            raise ConsentRequired(
                _(UPCOMING_CONSENT_MESSAGE), permissions=(CALENDAR_READ,), detail=exc.detail,
                request_id=exc.request_id,
            ) from None  # fmt: skip
        raise GraphError(
            _("meettray's app registration may not read this user's calendar: an "
              "administrator must grant it the application permission Calendars.ReadBasic.All "
              "(or Calendars.Read)."),
            status=exc.status, code=exc.code, detail=exc.detail, request_id=exc.request_id,
            diagnostics=exc.diagnostics,
        ) from None  # fmt: skip


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def _utc_time(value: Mapping[str, Any]) -> datetime | None:
    """``{dateTime, timeZone}`` as asked (UTC); any other zone is not trusted to parse."""
    text = value.get("dateTime")
    if not isinstance(text, str) or str(value.get("timeZone", "UTC")).upper() != "UTC":
        return None
    try:  # Graph writes 7 fractional digits; Python reads at most 6
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", text.replace("Z", "+00:00")))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def event_to_upcoming(event: Any, *, account: str, link_hosts: frozenset[str]) -> Upcoming | None:
    """One calendarView event; ``None`` for one without readable times (it is skipped)."""
    if not isinstance(event, dict):
        return None
    start = _utc_time(_mapping(event.get("start")))
    end = _utc_time(_mapping(event.get("end")))
    if start is None or end is None or end < start:
        return None
    online = _mapping(event.get("onlineMeeting"))
    organizer = _mapping(_mapping(event.get("organizer")).get("emailAddress"))
    response = _mapping(event.get("responseStatus")).get("response")
    return Upcoming(
        subject=_text(event.get("subject")),
        start=start,
        end=end,
        join_url=checked_link(online.get("joinUrl"), teams_hosts(link_hosts)),
        account=account,
        organizer=_text(organizer.get("name")) or _text(organizer.get("address")),
        web_link=checked_link(event.get("webLink"), link_hosts) or "",
        is_cancelled=event.get("isCancelled") is True,
        declined=response == "declined",
        is_all_day=event.get("isAllDay") is True,
        id=_text(event.get("id")),
    )
