"""The app wiring: the no-tray fallback window, local-socket requests."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QPushButton
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.ui.app_model.controller import AppController
from meettray.ui.app_model.notices import Level, Notice
from meettray.ui.views.app import TrayApp
from meettray.ui.views.tray import menu_label


@pytest.mark.logs("no system tray available")
def test_without_a_tray_a_window_offers_the_same_actions(
    controller: AppController, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    app = TrayApp(controller, tray_grace_ms=0)  # the offscreen platform has no tray
    qtbot.waitUntil(lambda: app.window is not None and app.window.isVisible(), timeout=5000)
    assert app.window is not None
    buttons = [b.text() for b in app.window.findChildren(QPushButton)]
    assert buttons == ["&Meet now", "Meet now &as", "&Schedule…", "&Recent", "&History…",
                       "S&ettings…", "Sign &in…", "Sign &out", "&Last error: details…",
                       "&Quit"]  # fmt: skip
    notes = [label.text() for label in app.window.findChildren(QLabel)]
    assert any("No system tray was found" in text for text in notes)
    window = app.window
    assert not window.recent.isEnabled()  # nothing made yet
    width = window.width()
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000) as created:
        window.meet_now_requested.emit()
    qtbot.waitUntil(lambda: "Link copied" in window.status.text(), timeout=5000)
    assert "teams.microsoft.com" in window.status.text()  # a short form of the link

    # Recent, as the tray's menu shows it.
    qtbot.waitUntil(lambda: len(window.recent.actions()) == 1, timeout=5000)
    entry = window.recent.actions()[0]
    assert entry.text() == menu_label(created.args[0].meeting)
    submenu = entry.menu()
    assert isinstance(submenu, QMenu)
    assert [a.text() for a in submenu.actions()] == [
        "Copy link", "Copy link and details", "Open in Teams",
    ]  # fmt: skip

    # A long notice, a link with nowhere to wrap among it: shown whole, the window as wide.
    controller.notify.emit(Notice("Long", "word " * 60 + "https://x.example/" + "y" * 300,
                                  Level.INFO))  # fmt: skip
    QApplication.sendPostedEvents()
    QApplication.processEvents()
    label = window.status
    assert window.width() == width
    needed = label.heightForWidth(label.width())  # -1 for a label that cannot wrap
    assert needed > 3 * label.fontMetrics().height()  # it wraps: many lines
    assert label.height() >= needed  # and the window grew to show them all
    assert label.text().replace("\u200b", "").endswith("y" * 300)  # the text is all there


def test_on_gnome_the_window_says_how_to_get_a_tray(qtbot: QtBot) -> None:
    from meettray.ui.views.dialogs import GNOME_TRAY, FallbackWindow

    gnome = FallbackWindow(gnome=True)
    other = FallbackWindow(gnome=False)
    qtbot.addWidget(gnome)
    qtbot.addWidget(other)
    assert any(GNOME_TRAY in label.text() for label in gnome.findChildren(QLabel))
    assert not any(GNOME_TRAY in label.text() for label in other.findChildren(QLabel))


@pytest.mark.logs("no system tray available")
def test_the_window_comes_within_a_second_of_finding_no_tray(
    controller: AppController, qtbot: QtBot
) -> None:
    app = TrayApp(controller)  # the default grace; the offscreen platform has no tray
    assert app.window is None  # a panel that starts after us still gets its chance
    qtbot.waitUntil(lambda: app.window is not None and app.window.isVisible(), timeout=1500)
