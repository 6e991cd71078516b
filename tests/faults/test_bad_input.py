"""Property-based bad input: whatever people type, a clear validation message or a valid request."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meettray.config import config_from_mapping
from meettray.errors import ConfigError, ValidationError
from meettray.graph import wire
from meettray.hotkeys.keys import Hotkey
from meettray.meetings import MAX_SUBJECT_LENGTH, build_schedule, is_valid_email, parse_when

EXAMPLES = int(os.environ.get("MEETTRAY_HYPOTHESIS_EXAMPLES", "300"))
profile = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # a fixed seed: CI runs are reproducible
    suppress_health_check=[HealthCheck.too_slow],
)
ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
moments = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.none()
)
zones = st.sampled_from(ZONES).map(ZoneInfo)
subjects = st.text(max_size=400)
addresses = st.one_of(
    st.emails(),
    st.text(max_size=80),
    st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}(\.[a-z]{2,4})?", fullmatch=True),
)


@profile
@given(
    subject=subjects,
    start=moments,
    zone=zones,
    minutes=st.one_of(st.none(), st.integers(min_value=-10_000, max_value=10_000)),
    end_offset=st.one_of(st.none(), st.timedeltas(min_value=timedelta(days=-3),
                                                  max_value=timedelta(days=3))),
    attendees=st.lists(addresses, max_size=8),
    as_text=st.booleans(),
)  # fmt: skip
def test_schedule_input_never_crashes(
    subject: str,
    start: datetime,
    zone: ZoneInfo,
    minutes: int | None,
    end_offset: timedelta | None,
    attendees: list[str],
    as_text: bool,
) -> None:
    end = None if end_offset is None else start + end_offset
    try:
        request = build_schedule(
            subject=subject,
            start=start.isoformat(sep=" ") if as_text else start,
            end=(end.isoformat() if as_text else end) if end is not None else None,
            duration_minutes=minutes,
            attendees=attendees,
            local_zone=zone,
        )
    except ValidationError as exc:
        assert exc.problems
        assert all(message.endswith(".") for message in exc.problems.values())
        return
    # A request that passed is one Graph can take.
    assert 0 < len(request.subject) <= MAX_SUBJECT_LENGTH
    assert request.start.tzinfo is not None
    assert timedelta(0) < request.end - request.start <= timedelta(days=1)
    assert all(is_valid_email(a) for a in request.attendees)
    body = wire.create_or_get_body(request, "x")
    assert body["startDateTime"].endswith("Z")
    assert body["endDateTime"] > body["startDateTime"] or body["endDateTime"][:4] > "9999"


@profile
@given(text=st.text(max_size=60), zone=zones)
def test_any_when_text_is_a_time_or_a_clear_error(text: str, zone: ZoneInfo) -> None:
    try:
        value = parse_when(text, zone)
    except ValueError as exc:
        assert "ISO 8601" in str(exc)
        return
    assert value.tzinfo is not None


@profile
@given(moment=moments, zone=zones)
def test_local_wall_times_round_trip_through_dst(moment: datetime, zone: ZoneInfo) -> None:
    """Any local wall time, DST gaps and repeats included, becomes one UTC instant."""
    request = build_schedule(subject="x", start=moment, duration_minutes=30, local_zone=zone)
    assert request.start.tzinfo == timezone.utc
    assert request.end - request.start == timedelta(minutes=30)


@profile
@given(text=st.text(max_size=40))
def test_hotkey_text_never_crashes(text: str) -> None:
    try:
        hotkey = Hotkey.parse(text)
    except ValueError as exc:
        assert str(exc)
        return
    if hotkey is not None:
        assert Hotkey.parse(hotkey.portable()) == hotkey


settings_values = st.one_of(
    st.text(max_size=30), st.integers(), st.booleans(), st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=3),
)  # fmt: skip
documents = st.dictionaries(
    st.sampled_from(["account", "meeting", "ui", "hotkeys", "other"]),
    st.one_of(
        st.dictionaries(
            st.sampled_from(["mode", "cloud", "client_id", "tenant", "authority", "subject",
                             "duration_minutes", "clipboard", "notifications", "meet_now",
                             "unknown"]),
            settings_values,
        ),
        settings_values,
    ),
)  # fmt: skip


@profile
@given(document=documents)
def test_any_settings_document_is_valid_or_one_clear_message(document: dict[str, object]) -> None:
    try:
        config = config_from_mapping(document)
    except ConfigError as exc:
        assert exc.message.startswith("settings: ")
        assert exc.message.endswith(".")
        return
    assert config.meeting.duration_minutes >= 5
