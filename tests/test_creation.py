"""One creation path: the :class:`Creation` value, and the first stage (no network) that
the service and the cold ``meettray now`` both run, on a real history file."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from meettray.creation import Creation
from meettray.handouts import SPARE_MAX_AGE, UPDATING_NOTE, Taken, first_stage
from meettray.history import HistoryStore, Spare
from meettray.meetings import Meeting, instant_request

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
KIND = "delegated https://login.example/common client https://graph.example"
ADELE = "adele@contoso.example"


@pytest.fixture
def history(tmp_path: Path) -> Iterator[HistoryStore]:
    store = HistoryStore(tmp_path / "history.sqlite3")
    yield store
    store.close()


def _spare(made: datetime = NOW, account: str = ADELE) -> Spare:
    meeting = Meeting(id="spare-1", join_url="https://teams.microsoft.com/l/meetup-join/1",
                      subject="Bridge", start=made, end=made + timedelta(minutes=30),
                      created_at=made)  # fmt: skip
    return Spare(account, KIND, meeting, "prepared-1", made)


def _stage(creation: Creation, history: HistoryStore, *, take_expired: bool = True,
           now: datetime = NOW) -> Taken:  # fmt: skip
    return first_stage(creation, history, organizer=ADELE, kind=KIND, now=now, prepare=True,
                       take_expired=take_expired)  # fmt: skip


def _request(subject: str = "Outage"):  # type: ignore[no-untyped-def]
    return instant_request("Bridge", 30, NOW + timedelta(minutes=5), subject)


def test_a_creation_says_what_it_may_become() -> None:
    now = Creation.meet_now(_request(), external_id="cli-1")
    assert (now.spare, now.retry, now.may_take_spare) == (True, False, True)
    again = Creation.meet_now(_request(), external_id="cli-1", retry=True)
    assert (again.spare, again.retry, again.may_take_spare) == (False, True, False)
    assert Creation.schedule(_request()).may_take_spare is False
    event = dataclasses.replace(_request(), calendar=True)
    assert Creation.meet_now(event).may_take_spare is False  # a calendar event: Graph's
    with pytest.raises(ValueError, match="by the id"):
        Creation(_request(), retry=True)
    with pytest.raises(ValueError, match="never takes the spare"):
        Creation(_request(), "cli-1", spare=True, retry=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        now.spare = False  # type: ignore[misc]


def test_meet_now_takes_the_spare_as_asked_for_its_id(history: HistoryStore) -> None:
    assert history.put_spare(_spare())

    taken = _stage(Creation.meet_now(_request("Outage"), external_id="cli-7"), history)

    assert taken.decided
    assert taken.stale is None
    assert taken.handout is not None
    assert (taken.handout.meeting.id, taken.handout.meeting.subject) == ("spare-1", "Outage")
    assert taken.handout.meeting.note == UPDATING_NOTE
    assert taken.handout.request_id == "cli-7"
    assert history.spares() == []
    assert [m.id for m in history.recent(5)] == ["spare-1"]  # in History at once
    assert history.handout_for("cli-7") == taken.handout  # a retry finds it by that id


def test_schedule_and_a_calendar_event_never_take_it(history: HistoryStore) -> None:
    assert history.put_spare(_spare())
    event = dataclasses.replace(_request(), calendar=True)

    for creation in (Creation.schedule(_request()), Creation.meet_now(event)):
        assert _stage(creation, history) == Taken()

    assert [s.meeting.id for s in history.spares()] == ["spare-1"]


def test_another_organizers_spare_is_left_alone(history: HistoryStore) -> None:
    assert history.put_spare(_spare(account="lee@contoso.example"))

    assert _stage(Creation.meet_now(_request()), history) == Taken()
    assert [s.account for s in history.spares()] == ["lee@contoso.example"]


def test_an_expired_spare_is_taken_only_by_whoever_can_delete_it(history: HistoryStore) -> None:
    old = _spare(NOW - SPARE_MAX_AGE - timedelta(minutes=1))
    assert history.put_spare(old)
    creation = Creation.meet_now(_request())

    cold = _stage(creation, history, take_expired=False)  # the command line: no network
    assert cold == Taken()
    assert not cold.decided
    assert history.spares() == [old]

    service = _stage(creation, history)  # the service deletes it on the server
    assert service == Taken(stale=old)
    assert not service.decided
    assert history.spares() == []
    assert history.recent(5) == []


def test_a_retry_gets_the_meeting_handed_out_for_its_id_and_never_a_spare(
    history: HistoryStore,
) -> None:
    assert history.put_spare(_spare())
    retry = Creation.meet_now(_request(), external_id="cli-9", retry=True)

    assert _stage(retry, history) == Taken()  # nothing was handed out for it: Graph, by id
    assert len(history.spares()) == 1  # the spare would be a second meeting

    handed = _stage(Creation.meet_now(_request(), external_id="cli-9"), history).handout
    assert handed is not None
    assert _stage(retry, history) == Taken(handed)


def test_a_busy_history_decides_graph_without_a_second_wait(history: HistoryStore) -> None:
    import sqlite3

    assert history.put_spare(_spare())
    holder = sqlite3.connect(history.path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another process's long write
        taken = _stage(Creation.meet_now(_request()), history)
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    assert taken == Taken(busy=True)
    assert taken.decided
    assert len(history.spares()) == 1
