"""Live behaviours, round 3 (../shared/graph-notes.md): the fake behaves as Graph does, and
the client through MSAL, requests and HTTPS copes.

As in round 2, each row is tested against the fake alone (raw HTTPS requests), so that a
client test can fail, and then through the client.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from meettray.accounts import MEETINGS
from meettray.auth import DelegatedAuth
from meettray.config import UiConfig
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.formatting import clipboard_payload
from meettray.graph import GraphClient
from meettray.meetings import MeetingRequest

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
PREFER = {"Prefer": "include-unknown-enum-members"}


def request(**changes: object) -> MeetingRequest:
    base = MeetingRequest(subject="Customer call", start=NOW, end=NOW + timedelta(minutes=30))
    return MeetingRequest(**{**base.__dict__, **changes})


def raw(
    fake: FakeMicrosoft365, token: str, method: str, path: str,
    body: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
) -> requests.Response:  # fmt: skip
    """A request to the fake as any client could send it (real HTTPS, a real token)."""
    return requests.request(
        method, f"{fake.graph_endpoint}{path}", json=body, timeout=10,
        headers={"Authorization": f"Bearer {token}", **PREFER, **(headers or {})},
    )  # fmt: skip


def created(fake: FakeMicrosoft365, token: str, **body: Any) -> dict[str, Any]:
    answer = raw(fake, token, "POST", "/me/onlineMeetings/createOrGet",
                 {"externalId": "row", "subject": "x", **body})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@pytest.fixture
def token(signed_in: DelegatedAuth) -> str:
    return signed_in.token([MEETINGS])


# -- row 1: joinInformation is form-encoded ------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title"),
    [("en-US", "Microsoft+Teams+meeting"), ("de-DE", "Microsoft+Teams-Besprechung")],
)
def test_live_row_join_information_is_form_encoded_as_graph_sends_it(
    fake: FakeMicrosoft365, token: str, language: str, title: str
) -> None:
    answer = raw(fake, token, "POST", "/me/onlineMeetings/createOrGet",
                 {"externalId": "row", "subject": "x"}, {"Accept-Language": language})  # fmt: skip
    content = answer.json()["joinInformation"]["content"]
    assert content.startswith("data:text/html,%3cdiv+style%3d%22")
    assert title in content
    assert "%0d%0a" in content
    assert "%20" not in content
    assert not re.search(r"%[0-9a-f][A-F]|%[A-F]", content)


def test_live_row_join_information_may_have_its_prefix_encoded(
    fake: FakeMicrosoft365, token: str
) -> None:
    fake.graph.invitation_prefix_encoded = True
    content = created(fake, token)["joinInformation"]["content"]
    assert content.startswith("data%3Atext%2Fhtml%2C%3cdiv+")


def _outside_links(text: str, meeting: Any) -> str:
    """The invitation's words without its addresses and phone numbers, which may hold
    ``%`` and ``+`` of their own."""
    text = re.sub(r"https://\S+", "", text)
    return text.replace(meeting.dial_in, "")


@pytest.mark.parametrize("encoded_prefix", [False, True])
@pytest.mark.parametrize(
    ("language", "words"),
    [("en-GB", ["Microsoft Teams meeting", "Join on your computer, mobile app or room device",
                "Click here to join the meeting", "Or call in (audio only)"]),
     ("de-DE", ["Microsoft Teams-Besprechung", "Klicken Sie hier, um an der Besprechung "
                "teilzunehmen", "Oder telefonisch teilnehmen (nur Audio)"])],
)  # fmt: skip
def test_live_row_join_information_details_read_as_teams_writes_them(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth, language: str, words: list[str],
    encoded_prefix: bool,
) -> None:  # fmt: skip
    """Was: every space came out as "+" ("Microsoft+Teams+meeting") on every real tenant."""
    fake.graph.invitation_prefix_encoded = encoded_prefix
    graph = GraphClient(fake.graph_endpoint, signed_in, language=language)
    meeting = graph.create_meeting(request(), "ext-details").meeting
    graph.close()

    payload = clipboard_payload(meeting, UiConfig(clipboard="details"))
    for text in (meeting.join_text, payload.text):
        for phrase in words:
            assert phrase in text
        words_only = _outside_links(text, meeting)
        assert "+" not in words_only, words_only
        assert "%" not in words_only, words_only
        assert "\r" not in text


# -- row 2: no passcode unless asked at creation ---------------------------------------------------


def test_live_row_create_or_get_gives_no_passcode_unless_asked(
    fake: FakeMicrosoft365, token: str
) -> None:
    plain = created(fake, token)["joinMeetingIdSettings"]
    assert plain["isPasscodeRequired"] is False
    assert plain["passcode"] is None
    settings = {"isPasscodeRequired": True}
    asked = raw(fake, token, "POST", "/me/onlineMeetings/createOrGet",
                {"externalId": "with-code", "joinMeetingIdSettings": settings})  # fmt: skip
    assert asked.json()["joinMeetingIdSettings"]["passcode"]


def test_live_row_no_passcode_line_where_there_is_none(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth
) -> None:
    graph = GraphClient(fake.graph_endpoint, signed_in, language="en-US")
    meeting = graph.create_meeting(request(), "ext-no-code").meeting
    graph.close()
    assert meeting.passcode == ""
    for details_text in ("teams", "meettray"):
        text = clipboard_payload(meeting, UiConfig(clipboard="details",
                                                   details_text=details_text)).text  # fmt: skip
        assert "Passcode" not in text
        assert "None" not in text
