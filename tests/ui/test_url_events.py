"""macOS's opened links (QFileOpenEvent on the application) reach the model as links."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from meettray.ui.shell.url_events import LinkEvents


def test_an_opened_meettray_link_is_followed_and_a_file_is_not(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert app is not None
    followed: list[str] = []
    watcher = LinkEvents(app, followed.append)
    try:
        QCoreApplication.sendEvent(app, QFileOpenEvent(QUrl("meettray://now?subject=A%20b")))
        QCoreApplication.sendEvent(app, QFileOpenEvent(QUrl("file:///tmp/x.txt")))
        assert followed == ["meettray://now?subject=A%20b"]
    finally:
        app.removeEventFilter(watcher)
        watcher.deleteLater()
