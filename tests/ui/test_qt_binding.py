"""The Qt binding itself: a tray app emits signals all day and must not leak or crash.

PySide6 6.12.0 loses one reference to True per signal emitted to a Python
slot; a process holding ~150 references crashes after that many emits.  A leak
grows with the number of emits, noise from other threads does not: the checks
compare the drift after N emits with a quarter of N.  The cycle collector runs
before, not during, a measurement: freeing earlier tests' garbage (dicts full
of True) would move the count by thousands either way.
"""

from __future__ import annotations

import functools
import gc
import sys
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, QThreadPool, Signal
from pytestqt.qtbot import QtBot

from meettray.ui.app_model.tasks import TaskRunner

EMITS = 4000


@pytest.fixture(autouse=True)
def no_collector_during_measurement() -> Iterator[None]:
    was_on = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


class Emitter(QObject):
    fired = Signal(object, object)


def test_emitting_to_python_slots_keeps_every_reference() -> None:
    emitter = Emitter()
    received: list[int] = []
    emitter.fired.connect(lambda a, b: received.append(1))
    true_refs, none_refs = sys.getrefcount(True), sys.getrefcount(None)

    for _ in range(EMITS):
        emitter.fired.emit(1, None)

    assert len(received) == EMITS
    assert abs(sys.getrefcount(True) - true_refs) < EMITS // 4
    assert abs(sys.getrefcount(None) - none_refs) < EMITS // 4


def test_many_background_jobs_keep_every_reference(qtbot: QtBot) -> None:
    runner = TaskRunner()
    done: list[int] = []
    true_refs = sys.getrefcount(True)
    for n in range(EMITS):
        runner.run(functools.partial(int, n), done.append, lambda exc: None)
    qtbot.waitUntil(lambda: len(done) == EMITS, timeout=60_000)
    QThreadPool.globalInstance().waitForDone()
    assert abs(sys.getrefcount(True) - true_refs) < EMITS // 4
