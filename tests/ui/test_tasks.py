"""The background-work helper delivers results and errors on the GUI thread."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from meettray.errors import NetworkError
from meettray.ui.app_model.tasks import TaskRunner


def test_result_arrives_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    gui = threading.get_ident()
    seen: dict[str, int] = {}

    def work() -> int:
        seen["worker"] = threading.get_ident()
        return 42

    def done(value: int) -> None:
        seen["value"] = value
        seen["callback"] = threading.get_ident()

    runner.run(work, done, lambda exc: pytest.fail(str(exc)))
    qtbot.waitUntil(lambda: "value" in seen, timeout=5000)

    assert seen["value"] == 42
    assert seen["worker"] != gui
    assert seen["callback"] == gui


def test_errors_arrive_as_exceptions(qtbot: QtBot) -> None:
    runner = TaskRunner()
    errors: list[Exception] = []

    def work() -> None:
        raise NetworkError("offline")

    runner.run(work, lambda _: pytest.fail("no result expected"), errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)

    assert isinstance(errors[0], NetworkError)
    assert errors[0].message == "offline"


def test_a_result_for_an_object_freed_meanwhile_is_dropped(qtbot: QtBot) -> None:
    """Was: a history read finished, its asker (a model shut down) was freed, and the
    queued result was delivered into it: "Signal source has been deleted"."""
    from PySide6.QtCore import QObject

    runner = TaskRunner()
    asker = QObject()
    delivered: list[object] = []
    release = threading.Event()

    runner.run(lambda: release.wait(5), delivered.append, delivered.append, context=asker)
    asker.deleteLater()
    qtbot.wait(50)  # freed, its result still on the way
    release.set()
    assert runner.wait(5000)
    qtbot.wait(100)  # the queued result would arrive now

    assert delivered == []
    runner.run(lambda: 1, delivered.append, delivered.append)  # the runner works on
    qtbot.waitUntil(lambda: delivered == [1], timeout=5000)


def test_the_serial_queue_runs_one_job_at_a_time_by_priority_then_in_order() -> None:
    """Was: a QThreadPool of one thread handed a job to its idle thread at priority 0, so
    the next one asked overtook it (two 'meettray now' made in the wrong order)."""
    import threading
    import time

    from PySide6.QtCore import QRunnable

    from meettray.ui.app_model.tasks import SerialQueue

    ran: list[str] = []
    running: list[int] = []
    release = threading.Event()

    class Step(QRunnable):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

        def run(self) -> None:
            running.append(1)
            assert len(running) == 1  # never two at once
            if self.name == "first":
                release.wait(10)
            ran.append(self.name)
            running.pop()

    serial = SerialQueue("test-serial")
    serial.start(Step("first"), 0)  # holds the thread while the rest are queued
    deadline = time.monotonic() + 10
    while not running and time.monotonic() < deadline:
        time.sleep(0.001)
    for name, priority in (("A", 1), ("B", 1), ("background", 0), ("settings", 2), ("C", 1)):
        serial.start(Step(name), priority)
    assert serial.waitForDone(50) is False  # still held
    release.set()
    assert serial.waitForDone(10_000)
    assert ran == ["first", "settings", "A", "B", "C", "background"]
