"""The next Meet now's meeting, made ahead of need (a "spare"), through the fake over HTTPS.

Its link is handed out with no network; a PATCH then gives it the subject and
times asked for.  It lives in the history database, never in History, and two
processes can never hand out the same one.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from meettray.auth import CacheStatus, DelegatedAuth
from meettray.config import Config, MeetingConfig
from meettray.creation import Creation
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.graph import GraphClient
from meettray.handouts import SPARE_MAX_AGE, spare_kind
from meettray.history import HistoryStore
from meettray.meetings import Meeting
from meettray.service import MeetingService

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _service(config: Config, signed_in: DelegatedAuth, graph: GraphClient, path: Path,
             clock: Clock) -> MeetingService:  # fmt: skip
    spare_on = Config(account=config.account,
                      meeting=MeetingConfig(subject="Bridge", prepare_next_link=True))  # fmt: skip
    return MeetingService(config=spare_on, authenticator=signed_in, graph=graph,
                          history=HistoryStore(path), cache_status=CacheStatus("memory", False, ""),
                          clock=clock)  # fmt: skip


@pytest.fixture
def service(
    config: Config, signed_in: DelegatedAuth, graph: GraphClient, tmp_path: Path, clock: Clock
) -> Iterator[MeetingService]:
    made = _service(config, signed_in, graph, tmp_path / "history.sqlite3", clock)
    yield made
    made.close()


def test_the_link_is_handed_out_before_any_network_and_the_patch_follows(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    assert service.prepare_spare() is True
    assert service.prepare_spare() is False  # one per account and mode
    (spare_id,) = fake.meetings
    assert service.recent(10) == []  # not in History
    requests_before = len(fake.requests)
    seen: list[tuple[Meeting, int]] = []

    created = service.make(
        Creation.meet_now(service.instant_request("Incident 4711")),
        on_link=lambda meeting: seen.append((meeting, len(fake.requests))),
    )

    ((handed, requests_then),) = seen
    assert requests_then == requests_before  # the link came with no request at all
    assert handed.id == spare_id
    assert handed.subject == "Incident 4711"
    (patch,) = fake.requests_to("PATCH", "/onlineMeetings")
    assert patch.json()["subject"] == "Incident 4711"
    assert patch.json()["startDateTime"] == "2026-11-30T09:00:00Z"
    assert patch.json()["endDateTime"] == "2026-11-30T10:00:00Z"
    assert fake.meetings[spare_id]["subject"] == "Incident 4711"
    assert created.warnings == ()
    assert [m.id for m in service.recent(10)] == [spare_id]  # in History once handed out
    assert list(fake.meetings) == [spare_id]  # no other meeting was made


def test_without_a_spare_meet_now_asks_graph_as_before(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    created = service.make(Creation.meet_now(service.instant_request()))

    assert created.meeting.id in fake.meetings
    assert fake.requests_to("POST", "createOrGet")


def test_schedule_never_takes_the_spare(fake: FakeMicrosoft365, service: MeetingService) -> None:
    service.prepare_spare()
    (spare_id,) = fake.meetings

    created = service.make(Creation(service.instant_request("Planned")))  # Schedule: no spare

    assert created.meeting.id != spare_id
    assert (
        service.history.take_spare(service._organizer(), spare_kind(service.config.account))
        is not None
    )


def _expired_spare(fake: FakeMicrosoft365, service: MeetingService, clock: Clock) -> str:
    """A spare made, then left past its age limit; its id."""
    service.prepare_spare()
    (old,) = fake.meetings
    clock.now += SPARE_MAX_AGE + timedelta(minutes=1)
    return old


def test_an_expired_spare_is_deleted_on_the_server_and_replaced(
    fake: FakeMicrosoft365, service: MeetingService, clock: Clock
) -> None:
    old = _expired_spare(fake, service, clock)

    assert service.prepare_spare() is True

    assert old not in fake.meetings  # deleted, its lobby locked first
    (new,) = fake.meetings
    created = service.make(Creation.meet_now(service.instant_request()))
    assert created.meeting.id == new


def test_an_expired_spare_is_never_handed_out(
    fake: FakeMicrosoft365, service: MeetingService, clock: Clock
) -> None:
    old = _expired_spare(fake, service, clock)

    created = service.make(Creation.meet_now(service.instant_request()))

    assert created.meeting.id != old
    assert old not in fake.meetings


def test_sign_out_deletes_the_spare_on_the_server_too(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    service.prepare_spare()

    service.sign_out()

    assert fake.meetings == {}
    assert service.history.spares() == []


def test_offline_a_click_still_gets_a_working_link(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    """The network is cut after the spare was made: the link is handed out all the same,
    and the warning says what Teams still shows."""
    service.prepare_spare()
    (spare_id,) = fake.meetings
    fake.add_fault("drop_before", "/onlineMeetings/", times=10)  # every attempt dropped

    created = service.make(Creation.meet_now(service.instant_request("Outage")))

    assert created.meeting.id == spare_id
    assert created.meeting.subject == "Outage"  # as asked, in History
    (warning,) = created.warnings
    assert warning.startswith("The link works, but Teams still shows the prepared meeting's")
    assert [m.subject for m in service.recent(5)] == ["Outage"]
    (row,) = service.recent(5)
    assert row.note.startswith(
        "Teams still shows the prepared meeting's subject and times "
        "(meettray updates them once Microsoft Graph answers again)"
    )


def test_the_patch_an_outage_held_back_is_made_when_graph_answers_again(
    fake: FakeMicrosoft365, service: MeetingService, clock: Clock
) -> None:
    service.prepare_spare()
    (spare_id,) = fake.meetings
    fake.add_fault("drop_before", "/onlineMeetings/", times=10)
    service.make(Creation.meet_now(service.instant_request("Outage")))
    assert fake.meetings[spare_id]["subject"] == "Bridge"  # as prepared
    assert service.finish_handouts() == []  # too young: its PATCH might still be on its way
    fake.faults.clear()  # the network is back
    clock.now += timedelta(minutes=5)

    (updated,) = service.finish_handouts()

    assert updated.id == spare_id
    assert fake.meetings[spare_id]["subject"] == "Outage"
    (row,) = service.recent(5)
    assert (row.subject, row.note) == ("Outage", "")  # History no longer warns
    assert service.finish_handouts() == []  # done once


def test_a_patch_graph_refuses_is_given_up_with_a_note_in_history(
    fake: FakeMicrosoft365, service: MeetingService, clock: Clock
) -> None:
    service.prepare_spare()
    fake.add_fault("status", "/onlineMeetings/", method="PATCH", status=403,
                   code="Forbidden", times=5)  # fmt: skip

    created = service.make(Creation.meet_now(service.instant_request("Outage")))

    (warning,) = created.warnings
    assert "(meettray gave up updating them)" in warning
    clock.now += timedelta(minutes=5)
    assert service.finish_handouts() == []  # not tried again
    assert len(fake.requests_to("PATCH", "/onlineMeetings")) == 1
    (row,) = service.recent(5)
    assert "gave up" in row.note


def test_a_command_whose_tray_died_gets_the_meeting_handed_out_for_it(
    fake: FakeMicrosoft365, config: Config, signed_in: DelegatedAuth, graph: GraphClient,
    tmp_path: Path, clock: Clock,
) -> None:  # fmt: skip
    """``meettray now`` via a tray: the tray takes the spare for the command's id, then
    dies before its PATCH (here: the network fails it) and before answering.  The command
    asks again by that id and gets the same meeting, finished; no second one is made."""
    path = tmp_path / "history.sqlite3"
    tray = _service(config, signed_in, graph, path, clock)
    tray.prepare_spare()
    (spare_id,) = fake.meetings
    fake.add_fault("drop_before", "/onlineMeetings/", times=10)
    handed = tray.make(Creation.meet_now(tray.instant_request("Outage"), external_id="cli-4711"))
    assert handed.meeting.id == spare_id
    tray.close()
    fake.faults.clear()
    command = _service(config, signed_in, graph, path, clock)
    seen: list[Meeting] = []

    asked = command.instant_request("Outage")
    again = command.make(Creation.meet_now(asked, external_id="cli-4711", retry=True),
                         on_link=seen.append)  # fmt: skip

    command.close()
    assert again.meeting.id == spare_id
    assert [m.id for m in seen] == [spare_id]
    assert list(fake.meetings) == [spare_id]  # no createOrGet made a second one
    assert fake.meetings[spare_id]["subject"] == "Outage"  # its PATCH made now
    assert again.warnings == ()


def test_a_command_whose_tray_answered_too_late_gets_the_same_meeting(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    """The tray finished (PATCH and History) but died before its answer went out."""
    service.prepare_spare()
    (spare_id,) = fake.meetings
    service.make(Creation.meet_now(service.instant_request("Outage"), external_id="cli-1"))
    patches = len(fake.requests_to("PATCH", "/onlineMeetings"))

    again = service.make(Creation.meet_now(service.instant_request("Outage"),
                                          external_id="cli-1", retry=True))  # fmt: skip

    assert again.meeting.id == spare_id
    assert again.meeting.subject == "Outage"
    assert len(fake.requests_to("PATCH", "/onlineMeetings")) == patches  # nothing sent again
    assert list(fake.meetings) == [spare_id]


def test_two_processes_taking_at_the_same_instant_get_it_once(
    fake: FakeMicrosoft365, service: MeetingService, tmp_path: Path
) -> None:
    """Two connections to one database file (as the tray and a CLI have), racing."""
    service.prepare_spare()
    stores = [HistoryStore(tmp_path / "history.sqlite3") for _ in range(8)]
    who, kind = service._organizer(), spare_kind(service.config.account)
    start = threading.Barrier(len(stores))
    taken: list[object] = []

    def take(store: HistoryStore) -> None:
        start.wait()
        taken.append(store.take_spare(who, kind))

    threads = [threading.Thread(target=take, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    for store in stores:
        store.close()

    assert len([t for t in taken if t is not None]) == 1
    assert len(taken) == len(stores)


def test_the_switch_off_makes_none(
    fake: FakeMicrosoft365, config: Config, signed_in: DelegatedAuth, graph: GraphClient,
    tmp_path: Path, clock: Clock,
) -> None:  # fmt: skip
    off = MeetingService(config=config, authenticator=signed_in, graph=graph,
                         history=HistoryStore(tmp_path / "h.sqlite3"),
                         cache_status=CacheStatus("memory", False, ""), clock=clock)  # fmt: skip
    try:
        assert off.prepare_spare() is False
        assert fake.meetings == {}
    finally:
        off.close()


def test_a_refused_setting_never_costs_the_handed_out_meeting_its_subject(
    fake: FakeMicrosoft365, service: MeetingService, graph: GraphClient
) -> None:
    """Subject, times and settings go in one PATCH; Graph refusing that (a setting it will
    not take) sends the subject and times alone, then the setting, named if refused."""
    made = graph.create_meeting(service.instant_request(), "spare-1")
    wanted = dataclasses.replace(service.instant_request("Customer call"), lobby_bypass="invited")
    fake.add_fault("status", "/onlineMeetings/.+", method="PATCH", status=400,
                   code="BadRequest", body_holds="lobbyBypassSettings", times=2)  # fmt: skip

    meeting, refused, missing = graph.hand_out(made.meeting, wanted)

    assert meeting.subject == "Customer call"
    stored = fake.meetings[made.meeting.id]
    assert stored["subject"] == "Customer call"
    (warning,) = refused
    assert "lobby" in warning
    assert [(m.name, m.asked, m.answered) for m in missing] == [("lobby", "invited", "")]
    bodies = [r.json() for r in fake.requests_to("PATCH", "/onlineMeetings")]
    assert ["lobbyBypassSettings" in b for b in bodies] == [True, False, True]
    assert "subject" not in bodies[2]


def test_signing_in_drops_another_persons_prepared_meeting(
    fake: FakeMicrosoft365, service: MeetingService
) -> None:
    """The command line's fast path takes the only spare there is before it knows who is
    signed in: a sign-in therefore leaves no one else's behind."""
    service.prepare_spare()
    (mine,) = service.history.spares()
    service.history.drop_spare(mine)
    other = dataclasses.replace(mine, account="lee@fabrikam.example")
    assert service.history.put_spare(other)

    service.sign_in_browser()

    assert service.history.spares() == []
