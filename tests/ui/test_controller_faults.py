"""The tray controller under faults: a message each time, the last good state kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.ui.app_model.controller import DEBOUNCE_SECONDS, AppController
from meettray.ui.app_model.notices import Notice

from ..history_data import refuse_writes
from .conftest import Clock, RecordingClipboard


def test_failures_are_told_and_the_app_keeps_working(
    controller: AppController, fake: FakeMicrosoft365, clock: Clock, qtbot: QtBot
) -> None:
    notes: list[tuple[str, str]] = []
    controller.notify.connect(lambda notice: notes.append((notice.title, notice.text)))
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000):
        controller.meet_now()
    qtbot.waitUntil(lambda: len(controller.recent) == 1, timeout=5000)
    good = list(controller.recent)

    for kind, options in (
        ("status", {"status": 503, "times": 10}),
        ("malformed", {}),
        ("drop_before", {"times": 10}),
    ):
        fake.add_fault(kind, "createOrGet", **options)
        clock.now += 2 * DEBOUNCE_SECONDS  # past the debounce
        op = controller.meet_now()
        assert op is not None
        with qtbot.waitSignal(op.failed, timeout=30_000):
            pass
        assert notes[-1][0] == "No meeting was created"
        assert controller.recent == good  # the last good state is kept
        fake.faults.clear()

    clock.now += 2 * DEBOUNCE_SECONDS  # past the debounce
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000):
        controller.meet_now()
    service = controller.service
    assert service is not None
    # All three failures may have acted on the server (503, an unreadable answer, a dropped
    # connection), but they are too young to settle: their requests could still be in
    # flight.  Once old enough they are settled, and history matches the server.
    assert len(service.history.pending()) == 3
    service.reconcile(older_than=timedelta(0))
    assert {m.id for m in service.history.recent(10)} == set(fake.meetings)


@pytest.mark.logs("could not note the pending action", "not saved to history")
def test_a_full_disk_still_copies_the_link(
    controller: AppController, clipboard: RecordingClipboard, qtbot: QtBot
) -> None:
    assert controller.service is not None
    refuse_writes(controller.service.history)
    notes: list[Notice] = []
    controller.notify.connect(notes.append)

    with qtbot.waitSignal(controller.meeting_created, timeout=10_000) as created:
        controller.meet_now()

    assert clipboard.text == created.args[0].meeting.join_url
    assert "could not be saved (the disk is full or read-only)" in notes[-1].text
    assert "The link still works." in notes[-1].text
