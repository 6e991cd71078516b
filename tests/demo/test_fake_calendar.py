"""The fake's calendarView behaves as live Graph does (graph-notes, live behaviours round 3),
seen over HTTPS with real tokens from the real msal."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from meettray.accounts import CALENDAR_READ, MEETINGS
from meettray.auth import AppOnlyAuth, DelegatedAuth, memory_token_cache
from meettray.config import AccountConfig
from meettray.demo.browser import FakeBrowser
from meettray.demo.fake365 import FakeMicrosoft365

NOW = datetime.now(timezone.utc).replace(microsecond=0)
WINDOW = {
    "startDateTime": (NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "endDateTime": (NOW + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ"),
}


@pytest.fixture
def reader(account: AccountConfig, browser: FakeBrowser) -> DelegatedAuth:
    cache, _ = memory_token_cache()
    signer = DelegatedAuth(account, cache, open_browser=browser)
    signer.sign_in_browser((MEETINGS, CALENDAR_READ), timeout=20)
    return signer


def get(fake: FakeMicrosoft365, url: str, token: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return requests.get(url, headers=headers, timeout=10, **kwargs)


def test_both_times_are_required(fake: FakeMicrosoft365, reader: DelegatedAuth) -> None:
    token = reader.token((CALENDAR_READ,))
    url = f"{fake.graph_endpoint}/me/calendarView"
    only_start = get(fake, url, token, params={"startDateTime": WINDOW["startDateTime"]})
    assert only_start.status_code == 400
    assert only_start.json()["error"]["code"] == "ErrorInvalidParameters"
    assert get(fake, url, token, params=WINDOW).status_code == 200


def test_a_token_without_a_calendar_permission_is_refused(
    fake: FakeMicrosoft365, signed_in: DelegatedAuth
) -> None:
    answer = get(fake, f"{fake.graph_endpoint}/me/calendarView", signed_in.token((MEETINGS,)),
                 params=WINDOW)  # fmt: skip
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "ErrorAccessDenied"


def test_pages_of_two_select_and_the_time_zone(
    fake: FakeMicrosoft365, reader: DelegatedAuth
) -> None:
    fake.calendar.demo_day(fake.signed_in_user, NOW)
    token = reader.token((CALENDAR_READ,))
    url: str | None = f"{fake.graph_endpoint}/me/calendarView"
    params: dict[str, str] | None = {**WINDOW, "$select": "subject,start,end,onlineMeeting"}
    headers = {"Prefer": 'outlook.timezone="Pacific Standard Time"'}
    seen: list[dict[str, Any]] = []
    pages = 0
    while url:
        body = get(fake, url, token, params=params, headers=headers).json()
        assert len(body["value"]) <= 2
        seen.extend(body["value"])
        url, params, pages = body.get("@odata.nextLink"), None, pages + 1
    assert pages >= 3
    assert {"subject", "start", "end", "onlineMeeting", "id"} >= set(seen[0]) - {"@odata.etag"}
    assert "webLink" not in seen[0]
    assert all(e["start"]["timeZone"] == "Pacific Standard Time" for e in seen)
    subjects = [e["subject"] for e in seen]
    assert "Daily stand-up" in subjects
    starts = [e["start"]["dateTime"] for e in seen]
    assert starts != sorted(starts)  # calendarView promises no order: the client sorts
    pending = next(e for e in seen if e["subject"] == "Release planning")
    assert pending["onlineMeeting"] is None


def test_the_live_flags_are_there(fake: FakeMicrosoft365, reader: DelegatedAuth) -> None:
    fake.calendar.demo_day(fake.signed_in_user, NOW)
    token = reader.token((CALENDAR_READ,))
    url: str | None = f"{fake.graph_endpoint}/me/calendarView"
    params: dict[str, str] | None = WINDOW
    seen: dict[str, dict[str, Any]] = {}
    while url:
        body = get(fake, url, token, params=params).json()
        seen.update({e["subject"]: e for e in body["value"]})
        url, params = body.get("@odata.nextLink"), None
    assert seen["Team lunch"]["isCancelled"] is True
    assert seen["Budget sync"]["responseStatus"]["response"] == "declined"
    zoom = seen["Customer call (Zoom)"]
    assert (zoom["onlineMeetingProvider"], zoom["onlineMeeting"]) == ("unknown", None)
    assert seen["Company offsite"]["isAllDay"] is True
    teams = seen["1:1 with Aiko"]
    assert teams["onlineMeetingUrl"] is None
    assert teams["onlineMeeting"]["joinUrl"].startswith("https://teams.microsoft.com/l/")
    assert seen["Daily stand-up"]["start"]["timeZone"] == "UTC"


def test_app_only_needs_an_application_permission(fake: FakeMicrosoft365) -> None:
    user = fake.add_user("ops@contoso.example", "Ops")
    fake.calendar.add(user, "Incident review", NOW + timedelta(hours=1))
    app = fake.add_app(secret="s3cret")
    account = AccountConfig(
        mode="application", client_id=app.client_id, authority=fake.authority,
        graph_endpoint=fake.graph_endpoint, user_id=user.oid,
    )  # fmt: skip
    cache, _ = memory_token_cache()
    signer = AppOnlyAuth(account, "s3cret", cache)
    url = f"{fake.graph_endpoint}/users/{user.oid}/calendarView"
    assert get(fake, url, signer.token(()), params=WINDOW).status_code == 403
    app.roles.add("Calendars.ReadBasic.All")
    signer = AppOnlyAuth(account, "s3cret", memory_token_cache()[0])
    answer = get(fake, url, signer.token(()), params=WINDOW)
    assert answer.status_code == 200
    assert [e["subject"] for e in answer.json()["value"]] == ["Incident review"]
