"""The tray model under faults: a message each time, the last good state kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.service import MeetingService
from meettray.ui.app_model.intents import MeetNow
from meettray.ui.app_model.jobs import Failed
from meettray.ui.app_model.model import DEBOUNCE_SECONDS, AppModel
from meettray.ui.app_model.notices import Notice

from ..history_data import refuse_writes
from .conftest import Clock, RecordingClipboard, meet_now, on_service


def test_failures_are_told_and_the_app_keeps_working(
    model: AppModel, fake: FakeMicrosoft365, clock: Clock, qtbot: QtBot
) -> None:
    notes: list[tuple[str, str]] = []
    model.notify.connect(lambda notice: notes.append((notice.title, notice.text)))
    meet_now(model, qtbot)
    qtbot.waitUntil(lambda: len(model.state.recent) == 1, timeout=5000)
    good = model.state.recent

    for kind, options in (
        ("status", {"status": 503, "times": 10}),
        ("malformed", {}),
        ("drop_before", {"times": 10}),
    ):
        fake.add_fault(kind, "createOrGet", **options)
        clock.now += 2 * DEBOUNCE_SECONDS  # past the debounce
        op = model.dispatch(MeetNow())
        assert op is not None
        with qtbot.waitSignal(op.settled, timeout=30_000) as settled:
            pass
        assert isinstance(settled.args[0], Failed)
        assert notes[-1][0] == "No meeting was created"
        assert model.state.recent == good  # the last good state is kept
        fake.faults.clear()

    clock.now += 2 * DEBOUNCE_SECONDS  # past the debounce
    meet_now(model, qtbot)
    # All three failures may have acted on the server (503, an unreadable answer, a dropped
    # connection), but they are too young to settle: their requests could still be in
    # flight.  Once old enough they are settled, and history matches the server.

    def settle(service: MeetingService) -> tuple[int, set[str]]:
        pending = len(service.history.pending())
        service.reconcile(older_than=timedelta(0))
        return pending, {m.id for m in service.history.recent(10)}

    pending, ids = on_service(model, qtbot, settle)
    assert pending == 3
    assert ids == set(fake.meetings)


@pytest.mark.logs("could not note the pending action", "not saved to history")
def test_a_full_disk_still_copies_the_link(
    model: AppModel, clipboard: RecordingClipboard, qtbot: QtBot
) -> None:
    on_service(model, qtbot, lambda service: refuse_writes(service.history))
    notes: list[Notice] = []
    model.notify.connect(notes.append)

    delivered = meet_now(model, qtbot)

    assert clipboard.text == delivered.meeting.join_url
    assert "could not be saved (the disk is full or read-only)" in notes[-1].text
    assert "The link still works." in notes[-1].text
