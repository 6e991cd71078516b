"""Live behaviours, round 2 (../shared/graph-notes.md), items 1 to 3: the fake behaves as
Graph does, and the client through MSAL, requests and HTTPS copes.

Each row is tested twice: the fake alone (raw HTTPS requests, as any client
would send them), so that a client test can fail; then the client.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from meettray.accounts import CALENDAR, MEETINGS
from meettray.auth import DelegatedAuth
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.graph import GraphClient
from meettray.graph.wire import ORGANISATION_LOBBY
from meettray.meetings import MeetingRequest

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
UNKNOWN_ENUMS = {"Prefer": "include-unknown-enum-members"}


def request(**changes: object) -> MeetingRequest:
    base = MeetingRequest(subject="Customer call", start=NOW, end=NOW + timedelta(minutes=30))
    return MeetingRequest(**{**base.__dict__, **changes})


def raw(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth, method: str, path: str,
    body: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
    scope: str = MEETINGS,
) -> requests.Response:  # fmt: skip
    """A request to the fake as any client could send it (real HTTPS, a real token)."""
    token = signed_in.token([scope])
    return requests.request(
        method, f"{fake.graph_endpoint}{path}", json=body, timeout=10,
        headers={"Authorization": f"Bearer {token}", **(headers or {})},
    )  # fmt: skip


def with_calendar(signed_in: DelegatedAuth) -> None:
    """The person also consented to calendar access (Schedule's "add to my calendar")."""
    signed_in.sign_in_browser(["OnlineMeetings.ReadWrite", "Calendars.ReadWrite"], timeout=20)


def _meeting(fake: FakeMicrosoft365, signed_in: DelegatedAuth) -> dict[str, Any]:
    created = raw(fake, signed_in, "POST", "/me/onlineMeetings/createOrGet",
                  {"externalId": "row", "subject": "x"})  # fmt: skip
    assert created.status_code == 201
    return dict(created.json())


# -- row 1: evolvable lobby values -------------------------------------------------------------


@pytest.mark.parametrize("scope", ["invited", "organizationExcludingGuests"])
def test_live_row_the_fake_refuses_evolvable_lobby_values_without_the_prefer_header(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth, scope: str
) -> None:
    meeting = _meeting(fake, signed_in)
    path = f"/me/onlineMeetings/{meeting['id']}"
    lobby = {"lobbyBypassSettings": {"scope": scope, "isDialInBypassEnabled": False}}

    refused = raw(fake, signed_in, "PATCH", path, lobby)
    taken = raw(fake, signed_in, "PATCH", path, lobby, UNKNOWN_ENUMS)

    assert refused.status_code == 400
    assert f"Requested value '{scope}' was not found." in refused.text
    assert taken.json()["lobbyBypassSettings"]["scope"] == scope
    read_plain = raw(fake, signed_in, "GET", path).json()
    assert read_plain["lobbyBypassSettings"]["scope"] == "unknownFutureValue"
    read_preferring = raw(fake, signed_in, "GET", path, headers=UNKNOWN_ENUMS).json()
    assert read_preferring["lobbyBypassSettings"]["scope"] == scope


@pytest.mark.parametrize("scope", ["invited", "organizationExcludingGuests"])
def test_live_row_the_client_sets_evolvable_lobby_values(
    fake: FakeMicrosoft365, graph: GraphClient, scope: str
) -> None:
    result = graph.create_meeting(request(lobby_bypass=scope), "ext-lobby")

    assert result.warnings == ()
    (stored,) = fake.meetings.values()
    assert stored["lobbyBypassSettings"]["scope"] == scope
    for sent in fake.requests_to("(POST|PATCH)", "/onlineMeetings"):
        assert sent.headers["prefer"] == "include-unknown-enum-members", sent.path


def test_live_row_a_lobby_graph_cannot_name_is_set_by_the_organisation(
    fake: FakeMicrosoft365, graph: GraphClient
) -> None:
    """unknownFutureValue (or a value newer than meettray) is read without a crash."""
    fake.add_fault("rewrite", "/onlineMeetings/.+", method="PATCH",
                   field="lobbyBypassSettings", value={"scope": "unknownFutureValue"})  # fmt: skip

    result = graph.create_meeting(request(lobby_bypass="invited"), "ext-unknown")

    assert result.meeting.join_url
    assert result.warnings == (
        f"Teams did not take this setting: Who bypasses the lobby: invited (Teams reports "
        f"{ORGANISATION_LOBBY}). Choose it in the meeting's options in Teams (“Meeting "
        "options…” in History).",
    )


# -- row 2: presenters -------------------------------------------------------------------------


def test_live_row_the_fake_takes_presenters_only_with_their_roles_in_the_same_request(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth
) -> None:
    people = [{"upn": "megan@contoso.example", "role": "presenter"},
              {"upn": "lee@contoso.example", "role": "attendee"}]  # fmt: skip
    created = raw(fake, signed_in, "POST", "/me/onlineMeetings/createOrGet",
                  {"externalId": "roles", "participants": {"attendees": people}})  # fmt: skip
    assert {a["role"] for a in created.json()["participants"]["attendees"]} == {"attendee"}
    path = f"/me/onlineMeetings/{created.json()['id']}"

    alone = raw(fake, signed_in, "PATCH", path, {"allowedPresenters": "roleIsPresenter"})
    together = raw(fake, signed_in, "PATCH", path, {
        "allowedPresenters": "roleIsPresenter", "participants": {"attendees": people},
    })  # fmt: skip

    assert alone.status_code == 400  # the stored attendees do not count
    assert together.status_code == 200
    participants = together.json()["participants"]
    assert participants["attendees"] == people  # the list is replaced
    assert participants["organizer"]["upn"] == "adele@contoso.example"  # the organizer stays


def test_live_row_the_client_sends_presenters_with_their_roles_in_one_patch(
    fake: FakeMicrosoft365, graph: GraphClient
) -> None:
    wanted = request(attendees=("lee@contoso.example",), presenters=("megan@contoso.example",),
                     allowed_presenters="roleIsPresenter", lobby_bypass="organizer")  # fmt: skip

    result = graph.create_meeting(wanted, "ext-roles")

    assert result.warnings == ()
    (patch,) = fake.requests_to("PATCH", "/onlineMeetings")
    assert patch.json() == {
        "lobbyBypassSettings": {"scope": "organizer", "isDialInBypassEnabled": False},
        "allowedPresenters": "roleIsPresenter",
        "participants": {"attendees": [
            {"upn": "lee@contoso.example", "role": "attendee"},
            {"upn": "megan@contoso.example", "role": "presenter"},
        ]},
    }  # fmt: skip
    (stored,) = fake.meetings.values()
    roles = {a["upn"]: a["role"] for a in stored["participants"]["attendees"]}
    assert roles == {"lee@contoso.example": "attendee", "megan@contoso.example": "presenter"}


def test_live_row_a_refused_presenter_setting_keeps_the_lobby_and_says_which_failed(
    fake: FakeMicrosoft365, graph: GraphClient
) -> None:
    """Graph refuses the presenters (say, a guest who cannot present): the lobby is still
    applied, and the warning names the presenters and Graph's reason."""
    fake.add_fault("status", "/onlineMeetings/.+", method="PATCH", status=400,
                   code="BadRequest", body_holds="roleIsPresenter", times=2)  # fmt: skip
    wanted = request(attendees=("lee@contoso.example",), presenters=("guest@fabrikam.example",),
                     allowed_presenters="roleIsPresenter", lobby_bypass="invited")  # fmt: skip

    result = graph.create_meeting(wanted, "ext-refused")

    (stored,) = fake.meetings.values()
    assert stored["lobbyBypassSettings"]["scope"] == "invited"  # not lost with the presenters
    assert stored["allowedPresenters"] == "everyone"
    (warning,) = result.warnings
    assert warning.startswith(
        "The meeting was created and its link works, but its presenter setting "
        "(“roleIsPresenter”) was not applied: "
    )
    assert len(fake.requests_to("PATCH", "/onlineMeetings")) == 3  # the pair, then each


# -- row 3: calendar events by immutable id ----------------------------------------------------


def test_live_row_the_fake_keeps_immutable_ids_when_outlook_moves_an_event(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth
) -> None:
    with_calendar(signed_in)
    body = {"subject": "Review", "start": {"dateTime": "2026-12-01T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-01T09:30:00", "timeZone": "UTC"}}  # fmt: skip
    immutable = {"Prefer": 'IdType="ImmutableId"'}
    plain = raw(fake, signed_in, "POST", "/me/events", body, scope=CALENDAR).json()["id"]
    lasting = raw(fake, signed_in, "POST", "/me/events", {**body, "transactionId": "t2"},
                  immutable, scope=CALENDAR).json()["id"]  # fmt: skip

    fake.move_events()

    gone = raw(fake, signed_in, "DELETE", f"/me/events/{plain}", scope=CALENDAR)
    kept = raw(fake, signed_in, "DELETE", f"/me/events/{lasting}", headers=immutable,
               scope=CALENDAR)  # fmt: skip
    assert gone.status_code == 404
    assert kept.status_code == 204


def test_live_row_the_client_cancels_a_moved_event_by_its_immutable_id(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth, graph: GraphClient
) -> None:
    with_calendar(signed_in)
    created = graph.create_event(request(attendees=("lee@contoso.example",)), "tx-moved")
    for sent in [*fake.requests_to("POST", "/events"), *fake.requests_to("GET", "/events")]:
        assert sent.headers["prefer"] == 'IdType="ImmutableId"'

    fake.move_events()
    graph.delete_meeting(created.meeting)

    assert fake.events == {}
    (delete,) = fake.requests_to("DELETE", "/events")
    assert delete.headers["prefer"] == 'IdType="ImmutableId"'
