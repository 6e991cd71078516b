"""How meetings are written out for people: the short form of a link."""

from __future__ import annotations

from meettray.formatting import short_link

TEAMS = (
    "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzE2YjQ5ZDEtYTM4Ni00ZGQ3LWI1"
    "%40thread.v2/0?context=%7b%22Tid%22%3a%2272f988bf%22%2c%22Oid%22%3a%226e1c1f5e%22%7d"
)


def test_a_teams_link_is_shown_by_its_start_decoded_and_cut() -> None:
    text = short_link(TEAMS)
    assert text.startswith("teams.microsoft.com/l/meetup-join/19:meeting_")
    assert text.endswith("…")
    assert len(text) == 48
    assert "?" not in text


def test_a_short_link_is_kept_whole() -> None:
    assert short_link("https://example.com/x") == "example.com/x"


def test_a_recent_entry_without_a_meeting_id_says_its_time_not_a_bare_seconds_count() -> None:
    """Was: "Sync · Mon 14:05 · 12 s" (issue 28: 'Recent shows "12 s"')."""
    from datetime import datetime, timedelta

    from meettray.formatting import recent_label
    from meettray.meetings import Meeting

    made = datetime(2026, 12, 7, 14, 5, 12).astimezone()  # a Monday, local time
    instant = Meeting("m1", "https://teams.microsoft.com/l/x", "Sync", None, None, made)
    assert recent_label(instant) == "Sync · Mon 14:05:12"
    start = datetime(2026, 12, 8, 10, 0).astimezone()
    planned = Meeting("m2", "https://teams.microsoft.com/l/y", "Plan", start,
                      start + timedelta(hours=1), made)  # fmt: skip
    assert recent_label(planned) == "Plan · Tue 10:00 · made 14:05:12"
    coded = Meeting("m3", "https://teams.microsoft.com/l/z", "A & B", None, None, made,
                    meeting_code="123 456 789 012")  # fmt: skip
    assert recent_label(coded) == "A & B · Mon 14:05 · ID …9012"
    for label in (recent_label(instant), recent_label(planned)):
        assert not label.endswith(" s")
