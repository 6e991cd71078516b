"""Small windows: the no-tray fallback and the error details."""

from __future__ import annotations

import os
import re

from PySide6.QtCore import Signal, SignalInstance
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from meettray.errors import MeettrayError
from meettray.ui.views.icons import icon
from meettray.ui.views.text import plain_label

#: What the window says where there is no tray, and on GNOME, how to get one.
NO_TRAY = "No system tray was found on this desktop, so meettray runs in this window."
GNOME_TRAY = (
    'GNOME shows tray icons with the AppIndicator extension ("AppIndicator and '
    'KStatusNotifierItem Support"), which most distributions ship: turn it on in the '
    "Extensions app, and meettray moves to the top bar."
)
#: A run of this many characters without a space gets a break opportunity (a link).
_UNBROKEN = re.compile(r"(\S{32})(?=\S)")


def wrappable(text: str) -> str:
    """``text`` with a zero-width break in long runs, so that a label can wrap a link."""
    return _UNBROKEN.sub("\\1\u200b", text)


class FallbackWindow(QWidget):
    """Shown when the desktop has no system tray: the tray's actions as buttons."""

    meet_now_requested = Signal()
    schedule_requested = Signal()
    history_requested = Signal()
    settings_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, gnome: bool | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("meettray")
        self.setWindowIcon(icon())
        self.setMinimumWidth(380)
        self.setMaximumWidth(560)
        self._layout = layout = QVBoxLayout(self)
        if gnome is None:
            gnome = "GNOME" in os.environ.get("XDG_CURRENT_DESKTOP", "").upper().split(":")
        note = QLabel(f"{NO_TRAY}\n\n{GNOME_TRAY}" if gnome else NO_TRAY)
        note.setWordWrap(True)
        layout.addWidget(note)
        self.status = plain_label()  # notices carry subjects and Graph's words
        self.status.setWordWrap(True)
        for label, signal in (
            ("&Meet now", self.meet_now_requested),
            ("&Schedule…", self.schedule_requested),
        ):
            layout.addWidget(self._button(label, signal))
        self.recent = QMenu(self)  #: filled like the tray's Recent menu
        recent = QPushButton("&Recent")
        recent.setMenu(self.recent)
        layout.addWidget(recent)
        for label, signal in (
            ("&History…", self.history_requested),
            ("S&ettings…", self.settings_requested),
            ("&Quit", self.quit_requested),
        ):
            layout.addWidget(self._button(label, signal))
        layout.addWidget(self.status)

    @staticmethod
    def _button(label: str, signal: SignalInstance) -> QPushButton:
        button = QPushButton(label)
        button.clicked.connect(signal.emit)
        return button

    def show_status(self, title: str, text: str) -> None:
        """A notice, in full: the text wraps (a link too) and the window grows to it."""
        self.status.setText(wrappable(f"{title}\n{text}"))
        layout = self._layout
        width = self.width()
        height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1
        self.resize(width, max(height, layout.totalMinimumSize().height()))


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
