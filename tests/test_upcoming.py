"""Upcoming meetings as values: labels, joining, and the last good list on disk."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from meettray.config import CLOUDS, DEMO_LINK_HOST
from meettray.upcoming import (
    Upcoming,
    join_target,
    load_list,
    next_meeting,
    save_list,
    teams_hosts,
    visible,
    when_label,
)

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
HOSTS = CLOUDS["global"].link_hosts
LINK = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0?context=%7b%7d"


def meeting(subject: str, minutes: int, length: int = 30, **flags: object) -> Upcoming:
    start = T0 + timedelta(minutes=minutes)
    return Upcoming(subject, start, start + timedelta(minutes=length), LINK, "a@b.example",
                    "Aiko", id=subject, **flags)  # type: ignore[arg-type]  # fmt: skip


@pytest.mark.parametrize(("minutes", "label"), [
    (-5, "now"), (0, "now"), (1, "in 1 min"), (5, "in 5 min"), (60, "in 1 h"),
    (80, "in 1 h 20 min"),
])  # fmt: skip
def test_when_label(minutes: int, label: str) -> None:
    assert when_label(meeting("m", minutes), T0) == label


def test_the_next_is_the_one_under_way_else_the_soonest() -> None:
    later, running, cancelled = meeting("later", 10), meeting("running", -5), meeting(
        "cancelled", 2, is_cancelled=True)  # fmt: skip
    assert next_meeting([later, running, cancelled], T0) == running
    assert next_meeting([later, cancelled], T0) == later
    assert visible([later, meeting("over", -60)], T0) == [later]


def test_join_target_per_setting() -> None:
    assert join_target(LINK, "browser") == LINK
    assert join_target(LINK, "app") == "msteams:/" + LINK.split("/", 3)[3]
    assert join_target(LINK, "web") == "https://teams.microsoft.com/_#/" + LINK.split("/", 3)[3]
    outlook = "https://outlook.office365.com/owa/?itemid=AAMk"
    assert join_target(outlook, "app") == outlook


def test_teams_hosts_leave_outlook_out() -> None:
    assert "teams.microsoft.com" in teams_hosts(HOSTS)
    assert "outlook.office365.com" not in teams_hosts(HOSTS)
    assert DEMO_LINK_HOST in teams_hosts(HOSTS | {DEMO_LINK_HOST})


def test_the_last_list_round_trips_and_is_whose_it_is(tmp_path: Path) -> None:
    path = tmp_path / "upcoming.json"
    items = [meeting("a", 5), meeting("b", 10)]
    save_list(path, "a@b.example", items, T0)
    assert load_list(path, "a@b.example", HOSTS) == (items, T0)
    assert load_list(path, "someone@else.example", HOSTS) == ([], None)


def test_a_bad_row_costs_that_row_and_links_are_checked_again(tmp_path: Path) -> None:
    path = tmp_path / "upcoming.json"
    save_list(path, "a@b.example", [meeting("good", 5), meeting("evil", 10)], T0)
    document = json.loads(path.read_text())
    document["items"][1]["join_url"] = "https://teams.microsoft.com.evil.example/l/x"
    document["items"].append({"subject": "no times"})
    document["items"].append("not even an object")
    path.write_text(json.dumps(document))
    items, _ = load_list(path, "a@b.example", HOSTS)
    assert [(i.subject, i.join_url) for i in items] == [("good", LINK), ("evil", None)]
    path.write_text("{ damaged")
    assert load_list(path, "a@b.example", HOSTS) == ([], None)
