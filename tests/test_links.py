"""meettray:// links: every action, every refusal, hostile input, the rate limits."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meettray.config import AccountConfig
from meettray.ipc import ProtocolError, Request, decode_request, encode
from meettray.links import (
    LINK_INTERVAL,
    MAX_LINK,
    HistoryLink,
    JoinLink,
    JoinNextLink,
    LinkGate,
    LinkRefused,
    NowLink,
    ScheduleLink,
    action_of,
    allow_cold,
    parse_link,
)

HOSTS = AccountConfig().link_hosts()
TEAMS = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0"


def parse(text: str) -> object:
    return parse_link(text, hosts=HOSTS)


def refused(text: str) -> str:
    with pytest.raises(LinkRefused) as caught:
        parse(text)
    return caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("meettray://now", NowLink()),
        ("meettray://now/", NowLink()),
        ("MEETTRAY://NOW", NowLink()),
        ("meettray://now?preset=incident", NowLink(preset="incident")),
        ("meettray://now?preset=incident&subject=Disk+full%21", NowLink("incident", "Disk full!")),
        ("meettray://now?subject=%C3%89quipe", NowLink(subject="Équipe")),
        ("meettray://join/next", JoinNextLink()),
        ("meettray://history", HistoryLink("")),
        ("meettray://history?search=review", HistoryLink("review")),
        ("meettray://history?search=", HistoryLink("")),
        (f"meettray://join?url={TEAMS.replace('%', '%25')}", JoinLink(TEAMS)),
    ],
)
def test_links_become_typed_values(text: str, expected: object) -> None:
    assert parse(text) == expected


def test_a_schedule_link_fills_in_the_form_and_nothing_else() -> None:
    link = parse(
        "meettray://schedule?subject=Review&start=2026-12-08T14:30%2B01:00&duration=45"
        "&attendees=a%40contoso.com,%20b%40contoso.com"
    )
    assert link == ScheduleLink(
        subject="Review",
        start=datetime(2026, 12, 8, 14, 30, tzinfo=timezone(timedelta(hours=1))),
        duration_minutes=45,
        attendees=("a@contoso.com", "b@contoso.com"),
    )
    assert isinstance(link, ScheduleLink)
    assert action_of(link) == "schedule"
    assert parse("meettray://schedule") == ScheduleLink()


def test_an_unknown_action_is_refused_by_name() -> None:
    message = refused("meettray://delete-everything")
    assert "'delete-everything' is not an action" in message
    assert "now, schedule, join, join/next, history" in message


def test_an_unknown_parameter_is_refused_by_name() -> None:
    message = refused("meettray://now?preset=incident&attendees=x%40y.com")
    assert "'attendees' is not a parameter of 'now'" in message
    assert "preset, subject" in message
    assert "'url' is not a parameter of 'join/next'" in refused("meettray://join/next?url=x")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("meettray://now?preset=Incident", "'preset'"),
        ("meettray://now?preset=../../etc", "'preset'"),
        ("meettray://now?preset=a&preset=b", "'preset' is given twice"),
        ("meettray://now?subject=", "'subject' is empty"),
        ("meettray://now?subject=" + "x" * 256, "longer than 255"),
        ("meettray://now?subject=a%1b%5b31mred", "control characters"),
        ("meettray://now?subject=%E2%80%AEevil", "control characters"),
        ("meettray://now?subject=%ff%fe", "malformed"),
        ("meettray://now?subject", "malformed"),
        ("meettray://now?" + "&".join(f"subject={n}" for n in range(9)), "malformed"),
        ("meettray://schedule?start=tomorrow", "'start' is not a date"),
        ("meettray://schedule?start=" + "9" * 41, "'start' is not a date"),
        ("meettray://schedule?duration=4", "'duration'"),
        ("meettray://schedule?duration=1441", "'duration'"),
        ("meettray://schedule?duration=%D9%A3%D9%A0", "'duration'"),  # Arabic-Indic digits
        ("meettray://schedule?duration=-30", "'duration'"),
        ("meettray://schedule?attendees=not-an-address", "'attendees'"),
        ("meettray://schedule?attendees=" + ",".join(f"p{n}@c.com" for n in range(51)), "50"),
        ("meettray://join", "'url' is missing"),
        ("meettray://join?url=https%3A%2F%2Fevil.example%2Fl%2Fmeetup-join", "evil.example"),
        ("meettray://join?url=https%3A%2F%2Fteams.microsoft.com%40evil.example%2F", "user"),
        ("meettray://join?url=http%3A%2F%2Fteams.microsoft.com%2Fl%2F", "https"),
        ("meettray://join?url=javascript%3Aalert(1)", "https"),
        ("meettray://history?search=" + "x" * 201, "longer than 200"),
        ("meettray://user@now", "user or a port"),
        ("meettray://now:80", "user or a port"),
        ("meettray://now#subject=x", "#fragment"),
        ("meettray://now?subject=a b", "spaces or control"),
        ("meettray://now\n?subject=x", "spaces or control"),
        ("https://teams.microsoft.com/", "not a meettray:// link"),
        ("meettray://now?" + "x" * MAX_LINK, "longer than"),
    ],
)
def test_hostile_links_are_refused_saying_what(text: str, named: str) -> None:
    assert named in refused(text)


def test_a_refusal_never_repeats_a_strange_name() -> None:
    """Names from the link are shown only when they look like ours: the notification
    must not carry a web page's text (markup, escapes, a phishing sentence)."""
    message = refused("meettray://now?%3Cb%3ECall%20support%3C%2Fb%3E=1")
    assert "a parameter with an unusual name" in message
    assert "<b>" not in message
    assert "support" not in message
    message = refused("meettray://Call%20+1-555-0100%20now")
    assert "555" not in message
    assert "unusual name" in message


def test_values_are_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="meettray.links")
    parse("meettray://now?preset=incident&subject=Secret+acquisition")
    logged = caplog.text
    assert "now (preset, subject)" in logged
    assert "Secret" not in logged
    assert "incident" not in logged


def test_the_gate_lets_one_meeting_through_per_interval() -> None:
    now = [100.0]
    gate = LinkGate(clock=lambda: now[0])
    assert gate.allow()
    now[0] += LINK_INTERVAL - 0.01
    assert not gate.allow()
    now[0] += 0.02
    assert gate.allow()


@pytest.mark.posix
def test_the_cold_gate_holds_across_processes_and_threads(tmp_path: Path) -> None:
    """Ten links at once, each its own process in real life: one goes through."""
    allowed: list[bool] = []
    barrier = threading.Barrier(10)

    def follow() -> None:
        barrier.wait()
        allowed.append(allow_cold(tmp_path, clock=lambda: 1000.0))

    threads = [threading.Thread(target=follow) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(allowed) == [False] * 9 + [True]
    assert allow_cold(tmp_path, clock=lambda: 1000.0 + LINK_INTERVAL)
    # A stamp from the future (the clock was set back) does not block links.
    assert allow_cold(tmp_path, clock=lambda: 10.0)
    (tmp_path / "last-link-meeting").write_text("garbage")
    assert allow_cold(tmp_path, clock=lambda: 10.0)


# -- hostile input, generated ------------------------------------------------------------

_ACTIONS = st.sampled_from(["now", "schedule", "join", "join/next", "history", "x", ""])
_NAMES = st.sampled_from(["preset", "subject", "start", "duration", "attendees", "url",
                          "search", "x", ""])  # fmt: skip
_VALUES = st.text(max_size=60).map(quote)


def _outcome(text: str) -> object:
    """The link, or the refusal's message."""
    try:
        return parse(text)
    except LinkRefused as refusal:
        return refusal.message


@settings(max_examples=400, deadline=None, derandomize=True)
@given(_ACTIONS, st.lists(st.tuples(_NAMES, _VALUES), max_size=5), st.text(max_size=20))
def test_any_link_is_a_typed_value_or_a_refusal(
    action: str, pairs: list[tuple[str, str]], junk: str
) -> None:
    """Nothing but a link or a refusal, whose message is one printable line, bounded."""
    query = "&".join(f"{name}={value}" for name, value in pairs)
    for text in (f"meettray://{action}?{query}", f"meettray://{action}{junk}?{query}"):
        outcome = _outcome(text)
        if isinstance(outcome, str):
            assert outcome.isprintable()
            assert len(outcome) < 400
        elif text.startswith(f"meettray://{action}?"):
            assert action_of(outcome) == action  # type: ignore[arg-type]


def test_the_socket_carries_a_link_bounded() -> None:
    request = Request("link", link="meettray://now?preset=incident", external_id="a" * 32)
    assert decode_request(encode(request)) == request
    with pytest.raises(ProtocolError):
        decode_request(encode(Request("link", link="meettray://now?" + "x" * MAX_LINK)))
    with pytest.raises(ProtocolError):
        decode_request(b'{"version": 2, "command": "link", "link": ["meettray://now"]}\n')
