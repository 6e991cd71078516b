"""The reminder scheduler, with a fake clock: on time, once, never for the past."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from meettray.reminders import due_reminders, next_reminder_at
from meettray.upcoming import Upcoming

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)


def meeting(subject: str, start: datetime, **flags: object) -> Upcoming:
    return Upcoming(subject=subject, start=start, end=start + timedelta(minutes=30),
                    join_url="https://teams.microsoft.com/l/meetup-join/x", account="a@b.example",
                    organizer="Aiko", id=subject, **flags)  # type: ignore[arg-type]  # fmt: skip


def test_a_reminder_fires_once_on_time() -> None:
    items = [meeting("Stand-up", T0 + timedelta(minutes=10))]
    reminded: set[str] = set()
    fired = []
    for minute in range(15):  # a check every minute of a fake clock
        now = T0 + timedelta(minutes=minute)
        fired += [(minute, m.subject) for m in
                  due_reminders(items, now, minutes_before=1, reminded=reminded)]  # fmt: skip
    assert fired == [(9, "Stand-up")]


def test_checks_in_between_minutes_fire_as_soon_as_due() -> None:
    items = [meeting("Stand-up", T0 + timedelta(minutes=10))]
    reminded: set[str] = set()
    assert due_reminders(items, T0 + timedelta(minutes=8, seconds=59),
                         minutes_before=1, reminded=reminded) == []  # fmt: skip
    assert due_reminders(items, T0 + timedelta(minutes=9, seconds=30),
                         minutes_before=1, reminded=reminded) == items  # fmt: skip


def test_never_for_the_past_nor_hidden_nor_when_off() -> None:
    started = meeting("Started", T0 - timedelta(seconds=1))
    cancelled = meeting("Cancelled", T0 + timedelta(seconds=30), is_cancelled=True)
    declined = meeting("Declined", T0 + timedelta(seconds=30), declined=True)
    assert due_reminders([started, cancelled, declined], T0, minutes_before=5, reminded=set()) == []
    soon = meeting("Soon", T0 + timedelta(seconds=30))
    assert due_reminders([soon], T0, minutes_before=0, reminded=set()) == []


def test_a_moved_meeting_is_reminded_again_at_its_new_time() -> None:
    reminded: set[str] = set()
    first = meeting("Review", T0 + timedelta(seconds=30))
    assert due_reminders([first], T0, minutes_before=1, reminded=reminded) == [first]
    moved = replace(first, start=T0 + timedelta(minutes=30), end=T0 + timedelta(minutes=60))
    later = T0 + timedelta(minutes=29, seconds=30)
    assert due_reminders([moved], later, minutes_before=1, reminded=reminded) == [moved]


def test_the_next_reminder_time_for_a_timer() -> None:
    items = [meeting("A", T0 + timedelta(minutes=10)), meeting("B", T0 + timedelta(minutes=5))]
    assert next_reminder_at(items, T0, minutes_before=2, reminded=set()) == T0 + timedelta(
        minutes=3
    )
    assert next_reminder_at([], T0, minutes_before=2, reminded=set()) is None
