"""Graph's monthly meeting limit, and how much of it meettray lets its spares use.

Microsoft Graph lets one organizer create 2,000 online meetings a month (throttling
limits, Cloud Communications).  meettray counts the meetings it creates per account
and month (History keeps the count; spares and meetings deleted again included) and
stops preparing spares once they could eat into what the person needs: past
:data:`SPARE_SHARE` of the limit.  Pure rules: no network, no storage.
"""

from __future__ import annotations

from datetime import datetime, timezone

from meettray.i18n import _

#: Online meetings one organizer may create in a calendar month.
MONTHLY_LIMIT = 2000
#: The share of :data:`MONTHLY_LIMIT` past which no spare is prepared.
SPARE_SHARE = 0.5
SPARE_CEILING = int(MONTHLY_LIMIT * SPARE_SHARE)


def month_of(when: datetime) -> str:
    """The month a meeting counts against (UTC): ``2026-12``."""
    return when.astimezone(timezone.utc).strftime("%Y-%m")


def spares_allowed(created_this_month: int) -> bool:
    """Whether another spare may be prepared after ``created_this_month`` meetings."""
    return created_this_month < SPARE_CEILING


def describe(created_this_month: int) -> str:
    """This month's count for the signed-in organizer, as doctor says it."""
    text = _(
        "{count} of Graph's {limit} meetings a month made by meettray (prepared links included)"
    ).format(count=created_this_month, limit=f"{MONTHLY_LIMIT:,}")
    if not spares_allowed(created_this_month):
        text += "; " + _(
            "past {ceiling}, meettray prepares no more links ahead of need this month, so "
            "clicks make meetings directly"
        ).format(ceiling=f"{SPARE_CEILING:,}")
    return text
