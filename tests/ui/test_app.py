"""The app wiring: the no-tray fallback window, local-socket requests."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.ui.app import TrayApp
from meettray.ui.controller import AppController


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
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000):
        app.window.meet_now_requested.emit()
    qtbot.waitUntil(lambda: "Link copied" in app.window.status.text(), timeout=5000)


def test_socket_requests(controller: AppController, fake: FakeMicrosoft365, qtbot: QtBot) -> None:
    app = TrayApp(controller, tray_grace_ms=0)
    answers: list[dict[str, Any]] = []
    app.handle_request({"command": "ping"}, answers.append)
    assert answers == [{"ok": True}]

    app.handle_request({"command": "now", "subject": "From the CLI"}, answers.append)
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=10_000)
    assert answers[1]["ok"] is True
    assert answers[1]["meeting"]["subject"] == "From the CLI"
    assert answers[1]["meeting"]["id"] in fake.meetings

    fake.signed_in_user.guest = True
    app.handle_request({"command": "now"}, answers.append)
    qtbot.waitUntil(lambda: len(answers) == 3, timeout=10_000)
    assert answers[2]["ok"] is False
    assert answers[2]["exit_code"] == 5
    assert answers[2]["request_id"]

    app.handle_request({"command": "dance"}, answers.append)
    assert answers[3] == {"ok": False, "message": "Unknown command 'dance'."}


def test_uncaught_errors_are_logged_and_shown_not_fatal(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sys

    from PySide6.QtWidgets import QMessageBox

    from meettray.ui.app import install_excepthook

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: shown.append(text))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored afterwards
    install_excepthook("/logs/meettray.log")

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]

    assert "carried on" in shown[0]
    assert "/logs/meettray.log" in shown[0]
    assert any(r.levelname == "CRITICAL" and r.exc_info for r in caplog.records)
