"""Reading upcoming meetings from calendarView (graph/calendar.py), against the fake over
HTTPS with real msal and requests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from meettray.accounts import CALENDAR_READ, MEETINGS
from meettray.auth import AppOnlyAuth, DelegatedAuth, memory_token_cache
from meettray.config import AccountConfig
from meettray.demo.browser import FakeBrowser
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import ConsentRequired, GraphError
from meettray.graph import GraphClient
from meettray.upcoming import next_meeting, visible

from ..conftest import SleepRecorder

NOW = datetime.now(timezone.utc).replace(second=0, microsecond=0)


@pytest.fixture
def reader(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, sleeps: SleepRecorder
) -> GraphClient:
    cache, _ = memory_token_cache()
    signer = DelegatedAuth(account, cache, open_browser=browser)
    signer.sign_in_browser((MEETINGS, CALENDAR_READ), timeout=20)
    return GraphClient(fake.graph_endpoint, signer, sleep=sleeps, timeout=(2.0, 3.0))


def read(client: GraphClient) -> list:  # type: ignore[type-arg]
    return client.upcoming(NOW, NOW + timedelta(hours=12), account="adele@contoso.example")


def test_every_page_in_time_order_with_least_privilege(
    fake: FakeMicrosoft365, reader: GraphClient
) -> None:
    fake.calendar.demo_day(fake.signed_in_user, NOW)
    items = read(reader)
    assert [i.start for i in items] == sorted(i.start for i in items)
    assert len(items) == 8
    asked = fake.requests_to("GET", "/calendarView")
    assert len(asked) == 4  # pages of two
    first = asked[0]
    assert first.query["$select"][0].split(",") >= ["subject"]
    assert "onlineMeeting" in first.query["$select"][0].split(",")
    assert first.headers["prefer"] == 'outlook.timezone="UTC"'
    assert {"startDateTime", "endDateTime"} <= set(first.query)
    shown = visible(items, NOW)
    assert [i.subject for i in shown] == [
        "Daily stand-up", "1:1 with Aiko", "Design review", "Customer call (Zoom)",
        "Release planning",
    ]  # fmt: skip
    standup = shown[0]
    assert standup.in_progress(NOW)
    assert next_meeting(items, NOW) == standup
    assert str(standup.join_url).startswith("https://teams.")
    assert standup.web_link.startswith("https://outlook.office365.com/owa/")
    zoom = next(i for i in items if i.subject.startswith("Customer"))
    assert zoom.join_url is None
    assert zoom.organizer == "Sam Rivera"


def test_a_link_that_arrives_later_is_read_on_the_next_refresh(
    fake: FakeMicrosoft365, reader: GraphClient
) -> None:
    event = fake.calendar.add(fake.signed_in_user, "Planning", NOW + timedelta(minutes=30),
                              link_pending=True)  # fmt: skip
    (before,) = read(reader)
    assert before.join_url is None
    fake.calendar.add_link(event)
    (after,) = read(reader)
    assert after.join_url == event.join_url


def test_a_link_to_another_host_is_not_kept(fake: FakeMicrosoft365, reader: GraphClient) -> None:
    event = fake.calendar.add(fake.signed_in_user, "Phish", NOW + timedelta(minutes=30))
    event.join_url = "https://teams.microsoft.com.evil.example/l/meetup-join/x"
    fake.calendar.add(fake.signed_in_user, "Outlook only", NOW + timedelta(minutes=40))
    items = read(reader)
    assert items[0].join_url is None
    assert items[1].join_url is not None


@pytest.mark.logs("a next page on another host was not followed")
def test_a_next_page_on_another_host_is_not_followed(
    fake: FakeMicrosoft365, reader: GraphClient
) -> None:
    for minutes in (10, 20, 30):
        fake.calendar.add(fake.signed_in_user, f"M{minutes}", NOW + timedelta(minutes=minutes))
    elsewhere = "https://graph.evil.example/v1.0/me/calendarView?$skiptoken=x"
    fake.add_fault("rewrite", path="/calendarView", field="@odata.nextLink", value=elsewhere)
    assert len(read(reader)) == 2
    assert len(fake.requests_to("GET", "/calendarView")) == 1


def test_throttling_waits_as_graph_says(
    fake: FakeMicrosoft365, reader: GraphClient, sleeps: SleepRecorder
) -> None:
    fake.calendar.add(fake.signed_in_user, "Later", NOW + timedelta(minutes=30))
    fake.add_fault("status", path="/calendarView", status=429, code="TooManyRequests",
                   retry_after="7")  # fmt: skip
    assert [i.subject for i in read(reader)] == ["Later"]
    assert sleeps.waits == [7.0]


def test_without_calendar_consent_says_what_grants_it(
    fake: FakeMicrosoft365, graph: GraphClient
) -> None:
    with pytest.raises(ConsentRequired) as caught:
        read(graph)
    assert "meettray login --calendar" in caught.value.message
    assert caught.value.permissions == (CALENDAR_READ,)


def test_application_mode_reads_the_users_calendar_or_says_what_an_admin_grants(
    fake: FakeMicrosoft365, sleeps: SleepRecorder
) -> None:
    user = fake.add_user("ops@contoso.example", "Ops")
    fake.calendar.add(user, "Incident review", NOW + timedelta(hours=1))
    app = fake.add_app(secret="s3cret")
    account = AccountConfig(
        mode="application", client_id=app.client_id, authority=fake.authority,
        graph_endpoint=fake.graph_endpoint, user_id=user.oid,
    )  # fmt: skip

    def client_() -> GraphClient:
        signer = AppOnlyAuth(account, "s3cret", memory_token_cache()[0])
        return GraphClient(fake.graph_endpoint, signer, user_id=user.oid, sleep=sleeps)

    client = client_()
    with pytest.raises(GraphError) as refused:
        client.upcoming(NOW, NOW + timedelta(hours=12), account=user.oid)
    assert "Calendars.ReadBasic.All" in refused.value.message
    assert refused.value.request_id
    app.roles.add("Calendars.ReadBasic.All")
    client = client_()
    (item,) = client.upcoming(NOW, NOW + timedelta(hours=12), account=user.oid)
    assert item.subject == "Incident review"
    assert fake.requests_to("GET", f"/users/{user.oid}/calendarView")
