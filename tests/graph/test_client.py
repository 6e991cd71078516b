"""The Graph client against the fake: requests, retries, and every error class."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from meettray.auth import DelegatedAuth
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import GraphError, NetworkError, SignInRequired
from meettray.graph import GraphClient, retry_delay
from meettray.meetings import MeetingRequest

from ..conftest import SleepRecorder

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def request(**changes: object) -> MeetingRequest:
    base = MeetingRequest(subject="Standup", start=NOW, end=NOW + timedelta(minutes=15))
    return MeetingRequest(**{**base.__dict__, **changes})


def test_create_sends_create_or_get_with_external_id(
    fake: FakeMicrosoft365, graph: GraphClient
) -> None:
    result = graph.create_meeting(request(), "ext-1", account="adele")

    (post,) = fake.requests_to("POST", "/onlineMeetings")
    assert post.path.endswith("/me/onlineMeetings/createOrGet")
    assert post.json() == {
        "externalId": "ext-1",
        "subject": "Standup",
        "startDateTime": "2026-11-23T09:00:00Z",
        "endDateTime": "2026-11-23T09:15:00Z",
    }
    assert post.headers["client-request-id"]
    meeting = result.meeting
    assert meeting.join_url.startswith("https://teams.microsoft.com/l/meetup-join/")
    assert meeting.id in fake.meetings
    assert meeting.meeting_code
    assert meeting.passcode == ""  # createOrGet gives none unless asked (live, round 3)
    assert meeting.dial_in
    assert meeting.start == NOW
    assert result.existed is False


def test_the_connection_is_kept_alive(fake: FakeMicrosoft365, graph: GraphClient) -> None:
    for n in range(3):
        graph.create_meeting(request(), f"ext-{n}")

    peers = {r.peer for r in fake.requests_to("POST", "createOrGet")}
    assert len(peers) == 1  # all three over one TLS connection


def test_settings_createorget_lacks_are_patched_after(
    fake: FakeMicrosoft365, graph: GraphClient
) -> None:
    result = graph.create_meeting(
        request(lobby_bypass="everyone", allowed_presenters="organizer"), "ext-2"
    )

    (patch,) = fake.requests_to("PATCH", "/onlineMeetings/")
    assert patch.json() == {
        "lobbyBypassSettings": {"scope": "everyone", "isDialInBypassEnabled": False},
        "allowedPresenters": "organizer",
    }
    stored = fake.meetings[result.meeting.id]
    assert stored["lobbyBypassSettings"]["scope"] == "everyone"
    assert result.warnings == ()


def test_a_failed_patch_keeps_the_meeting_and_warns(
    fake: FakeMicrosoft365, graph: GraphClient
) -> None:
    fake.add_fault("status", "/onlineMeetings/.+", method="PATCH", status=400, code="BadRequest")

    result = graph.create_meeting(request(lobby_bypass="everyone"), "ext-3")

    assert result.meeting.join_url
    assert "lobby setting (“everyone”) was not applied" in result.warnings[0]


def test_retry_after_is_honoured(
    fake: FakeMicrosoft365, graph: GraphClient, sleeps: SleepRecorder
) -> None:
    fake.add_fault(
        "status", "createOrGet", status=429, code="TooManyRequests", retry_after="7", times=2
    )

    result = graph.create_meeting(request(), "ext-4")

    assert sleeps.waits == [7.0, 7.0]
    assert len(fake.requests_to("POST", "createOrGet")) == 3
    assert len(fake.meetings) == 1
    assert result.meeting.id in fake.meetings


def test_a_huge_retry_after_is_not_waited_for(
    fake: FakeMicrosoft365, graph: GraphClient, sleeps: SleepRecorder
) -> None:
    fake.add_fault("status", "createOrGet", status=429, code="TooManyRequests", retry_after="3600")

    with pytest.raises(GraphError, match="busy") as caught:
        graph.create_meeting(request(), "ext-5")

    assert sleeps.waits == []
    assert caught.value.status == 429
    assert caught.value.request_id


def test_backoff_without_retry_after_is_bounded() -> None:
    delays = [retry_delay(n, None, rng=lambda: 0.5) for n in range(4)]
    assert delays == [0.5, 1.0, 2.0, 4.0]
    assert retry_delay(0, "2") == 2.0
    assert retry_delay(0, "not a date", rng=lambda: 0.5) == 0.5  # unreadable: backoff


def test_live_row_retry_after_may_be_an_http_date(
    fake: FakeMicrosoft365, graph: GraphClient, sleeps: SleepRecorder
) -> None:
    """graph-notes, live behaviours: Retry-After may be an HTTP date (RFC 9110)."""
    from email.utils import format_datetime

    now = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
    assert retry_delay(0, "Sun, 22 Nov 2026 10:00:07 GMT", now=now) == 7.0
    assert retry_delay(0, "Sun, 22 Nov 2026 09:59:00 GMT", now=now) == 0.0  # already past

    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=5), usegmt=True)
    fake.add_fault("status", "createOrGet", status=429, code="TooManyRequests", retry_after=later)
    graph.create_meeting(request(), "ext-date")
    (waited,) = sleeps.waits
    assert 3.0 <= waited <= 5.0  # the date, not the 0.5 s backoff


def test_repeated_5xx_gives_up_with_a_clear_message(
    fake: FakeMicrosoft365, graph: GraphClient, sleeps: SleepRecorder
) -> None:
    fake.add_fault("status", "createOrGet", status=503, code="ServiceUnavailable", times=10)

    with pytest.raises(GraphError, match="Microsoft Teams is busy right now") as caught:
        graph.create_meeting(request(), "ext-6")

    assert len(fake.requests_to("POST", "createOrGet")) == 4
    assert len(sleeps.waits) == 3
    assert caught.value.request_id


def test_dropped_connection_after_the_work_leaves_one_meeting(
    fake: FakeMicrosoft365, graph: GraphClient
) -> None:
    fake.add_fault("drop_after", "createOrGet")

    result = graph.create_meeting(request(), "ext-7")

    assert len(fake.requests_to("POST", "createOrGet")) == 2
    assert len(fake.meetings) == 1
    assert result.existed is True  # the retry found the meeting the first try made
    assert result.meeting.id in fake.meetings


def test_dropped_connection_before_the_work_is_retried(
    fake: FakeMicrosoft365, graph: GraphClient
) -> None:
    fake.add_fault("drop_before", "createOrGet")

    result = graph.create_meeting(request(), "ext-7b")

    assert len(fake.requests_to("POST", "createOrGet")) == 2
    assert list(fake.meetings) == [result.meeting.id]
    assert result.existed is False


def test_read_timeout_after_the_work_leaves_one_meeting(
    fake: FakeMicrosoft365, graph: GraphClient
) -> None:
    fake.add_fault("delay", "createOrGet", delay=4.0)  # longer than the 3 s read timeout

    result = graph.create_meeting(request(), "ext-8")

    assert len(fake.meetings) == 1
    assert result.meeting.id in fake.meetings


def test_calendar_event_retried_after_a_drop_is_one_event(
    fake: FakeMicrosoft365, graph: GraphClient, signed_in: object
) -> None:
    signed_in.sign_in_browser(  # type: ignore[attr-defined]
        ["OnlineMeetings.ReadWrite", "Calendars.ReadWrite"], timeout=20
    )
    fake.add_fault("drop_after", "/me/events")

    result = graph.create_event(request(calendar=True), "tx-1")

    posts = fake.requests_to("POST", "/me/events")
    assert len(posts) == 2
    assert {p.json()["transactionId"] for p in posts} == {"tx-1"}
    assert list(fake.events) == [result.meeting.id]  # one event, one set of invitations


def test_calendar_event_carries_invitations_and_link(
    fake: FakeMicrosoft365, graph: GraphClient, signed_in: object
) -> None:
    signed_in.sign_in_browser(  # type: ignore[attr-defined]
        ["OnlineMeetings.ReadWrite", "Calendars.ReadWrite"], timeout=20
    )

    result = graph.create_event(request(attendees=("a@example.com",), calendar=True), "tx-2")

    (post,) = fake.requests_to("POST", "/me/events")
    body = post.json()
    assert body["isOnlineMeeting"] is True
    assert body["onlineMeetingProvider"] == "teamsForBusiness"
    assert body["attendees"] == [{"emailAddress": {"address": "a@example.com"}, "type": "required"}]
    assert body["start"] == {"dateTime": "2026-11-23T09:00:00", "timeZone": "UTC"}
    assert body["transactionId"] == "tx-2"
    assert result.meeting.is_calendar_event
    assert result.meeting.start == NOW
    assert result.meeting.join_url.startswith("https://")


def test_live_row_an_event_whose_teams_link_comes_late(
    fake: FakeMicrosoft365, graph: GraphClient, signed_in: object, sleeps: SleepRecorder
) -> None:
    """graph-notes, live behaviours: POST /me/events can answer 201 with onlineMeeting null
    and add the Teams link moments later: read the event back; never post it again."""
    signed_in.sign_in_browser(  # type: ignore[attr-defined]
        ["OnlineMeetings.ReadWrite", "Calendars.ReadWrite"], timeout=20
    )
    fake.graph.event_link_after_reads = 2

    result = graph.create_event(request(calendar=True), "tx-late")

    assert len(fake.requests_to("POST", "/me/events")) == 1
    reads = fake.requests_to("GET", "/me/events/")
    assert len(reads) == 2
    assert reads[0].query["$select"] == ["onlineMeeting,isOnlineMeeting,webLink"]
    assert result.meeting.join_url.startswith("https://teams.microsoft.com/l/meetup-join/")
    assert result.warnings == ()
    assert sleeps.waits == [0.5, 1.0]


def test_live_row_an_event_that_never_gets_a_teams_link_is_kept_and_explained(
    fake: FakeMicrosoft365, graph: GraphClient, signed_in: object, sleeps: SleepRecorder
) -> None:
    """graph-notes, live behaviours: no Teams link ever (allowedOnlineMeetingProviders lacks
    Teams): keep the event, invitations are out; say why; never create a second one."""
    signed_in.sign_in_browser(  # type: ignore[attr-defined]
        ["OnlineMeetings.ReadWrite", "Calendars.ReadWrite"], timeout=20
    )
    fake.graph.event_link_after_reads = None

    result = graph.create_event(request(calendar=True), "tx-never")

    assert len(fake.requests_to("POST", "/me/events")) == 1
    assert list(fake.events) == [result.meeting.id]
    assert result.meeting.join_url.startswith("https://outlook.office365.com/owa/")
    (warning,) = result.warnings
    assert "allowedOnlineMeetingProviders" in warning
    assert "invitations were sent" in warning
    assert sum(sleeps.waits) < 10  # a few seconds of read-back, then an answer


def test_expired_token_is_refreshed_once(fake: FakeMicrosoft365, graph: GraphClient) -> None:
    graph.create_meeting(request(), "ext-9")
    fake.expire_access_tokens()

    graph.create_meeting(request(), "ext-10")

    statuses = [r.path for r in fake.requests_to("POST", "createOrGet")]
    assert len(statuses) == 3  # ok, 401, ok after refresh
    grants = [r.form()["grant_type"] for r in fake.requests_to("POST", "/token")]
    assert grants[-1] == "refresh_token"


def test_revoked_sign_in_after_401_asks_to_sign_in(
    fake: FakeMicrosoft365, graph: GraphClient
) -> None:
    fake.expire_access_tokens()
    fake.revoke_refresh_tokens()

    with pytest.raises(SignInRequired):
        graph.create_meeting(request(), "ext-11")
    assert fake.meetings == {}


def test_missing_permission_is_explained(fake: FakeMicrosoft365, graph: GraphClient) -> None:
    fake.signed_in_user.guest = True

    with pytest.raises(GraphError, match="not allowed to create Teams meetings") as caught:
        graph.create_meeting(request(), "ext-12")

    assert caught.value.status == 403
    assert caught.value.code == "Forbidden"
    assert caught.value.request_id


def test_delete_and_404(fake: FakeMicrosoft365, graph: GraphClient) -> None:
    meeting = graph.create_meeting(request(), "ext-13").meeting
    graph.delete_meeting(meeting)
    assert fake.meetings == {}

    with pytest.raises(GraphError, match="no longer exists") as caught:
        graph.delete_meeting(meeting)
    assert caught.value.status == 404


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("malformed", "could not read"),
        ("no_join_url", "no join link"),
        ("http_join_url", "not a secure https"),
        ("huge", "unexpectedly large"),
    ],
)
def test_damaged_answers_are_rejected(
    fake: FakeMicrosoft365, graph: GraphClient, kind: str, message: str
) -> None:
    fake.add_fault(kind, "createOrGet")

    with pytest.raises(GraphError, match=message):
        graph.create_meeting(request(), "ext-14")

    # Retrying the same action is safe: it returns the same single meeting.
    again = graph.create_meeting(request(), "ext-14")
    assert len(fake.meetings) == 1
    assert again.existed


def test_beta_shape_join_url_is_read(fake: FakeMicrosoft365, graph: GraphClient) -> None:
    fake.join_url_field = "joinUrl"

    meeting = graph.create_meeting(request(), "ext-15").meeting

    assert meeting.join_url.startswith("https://teams.microsoft.com/")


def test_connection_refused_is_a_network_error(signed_in: object, sleeps: SleepRecorder) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = GraphClient(f"https://127.0.0.1:{port}/v1.0", signed_in, sleep=sleeps)  # type: ignore[arg-type]

    with pytest.raises(NetworkError, match="cannot be reached"):
        client.create_meeting(request(), "ext-16")
    assert len(sleeps.waits) == 3  # never sent: safe to retry


def app_only_client(fake: FakeMicrosoft365, user_id: str) -> GraphClient:
    """A Graph client in application mode, acting for ``user_id``."""
    from meettray.auth import AppOnlyAuth, memory_token_cache
    from meettray.config import AccountConfig

    fake.add_app("daemon", secret="Daemon-Secret-1")
    config = AccountConfig(mode="application", client_id="daemon", authority=fake.authority,
                           graph_endpoint=fake.graph_endpoint, user_id=user_id)  # fmt: skip
    return GraphClient(fake.graph_endpoint,
                       AppOnlyAuth(config, "Daemon-Secret-1", memory_token_cache()[0]),
                       user_id=user_id)  # fmt: skip


def test_app_only_creates_for_the_configured_user(fake: FakeMicrosoft365) -> None:
    # The object ID: what /users/{userId} takes.
    client = app_only_client(fake, "6e1c1f5e-54a4-4c43-8b39-7f3b1c1d2a01")

    meeting = client.create_meeting(request(), "ext-17").meeting

    (post,) = fake.requests_to("POST", "createOrGet")
    assert (
        post.path == "/v1.0/users/6e1c1f5e-54a4-4c43-8b39-7f3b1c1d2a01/onlineMeetings/createOrGet"
    )
    assert fake.meetings[meeting.id]["_organizer"] == fake.signed_in_user.oid

    fake.signed_in_user.app_policy_granted = False
    with pytest.raises(GraphError, match="application access policy") as caught:
        client.create_meeting(request(), "ext-18")
    assert "takes up to 30 minutes to apply" in caught.value.message  # live, round 2


def test_live_row_users_path_takes_the_object_id_and_a_upn_is_404(fake: FakeMicrosoft365) -> None:
    """graph-notes, live behaviours: /users/{userId} takes the object ID; a UPN answers 404."""
    client = app_only_client(fake, "adele@contoso.example")

    with pytest.raises(GraphError) as caught:
        client.create_meeting(request(), "ext-upn")

    assert caught.value.status == 404
    assert "object ID" in caught.value.message
    assert "Users → the user → Object ID" in caught.value.message
    assert "no longer exists" not in caught.value.message
    assert fake.meetings == {}


def test_live_row_an_unknown_join_link_is_404_and_proves_access(
    fake: FakeMicrosoft365, graph: GraphClient
) -> None:
    """graph-notes, live behaviours: $filter=JoinWebUrl for an unknown link answers 404 or 400;
    both prove the token and the permission work; only 401 and 403 mean they don't."""
    assert graph.check_access()  # the fake answers 404, as Graph does
    (probe,) = fake.requests_to("GET", "/onlineMeetings")
    assert probe.query["$filter"][0].startswith("JoinWebUrl eq ")

    fake.add_fault("status", "onlineMeetings", status=400, code="BadRequest")
    assert graph.check_access()

    fake.add_fault("status", "onlineMeetings", status=403, code="Forbidden")
    with pytest.raises(GraphError) as refused:
        graph.check_access()
    assert refused.value.status == 403


def test_live_row_a_404_on_create_is_the_organizer_or_mailbox_never_a_missing_meeting(
    fake: FakeMicrosoft365, graph: GraphClient
) -> None:
    """graph-notes, live behaviours: 404 on a create means an unknown organizer or
    MailboxNotEnabledForRESTAPI; branch on method and error.code."""
    fake.add_fault("status", "createOrGet", status=404, code="MailboxNotEnabledForRESTAPI")
    with pytest.raises(GraphError) as mailbox:
        graph.create_meeting(request(), "ext-mbx")
    assert "mailbox" in mailbox.value.message
    assert "no longer exists" not in mailbox.value.message

    fake.add_fault("status", "createOrGet", status=404, code="NotFound")
    with pytest.raises(GraphError) as unknown:
        graph.create_meeting(request(), "ext-404")
    assert "no longer exists" not in unknown.value.message
    assert "Teams account" in unknown.value.message


def test_live_row_presenters_reach_graph_with_their_role(
    fake: FakeMicrosoft365, graph: GraphClient, signed_in: DelegatedAuth
) -> None:
    """graph-notes, live behaviours: allowedPresenters roleIsPresenter only works together
    with participants.attendees that carry role presenter; the fake refuses it otherwise."""
    from meettray.meetings import build_schedule

    wanted = build_schedule(subject="Review", start="2030-01-01T10:00Z", duration_minutes=30,
                            presenters=["pat@contoso.example"])  # fmt: skip
    result = graph.create_meeting(wanted, "ext-pres")

    assert result.warnings == ()
    stored = fake.meetings[result.meeting.id]
    assert stored["allowedPresenters"] == "roleIsPresenter"
    assert {"upn": "pat@contoso.example", "role": "presenter"} in stored["participants"][
        "attendees"
    ]

    bare = graph.create_meeting(request(), "ext-bare").meeting
    refused = requests_patch(fake, graph, bare.id, {"allowedPresenters": "roleIsPresenter"})
    assert refused == 400  # as Graph: no attendee has the presenter role


def requests_patch(
    fake: FakeMicrosoft365, graph: GraphClient, meeting_id: str, body: object
) -> int:
    """A raw PATCH with the client's own token, to see the fake's answer itself."""
    from urllib.parse import quote

    import requests

    token = graph._transport._tokens.token(["OnlineMeetings.ReadWrite"])
    answer = requests.patch(
        f"{fake.graph_endpoint}/me/onlineMeetings/{quote(meeting_id, safe='')}",
        json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10,
    )  # fmt: skip
    return answer.status_code
