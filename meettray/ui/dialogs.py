"""Small windows: the no-tray fallback and the error details."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from meettray.errors import MeettrayError
from meettray.ui.icons import icon
from meettray.ui.text import plain_label


class FallbackWindow(QWidget):
    """Shown when the desktop has no system tray: the tray's actions as buttons."""

    meet_now_requested = Signal()
    schedule_requested = Signal()
    history_requested = Signal()
    settings_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("meettray")
        self.setWindowIcon(icon())
        layout = QVBoxLayout(self)
        note = QLabel("No system tray was found on this desktop, so meettray runs in this window.")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.status = plain_label()  # notices carry subjects and Graph's words
        # A status line never widens the window (a link has nowhere to wrap).
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for label, signal in (
            ("&Meet now", self.meet_now_requested),
            ("&Schedule…", self.schedule_requested),
            ("&History…", self.history_requested),
            ("S&ettings…", self.settings_requested),
            ("&Quit", self.quit_requested),
        ):
            button = QPushButton(label)
            button.clicked.connect(signal.emit)
            layout.addWidget(button)
        layout.addWidget(self.status)


class ErrorDialog(QDialog):
    """The plain message, with the technical details (request-id) and a Copy button."""

    def __init__(self, error: MeettrayError, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("What went wrong — meettray")
        self.setWindowIcon(icon("error"))
        layout = QVBoxLayout(self)
        message = plain_label(error.message)
        layout.addWidget(message)
        details = error.technical_details() or "No further details."
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        layout.addWidget(QLabel("Details for your IT support:"))
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("&Copy details")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(details))
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
