"""The app wiring: the no-tray fallback window, local-socket requests."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import ExitCode
from meettray.instance import Outcome, Request
from meettray.ui.app import TrayApp
from meettray.ui.controller import AppController
from meettray.ui.remote import RemoteControl


def test_without_a_tray_a_window_offers_the_same_actions(
    controller: AppController, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    app = TrayApp(controller, tray_grace_ms=0)  # the offscreen platform has no tray
    qtbot.waitUntil(lambda: app.window is not None and app.window.isVisible(), timeout=5000)
    assert app.window is not None
    buttons = [b.text() for b in app.window.findChildren(QPushButton)]
    assert buttons == ["&Meet now", "&Schedule…", "&History…", "S&ettings…", "&Quit"]
    notes = [label.text() for label in app.window.findChildren(QLabel)]
    assert any("No system tray was found" in text for text in notes)
    window = app.window
    width = window.width()
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000):
        window.meet_now_requested.emit()
    qtbot.waitUntil(lambda: "Link copied" in window.status.text(), timeout=5000)
    assert "teams.microsoft.com" in window.status.text()  # a short form of the link
    controller.notify.emit("Long", "x" * 400, None)  # nowhere to wrap
    qtbot.wait(50)
    assert window.width() == width


def test_socket_requests(controller: AppController, fake: FakeMicrosoft365, qtbot: QtBot) -> None:
    app = RemoteControl(TrayApp(controller, tray_grace_ms=0))
    answers: list[Outcome] = []
    app.handle_request(Request("ping"), answers.append)
    assert answers == [Outcome(ok=True)]

    app.handle_request(Request("now", subject="From the CLI"), answers.append)
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=10_000)
    assert answers[1].ok is True
    assert answers[1].meeting is not None
    assert answers[1].meeting["subject"] == "From the CLI"
    assert answers[1].meeting["id"] in fake.meetings

    fake.signed_in_user.guest = True
    app.handle_request(Request("now"), answers.append)
    qtbot.waitUntil(lambda: len(answers) == 3, timeout=10_000)
    assert answers[2].ok is False
    assert answers[2].exit_code == ExitCode.GRAPH
    assert answers[2].request_id

    app.handle_request(Request("status"), answers.append)
    assert answers[3].status is not None
    assert answers[3].status.account == "adele@contoso.example"


def test_uncaught_errors_are_logged_and_shown_not_fatal(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sys

    from PySide6.QtWidgets import QMessageBox

    from meettray.ui.main import install_excepthook

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: shown.append(text))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored afterwards
    install_excepthook("/logs/meettray.log")

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())

    assert "carried on" in shown[0]
    assert "/logs/meettray.log" in shown[0]
    assert any(r.levelname == "CRITICAL" and r.exc_info for r in caplog.records)


def test_qt_messages_from_before_the_log_exists_reach_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The icon is shown before logging is set up; Qt's words then are kept, not lost
    and not printed on the terminal."""
    import logging

    from PySide6.QtCore import qInstallMessageHandler, qWarning

    from meettray.ui import main

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])  # as at start-up: no handler yet
    monkeypatch.setattr(logging, "lastResort", None)
    main.route_qt_messages()
    try:
        qWarning("early words from Qt")
    finally:
        qInstallMessageHandler(None)
    kept: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            kept.append(f"{record.name}: {record.getMessage()}")

    root.addHandler(Keep())
    main._replay_qt_messages()
    assert kept == ["qt: early words from Qt"]


def test_cycles_are_collected_on_the_gui_thread(qtbot: QtBot, qapp: Any) -> None:
    """Garbage made on a worker thread is freed on the GUI thread, where Qt objects live."""
    import gc
    import threading

    from meettray.ui.main import collect_garbage_on_gui_thread

    freed_on: list[str] = []

    class Node:
        def __del__(self) -> None:
            freed_on.append(threading.current_thread().name)

    def make_garbage() -> None:
        for _ in range(5000):
            node = Node()
            node.me = node  # type: ignore[attr-defined]  # a cycle: only the collector frees it

    timer = collect_garbage_on_gui_thread(qapp, interval_ms=10)
    try:
        worker = threading.Thread(target=make_garbage, name="worker")
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: len(freed_on) == 5000, timeout=5000)
    finally:
        timer.stop()
        gc.enable()
    assert set(freed_on) == {threading.main_thread().name}
