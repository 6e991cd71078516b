"""The pure meeting rules: the request, schedule validation, what is remembered."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from meettray.errors import ValidationError
from meettray.graph.wire import meeting_from_graph
from meettray.meetings import (
    build_schedule,
    instant_request,
    is_valid_email,
    parse_when,
    render_subject,
)

NOW = datetime(2026, 11, 21, 14, 7, tzinfo=timezone.utc)
BERLIN = ZoneInfo("Europe/Berlin")


def test_instant_request_uses_settings_and_now() -> None:
    made = instant_request("Bridge {date} {time}", 45, NOW)
    local = NOW.astimezone()
    assert made.subject == f"Bridge {local:%Y-%m-%d} {local:%H:%M}"
    assert made.start == NOW
    assert made.end == NOW + timedelta(minutes=45)


def test_instant_request_subject_override_is_validated() -> None:
    assert instant_request("x", 60, NOW, subject="Outage").subject == "Outage"
    with pytest.raises(ValidationError) as caught:
        instant_request("x", 60, NOW, subject="   ")
    assert caught.value.problems == {"subject": "Enter a subject."}


def test_render_subject_leaves_other_braces() -> None:
    assert render_subject("{team} sync", NOW) == "{team} sync"


def test_schedule_with_duration_in_local_time() -> None:
    made = build_schedule(
        subject=" Planning ", start="2026-12-01T14:30", duration_minutes=30, local_zone=BERLIN
    )
    assert made.subject == "Planning"
    assert made.start == datetime(2026, 12, 1, 13, 30, tzinfo=timezone.utc)
    assert made.end - made.start == timedelta(minutes=30)


def test_schedule_across_a_dst_change_keeps_wall_clock_offsets() -> None:
    # Berlin leaves summer time on 2026-10-25 at 03:00.
    made = build_schedule(
        subject="Night shift",
        start="2026-10-25T01:30",
        end="2026-10-25T04:30",
        local_zone=BERLIN,
    )
    assert made.end - made.start == timedelta(hours=4)


def test_schedule_reports_every_problem_by_field() -> None:
    with pytest.raises(ValidationError) as caught:
        build_schedule(
            subject="",
            start="tomorrow-ish",
            end="2026-12-01T10:00",
            attendees=["good@example.com", "not-an-address"],
            lobby_bypass="nobody",
        )
    problems = caught.value.problems
    assert set(problems) == {"subject", "start", "attendees", "lobby_bypass"}
    assert "ISO 8601" in problems["start"]
    assert "'not-an-address'" in problems["attendees"]


@pytest.mark.parametrize(
    ("end", "duration", "message"),
    [
        ("2026-12-01T09:00+00:00", None, "after the start"),
        ("2026-12-03T10:00+00:00", None, "at most 24 hours"),
        (None, None, "end time or a duration"),
        ("2026-12-01T11:00+00:00", 30, "not both"),
    ],
)
def test_schedule_end_rules(end: str | None, duration: int | None, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        build_schedule(
            subject="x", start="2026-12-01T10:00+00:00", end=end, duration_minutes=duration
        )


def test_zero_duration_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        build_schedule(subject="x", start="2026-12-01T10:00+00:00", duration_minutes=0)
    assert set(caught.value.problems) == {"duration"}


def test_attendees_are_split_and_deduplicated() -> None:
    made = build_schedule(
        subject="x",
        start="2026-12-01T10:00Z",
        duration_minutes=30,
        attendees=["a@example.com; B@Example.com", "A@example.com,b@example.com"],
    )
    assert made.attendees == ("a@example.com", "B@Example.com")


def test_subject_rules() -> None:
    for bad, message in [("a" * 256, "at most 255"), ("two\nlines", "line breaks")]:
        with pytest.raises(ValidationError, match=message):
            build_schedule(subject=bad, start="2026-12-01T10:00Z", duration_minutes=5)
    unicode_subject = "Überprüfung 会議 🚀"
    made = build_schedule(subject=unicode_subject, start="2026-12-01T10:00Z", duration_minutes=5)
    assert made.subject == unicode_subject


def test_starts_before() -> None:
    made = build_schedule(subject="x", start=NOW - timedelta(minutes=5), duration_minutes=5)
    assert made.starts_before(NOW)
    assert not made.starts_before(NOW - timedelta(minutes=10))


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("adele@contoso.com", True),
        ("first.last+tag@sub.example.co.uk", True),
        ("no-at-sign", False),
        ("two@@example.com", False),
        ("space in@example.com", False),
        ("nodot@localhost", False),
        ("trailing@example.com.", False),
    ],
)
def test_email_validation(address: str, valid: bool) -> None:
    assert is_valid_email(address) is valid


def test_parse_when_accepts_offsets_and_z() -> None:
    assert parse_when("2026-12-01T10:00Z") == datetime(2026, 12, 1, 10, tzinfo=timezone.utc)
    assert parse_when("2026-12-01 10:00+01:00").utcoffset() == timedelta(hours=1)
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_when("next tuesday")


def test_as_json_has_the_documented_keys() -> None:
    meeting = meeting_from_graph(
        {"id": "m", "joinWebUrl": "https://teams.microsoft.com/l/x", "subject": "S"},
        status=201,
        account="a",
        created_at=NOW,
    )
    data = meeting.as_json()
    assert {"join_url", "id", "subject", "start", "end"} <= set(data)
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"allowed_presenters": "roleIsPresenter"}, "Name at least one presenter"),
        ({"presenters": ["p@contoso.example"], "allowed_presenters": "everyone"}, "specific"),
        ({"presenters": ["not an address"]}, "Not an e-mail address"),
    ],
)
def test_presenter_problems_are_reported_by_field(options: dict[str, object], problem: str) -> None:
    from meettray.meetings import build_schedule

    with pytest.raises(ValidationError) as caught:
        build_schedule(subject="Review", start="2030-01-01T10:00Z", duration_minutes=30,
                       **options)  # type: ignore[arg-type]  # fmt: skip
    assert problem in caught.value.problems["presenters"]
