"""Reading stored values back, checked: a moment, text, a meeting kept as JSON.

A value meettray cannot read (a row edited by hand, or a bad write) raises
:class:`DamagedRow`; the store leaves that row out, logs and counts it.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone

from meettray.meetings import Meeting


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value else None


class DamagedRow(ValueError):
    """A row whose values meettray cannot read (edited by hand, or a bad write): it is
    left out, logged and counted, and everything else goes on working."""


def _when(value: object) -> datetime:
    """A stored moment: ISO 8601 with its offset, or the row is damaged."""
    if not isinstance(value, str) or not value:
        raise DamagedRow(f"not a date: {str(value)[:40]!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise DamagedRow(f"not a date: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        raise DamagedRow(f"a date without its time zone: {value[:40]!r}")
    return parsed


def _maybe_when(value: object) -> datetime | None:
    return None if value is None or value == "" else _when(value)


def _text(value: object) -> str:
    if isinstance(value, bytes) or value is None:
        raise DamagedRow(f"not text: {type(value).__name__}")
    return str(value)


def _meeting_json(meeting: Meeting) -> str:
    values = dataclasses.asdict(meeting)
    for key in ("start", "end", "created_at", "expires_at"):
        values[key] = _iso(values[key])
    return json.dumps(values)


_MEETING_FIELDS = {field.name: field for field in dataclasses.fields(Meeting)}


def _meeting_from_json(text: object) -> Meeting:
    """A meeting kept as JSON (a spare, a hand-out), checked value by value."""
    try:
        values = json.loads(_text(text))
    except (ValueError, RecursionError):
        raise DamagedRow("its meeting is not JSON") from None
    if not isinstance(values, dict) or not set(values) <= set(_MEETING_FIELDS):
        raise DamagedRow("its meeting has unknown fields")
    if not {"id", "join_url", "subject", "created_at"} <= set(values):
        raise DamagedRow("its meeting lacks a field")
    checked: dict[str, object] = {}
    for key, value in values.items():
        if key in ("start", "end", "expires_at"):
            checked[key] = _maybe_when(value)
        elif key == "created_at":
            checked[key] = _when(value)
        elif key == "is_calendar_event":
            if not isinstance(value, bool):
                raise DamagedRow("its meeting's kind is not true or false")
            checked[key] = value
        elif not isinstance(value, str):
            raise DamagedRow(f"its meeting's {key} is not text")
        else:
            checked[key] = value
    return Meeting(**checked)  # type: ignore[arg-type]  # each value checked above
