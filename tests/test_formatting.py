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
