"""Sign-in progress: waiting for the browser, or showing a device code, always cancellable."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from meettray.accounts import BROWSER_ERROR_HINT, DeviceCodePrompt
from meettray.errors import MeettrayError
from meettray.ui.views.fit import fit_to_screen
from meettray.ui.views.icons import icon
from meettray.ui.views.text import link_markup, plain_label
from meettray.ui.views.translation import tr


class SignInDialog(QDialog):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Sign in — meettray"))
        self.setWindowIcon(icon())
        self.message = QLabel(
            tr("Finish signing in in your web browser…") + f"\n\n{tr(BROWSER_ERROR_HINT)}"
        )
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # may hold the server's words
        self.message.setWordWrap(True)
        self.code = plain_label(wrap=False)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont()
        font.setPointSize(20)
        font.setBold(True)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.code.setFont(font)
        self.code.setVisible(False)
        self.code.setAccessibleName(tr("Sign-in code"))
        self.link = QLabel()
        self.link.setAccessibleName(tr("Sign-in page"))
        self.link.setOpenExternalLinks(True)
        self.link.setVisible(False)
        self.copy = QPushButton(tr("&Copy code"))
        self.copy.setVisible(False)
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.code.text()))
        cancel = self.cancel = QPushButton(tr("Cancel"))
        cancel.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.copy)
        row.addStretch(1)
        row.addWidget(cancel)
        layout = QVBoxLayout(self)
        for widget in (self.message, self.code, self.link):
            layout.addWidget(widget)
        layout.addLayout(row)
        for button in (self.copy, cancel):
            button.setAutoDefault(False)
        cancel.setDefault(True)  # the one button shown: Enter and Escape cancel
        self.rejected.connect(self.cancel_requested.emit)
        fit_to_screen(self)

    def show_device_code(self, prompt: DeviceCodePrompt) -> None:
        self.message.setText(tr("On any device, open this page and enter the code:"))
        self.code.setText(prompt.user_code)
        self.link.setText(link_markup(prompt.verification_uri))
        for widget in (self.code, self.link, self.copy):
            widget.setVisible(True)
        self.cancel.setDefault(False)
        self.copy.setDefault(True)  # the code is what the person needs next
        self.copy.setFocus()
        fit_to_screen(self, keep_width=True)

    def show_error(self, error: MeettrayError) -> None:
        """Sign-in failed: say why here, where the person is looking; Close ends it."""
        self.rejected.disconnect(self.cancel_requested.emit)  # nothing left to cancel
        self.setWindowTitle(tr("Sign-in failed — meettray"))
        self.message.setText(tr("Sign-in failed.") + f" {error.message}")
        for widget in (self.code, self.link, self.copy):
            widget.setVisible(False)
        self.cancel.setText(tr("Close"))
        self.copy.setDefault(False)
        self.cancel.setDefault(True)
        self.cancel.setFocus()
        fit_to_screen(self, keep_width=True)

    def finish(self) -> None:
        """Close without counting as a cancel."""
        self.rejected.disconnect(self.cancel_requested.emit)
        self.accept()
