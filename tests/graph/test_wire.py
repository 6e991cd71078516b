"""Graph's wire format: the bodies meettray sends, and how it reads Graph's answers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from meettray.errors import GraphError
from meettray.graph import wire
from meettray.meetings import MeetingRequest, build_schedule

NOW = datetime(2026, 11, 21, 14, 7, tzinfo=timezone.utc)
BERLIN = ZoneInfo("Europe/Berlin")
SEED = Path(__file__).parent.parent / "data" / "seed_beta_create_response.json"


def test_create_or_get_body_has_only_accepted_fields() -> None:
    request = MeetingRequest(
        subject="Review",
        start=NOW,
        end=NOW + timedelta(hours=1),
        attendees=("a@example.com",),
        lobby_bypass="everyone",
        allowed_presenters="organizer",
    )
    body = wire.create_or_get_body(request, "ext")
    assert set(body) == {"externalId", "subject", "startDateTime", "endDateTime", "participants"}
    assert body["startDateTime"] == "2026-11-21T14:07:00Z"
    assert body["participants"] == {"attendees": [{"upn": "a@example.com", "role": "attendee"}]}
    assert wire.settings_patch(request) == {
        "lobbyBypassSettings": {"scope": "everyone", "isDialInBypassEnabled": False},
        "allowedPresenters": "organizer",
    }
    assert wire.settings_patch(MeetingRequest(subject="x", start=NOW, end=NOW)) == {}


def test_seed_beta_response_is_read() -> None:
    body = json.loads(SEED.read_text())

    meeting = wire.meeting_from_graph(body, status=201, account="a", created_at=NOW)

    assert meeting.id == "013448345"
    assert meeting.join_url.startswith("https://teams.microsoft.com/l/meetup-join/19%3ameeting_")
    assert meeting.subject == "Quarterly sales numbers"
    assert meeting.dial_in == "+12525634478"
    assert meeting.start == datetime(2018, 3, 19, 9, 46, 2, tzinfo=timezone.utc)


def test_v1_response_with_unknown_fields() -> None:
    body = {
        "id": "m1",
        "joinWebUrl": "https://teams.microsoft.com/l/meetup-join/x",
        "joinMeetingIdSettings": {"joinMeetingId": "123456789012", "passcode": "abc"},
        "someFutureField": {"nested": [1, 2]},
        "audioConferencing": None,
    }
    meeting = wire.meeting_from_graph(body, status=201, account="a", created_at=NOW)
    assert meeting.meeting_code == "123456789012"
    assert meeting.dial_in == ""


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"id": "m1"}, "NoJoinLink"),
        ({"id": "m1", "joinWebUrl": "http://teams.microsoft.com/x"}, "InsecureJoinLink"),
        ({"id": "m1", "joinWebUrl": "javascript:alert(1)"}, "InsecureJoinLink"),
        ([1, 2], "UnreadableResponse"),
        ({"joinWebUrl": "https://x"}, "UnreadableResponse"),
    ],
)
def test_unusable_answers_are_errors(body: object, code: str) -> None:
    with pytest.raises(GraphError) as caught:
        wire.meeting_from_graph(body, status=201, account="a", created_at=NOW)
    assert caught.value.code == code


def test_event_response_with_graph_precision_and_zone() -> None:
    body = {
        "id": "e1",
        "subject": "Review",
        "start": {"dateTime": "2026-12-01T10:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-12-01T11:00:00.0000000", "timeZone": "Europe/Berlin"},
        "onlineMeeting": {"joinUrl": "https://teams.microsoft.com/l/meetup-join/y"},
    }
    meeting = wire.meeting_from_event(body, status=201, account="a", created_at=NOW)
    assert meeting.is_calendar_event
    assert meeting.start == datetime(2026, 12, 1, 10, tzinfo=timezone.utc)
    assert meeting.end == datetime(2026, 12, 1, 11, tzinfo=BERLIN)


def test_presenters_are_named_and_sent_as_attendees_with_the_presenter_role() -> None:
    """graph-notes, live behaviours: roleIsPresenter needs attendees with role presenter."""

    made = build_schedule(
        subject="Review", start="2030-01-01T10:00Z", duration_minutes=30,
        attendees=["ana@contoso.example, bob@contoso.example"],
        presenters=["Bob@contoso.example", "cy@contoso.example"],
    )  # fmt: skip

    assert made.allowed_presenters == "roleIsPresenter"  # naming presenters implies it
    assert wire.create_or_get_body(made, "x")["participants"]["attendees"] == [
        {"upn": "ana@contoso.example", "role": "attendee"},
        {"upn": "bob@contoso.example", "role": "presenter"},
        {"upn": "cy@contoso.example", "role": "presenter"},  # not invited: added
    ]
    assert wire.settings_patch(made)["allowedPresenters"] == "roleIsPresenter"
    assert MeetingRequest.from_json(made.to_json()) == made


@pytest.mark.parametrize(
    ("link", "code"),
    [
        ("https://teams.microsoft.com@evil.example/l/x", "UnexpectedJoinHost"),
        ("https://evil.example/l/x", "UnexpectedJoinHost"),
        ("https://TEAMS.MICROSOFT.COM.evil.example/l/x", "UnexpectedJoinHost"),
        ("https://teams.microsoft.com:444/l/x", "UnexpectedJoinHost"),
        ("https://teams.microsoft.com/l/x\u202e", "UnexpectedJoinHost"),
        ("http://teams.microsoft.com/l/x", "InsecureJoinLink"),
        ("file:///etc/passwd", "InsecureJoinLink"),
    ],
)
def test_only_the_clouds_teams_hosts_are_join_links(link: str, code: str) -> None:
    with pytest.raises(GraphError) as caught:
        wire.meeting_from_graph({"id": "m", "joinWebUrl": link}, status=201, account="",
                                created_at=NOW)  # fmt: skip
    assert caught.value.code == code
    assert caught.value.server_may_have_acted  # the meeting may exist: settled later


def test_a_clouds_own_hosts_are_join_links() -> None:
    from meettray.config import CLOUDS

    gov = "https://gov.teams.microsoft.us/l/meetup-join/x"
    hosts = CLOUDS["usgov"].link_hosts
    made = wire.meeting_from_graph({"id": "m", "joinWebUrl": gov}, status=201, account="",
                                   created_at=NOW, link_hosts=hosts)  # fmt: skip
    assert made.join_url == gov
    global_link = {"id": "m", "joinWebUrl": "https://teams.microsoft.com/l/x"}
    with pytest.raises(GraphError):  # a global link is not a GCC High tenant's
        wire.meeting_from_graph(global_link, status=201, account="", created_at=NOW,
                                link_hosts=hosts)  # fmt: skip
