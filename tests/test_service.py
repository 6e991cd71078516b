"""The app model: Graph, history and sign-in working together."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from meettray.auth import CacheStatus, DelegatedAuth
from meettray.config import Config, MeetingConfig
from meettray.creation import Creation
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import GraphError, NetworkError
from meettray.graph import GraphClient
from meettray.history import HistoryStore
from meettray.meetings import build_schedule
from meettray.service import MeetingService

from .history_data import pragma, refuse_writes, stored

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def service(
    config: Config, signed_in: DelegatedAuth, graph: GraphClient, tmp_path: Path
) -> Iterator[MeetingService]:
    config = Config(
        account=config.account,
        meeting=MeetingConfig(
            subject="Bridge {date}", duration_minutes=20, prepare_next_link=False
        ),
    )
    made = MeetingService(
        config=config,
        authenticator=signed_in,
        graph=graph,
        history=HistoryStore(tmp_path / "history.sqlite3"),
        cache_status=CacheStatus("memory", False, ""),
        clock=lambda: NOW,
    )
    yield made
    made.close()


def test_meet_now_creates_and_remembers(fake: FakeMicrosoft365, service: MeetingService) -> None:
    created = service.make(Creation(service.instant_request()))

    meeting = created.meeting
    assert meeting.subject == f"Bridge {NOW.astimezone():%Y-%m-%d}"
    assert meeting.end - meeting.start == timedelta(minutes=20)  # type: ignore[operator]
    assert meeting.account == "adele@contoso.example"
    assert created.warnings == ()
    assert service.history.recent(5) == [meeting]
    assert list(fake.meetings) == [meeting.id]


def test_each_action_gets_its_own_external_id(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    service.make(Creation(service.instant_request()))
    service.make(Creation(service.instant_request()))
    ids = {r.json()["externalId"] for r in fake.requests_to("POST", "createOrGet")}
    assert len(ids) == 2
    assert len(fake.meetings) == 2


def test_drop_after_creation_leaves_one_meeting_and_one_row(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    fake.add_fault("drop_after", "createOrGet")

    created = service.make(Creation(service.instant_request()))

    assert len(fake.meetings) == 1
    assert service.history.count() == 1
    assert service.history.recent(1)[0].id == created.meeting.id


@pytest.mark.logs("could not note the pending action", "not saved to history")
def test_history_failure_keeps_the_link(fake: FakeMicrosoft365, service: MeetingService) -> None:
    refuse_writes(service.history)  # SQLite now refuses every write

    created = service.make(Creation(service.instant_request()))

    assert created.meeting.join_url.startswith("https://")
    assert created.meeting.id in fake.meetings
    assert "could not be saved (the disk is full or read-only)" in created.warnings[0]
    assert "The link still works." in created.warnings[0]


def test_schedule_with_calendar_asks_for_calendar_permission(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    service.auth.sign_in_browser(["OnlineMeetings.ReadWrite", "Calendars.ReadWrite"])  # type: ignore[union-attr]
    request = build_schedule(
        subject="Review",
        start="2026-12-01T10:00Z",
        duration_minutes=30,
        attendees=["b@example.com"],
        calendar=True,
    )

    created = service.make(Creation(request))

    assert created.meeting.is_calendar_event
    assert list(fake.events) == [created.meeting.id]
    assert stored(service.history, created.meeting.id) == created.meeting


def test_cancel_removes_from_server_and_history(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    meeting = service.make(Creation(service.instant_request())).meeting

    service.cancel(meeting)

    assert fake.meetings == {}
    assert service.history.count() == 0


def test_cancel_of_a_meeting_already_gone_cleans_history(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    meeting = service.make(Creation(service.instant_request())).meeting
    fake.meetings.clear()

    service.cancel(meeting)

    assert service.history.count() == 0


def test_cancel_failure_keeps_history(fake: FakeMicrosoft365, service: MeetingService) -> None:
    meeting = service.make(Creation(service.instant_request())).meeting
    fake.add_fault("status", "onlineMeetings/", method="DELETE", status=403, code="Forbidden")

    with pytest.raises(GraphError):
        service.cancel(meeting)

    assert service.history.count() == 1


def test_the_link_is_handed_over_before_history_is_written(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    seen: list[tuple[str, int]] = []

    created = service.make(
        Creation(service.instant_request()),
        on_link=lambda meeting: seen.append((meeting.id, service.history.count())),
    )

    assert seen == [(created.meeting.id, 0)]  # before the row: off the click's critical path
    assert service.history.count() == 1  # ... and the row still happens


def test_an_action_still_in_flight_is_never_settled(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    from meettray.meetings import build_schedule

    request = build_schedule(subject="In flight", start="2030-01-01T10:00Z", duration_minutes=5)
    service.history.add_pending("ext-flying", request.to_json(), "adele", NOW)

    assert service.reconcile() == []  # noted just now: its request may still be on its way
    assert len(service.history.pending()) == 1
    assert fake.requests_to("POST", "createOrGet") == []


@pytest.mark.logs("recovered meeting .* not saved yet")
def test_a_recovered_meeting_that_cannot_be_saved_stays_pending(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    """Was: reconcile took the pending entry before saving the meeting, so a failed save
    (a locked database) lost it for good, and the command that printed a link failed."""
    fake.add_fault("drop_after", "createOrGet", times=10)  # made, but every answer lost
    with pytest.raises(NetworkError):
        service.make(Creation(service.instant_request()))
    assert len(service.history.pending()) == 1
    fake.faults.clear()
    pragma(service.history, "CREATE TEMP TRIGGER refuse BEFORE INSERT ON meetings "
                            "BEGIN SELECT RAISE(ABORT, 'database is locked'); END")  # fmt: skip

    assert service.reconcile(older_than=timedelta(0)) == []  # no exception, nothing lost
    assert len(service.history.pending()) == 1

    pragma(service.history, "DROP TRIGGER refuse")
    (recovered,) = service.reconcile(older_than=timedelta(0))
    assert recovered.id in fake.meetings
    assert service.history.pending() == []
    assert stored(service.history, recovered.id) == recovered


def test_cancel_locks_the_lobby_before_deleting(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    """Deleting an online meeting leaves its link working (live behaviours, round 1), so
    the lobby is set to the organizer first: whoever opens the link later waits."""
    meeting = service.make(Creation(service.instant_request())).meeting

    service.cancel(meeting)

    sent = [
        r for r in fake.requests if r.method in ("PATCH", "DELETE") and "onlineMeetings" in r.path
    ]
    assert [r.method for r in sent] == ["PATCH", "DELETE"]
    assert sent[0].json()["lobbyBypassSettings"]["scope"] == "organizer"
    assert meeting.id not in fake.meetings
    assert stored(service.history, meeting.id) is None


def test_live_row_an_event_outlook_no_longer_finds_is_never_taken_as_cancelled(
    fake: FakeMicrosoft365, service: MeetingService, signed_in: DelegatedAuth
) -> None:
    """A 404 for a calendar event: no cancellation reached the people invited, so the
    person is told, and the entry stays (live behaviours, round 2)."""
    signed_in.sign_in_browser(["OnlineMeetings.ReadWrite", "Calendars.ReadWrite"], timeout=20)
    request = build_schedule(subject="Review", start="2026-12-01T10:00Z", duration_minutes=30,
                             attendees=["lee@contoso.example"], calendar=True)  # fmt: skip
    meeting = service.make(Creation(request)).meeting
    fake.events.clear()  # deleted in Outlook, or moved where this id no longer reaches

    with pytest.raises(GraphError) as caught:
        service.cancel(meeting)

    assert caught.value.message.startswith(
        "No cancellation was sent: Outlook did not find the event “Review”."
    )
    assert caught.value.request_id
    assert stored(service.history, meeting.id) is not None  # still in History
