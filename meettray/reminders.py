"""When to remind a person of a meeting: a pure function of the meetings, the time and
what was already reminded.  No clock of its own, no Qt: the tray's feed asks it with
``now``, and tests ask it with any time they like.

The rules: a reminder is due from ``minutes_before`` the start until the start; never
for a meeting already started or over (a tray woken from sleep after the start does not
remind of it late); never twice for the same meeting at the same start (a meeting moved
to another time is reminded again); not for cancelled, declined or all-day ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from meettray.upcoming import Upcoming


def reminder_key(item: Upcoming) -> str:
    """What a reminder remembers: the meeting and its start (a moved meeting is new)."""
    return f"{item.account}|{item.id or item.subject}|{item.start.isoformat()}"


def due_reminders(
    items: Iterable[Upcoming], now: datetime, *, minutes_before: int, reminded: set[str]
) -> list[Upcoming]:
    """The meetings to remind of at ``now``, soonest first, each at most once: their keys
    are added to ``reminded``.  ``minutes_before`` 0: none."""
    if minutes_before <= 0:
        return []
    lead = timedelta(minutes=minutes_before)
    due = sorted(
        (
            item
            for item in items
            if not item.hidden
            and item.start - lead <= now < item.start
            and reminder_key(item) not in reminded
        ),
        key=lambda item: item.start,
    )
    reminded.update(reminder_key(item) for item in due)
    return due


def next_reminder_at(
    items: Iterable[Upcoming], now: datetime, *, minutes_before: int, reminded: set[str]
) -> datetime | None:
    """When the next reminder falls due (for a timer), or ``None`` when none will."""
    if minutes_before <= 0:
        return None
    lead = timedelta(minutes=minutes_before)
    times = [
        max(now, item.start - lead)
        for item in items
        if not item.hidden and now < item.start and reminder_key(item) not in reminded
    ]
    return min(times, default=None)
