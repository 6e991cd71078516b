"""The app wiring: the no-tray fallback window, local-socket requests."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.ui.app import TrayApp
from meettray.ui.controller import AppController
from meettray.ui.notices import Level, Notice


@pytest.mark.logs("no system tray available")
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
    controller.notify.emit(Notice("Long", "x" * 400, Level.INFO))  # nowhere to wrap
    QApplication.sendPostedEvents()  # the layout request, had the label asked to grow
    QApplication.processEvents()
    assert window.width() == width
