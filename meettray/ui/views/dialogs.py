"""Small windows: the no-tray fallback and the error details."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, SignalInstance
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from meettray.errors import MeettrayError
from meettray.i18n import N_
from meettray.plaintext import displayable
from meettray.ui.views.announce import announce
from meettray.ui.views.fit import Scrolling, largest, tab_order_as_shown
from meettray.ui.views.icons import icon
from meettray.ui.views.text import plain_label
from meettray.ui.views.translation import tr

if TYPE_CHECKING:
    from meettray.config import Preset

#: What the window says where there is no tray, and on GNOME, how to get one.
NO_TRAY = N_("No system tray was found on this desktop, so meettray runs in this window.")
GNOME_TRAY = N_(
    'GNOME shows tray icons with the AppIndicator extension ("AppIndicator and '
    'KStatusNotifierItem Support"), which most distributions ship: turn it on in the '
    "Extensions app, and meettray moves to the top bar."
)
#: A run of this many characters without a space gets a break opportunity (a link).
_UNBROKEN = re.compile(r"(\S{32})(?=\S)")


def wrappable(text: str) -> str:
    """``text`` with a zero-width break in long runs, so that a label can wrap a link."""
    return _UNBROKEN.sub("\\1\u200b", text)


class FallbackWindow(QMainWindow):
    """Shown when the desktop has no system tray: every tray action as a button.

    Its intents, for whoever shows it: ``meet_now_requested``, ``meet_now_as_requested``
    (a preset's name), ``schedule_requested``, ``history_requested``,
    ``join_clipboard_requested``, ``settings_requested``, ``sign_in_requested``,
    ``sign_out_requested``,
    ``error_details_requested`` (the error shown by :meth:`show_last_error`) and
    ``quit_requested``.  Recent is :attr:`recent`, filled like the tray's menu, and so is
    :attr:`accounts` (its button shown when there is more than one profile).
    """

    meet_now_requested = Signal()
    meet_now_as_requested = Signal(str)
    schedule_requested = Signal()
    history_requested = Signal()
    join_clipboard_requested = Signal()
    settings_requested = Signal()
    sign_in_requested = Signal()
    sign_out_requested = Signal()
    #: The Accounts menu's "Sign in to…": the profile's name.
    account_sign_in_requested = Signal(str)
    error_details_requested = Signal(MeettrayError)
    quit_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, gnome: bool | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("meettray")
        self.setWindowIcon(icon())
        self.setMinimumWidth(380)
        self.setMaximumWidth(560)
        central = QWidget()
        self._layout = layout = QVBoxLayout(central)
        if gnome is None:
            gnome = "GNOME" in os.environ.get("XDG_CURRENT_DESKTOP", "").upper().split(":")
        note = QLabel(f"{tr(NO_TRAY)}\n\n{tr(GNOME_TRAY)}" if gnome else tr(NO_TRAY))
        note.setWordWrap(True)
        layout.addWidget(note)
        self.status = plain_label()  # notices carry subjects and Graph's words
        self.status.setWordWrap(True)
        self.status.setVisible(False)  # until the first notice
        self._error: MeettrayError | None = None
        # Mnemonics, unique: M A S R H J E I/O U L Q.
        self.meet_now = self._button(tr("&Meet now"), self.meet_now_requested)
        self.presets = QMenu(self)  #: "Meet now as": one entry per preset
        self.meet_now_as = QPushButton(tr("Meet now &as"))
        self.meet_now_as.setMenu(self.presets)
        self.recent = QMenu(self)  #: filled like the tray's Recent menu
        recent = QPushButton(tr("&Recent"))
        recent.setMenu(self.recent)
        self.sign_in = self._button(tr("Sign &in…"), self.sign_in_requested)
        self.sign_out = self._button(tr("Sign &out"), self.sign_out_requested)
        self.sign_out.setVisible(False)
        self.accounts = QMenu(self)  #: filled like the tray's Accounts submenu
        self.accounts_button = QPushButton(tr("Acco&unts"))
        self.accounts_button.setMenu(self.accounts)
        self.accounts_button.setVisible(False)
        self.accounts.triggered.connect(self._account_chosen)
        self.error_details = QPushButton(tr("&Last error: details…"))
        self.error_details.clicked.connect(self._error_details)
        self.error_details.setVisible(False)
        for button in (
            self.meet_now,
            self.meet_now_as,
            self._button(tr("&Schedule…"), self.schedule_requested),
            recent,
            self._button(tr("&History…"), self.history_requested),
            self._button(tr("&Join the meeting on the clipboard"), self.join_clipboard_requested),
            self._button(tr("S&ettings…"), self.settings_requested),
            self.sign_in,
            self.sign_out,
            self.accounts_button,
            self.error_details,
            self._button(tr("&Quit"), self.quit_requested),
        ):
            layout.addWidget(button)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self._scroll = Scrolling(central)  # a long notice scrolls; the window fits
        self.setCentralWidget(self._scroll)

    @staticmethod
    def _button(label: str, signal: SignalInstance) -> QPushButton:
        button = QPushButton(label)
        button.clicked.connect(signal.emit)
        return button

    def set_presets(self, presets: Sequence[Preset], texts: Sequence[str] = ()) -> None:
        """The presets "Meet now as" offers, the default one marked; ``texts``: their
        entries as the tray's menu words them (with their accounts)."""
        self.presets.clear()
        for n, preset in enumerate(presets):
            label = displayable(preset.label).replace("&", "&&")
            text = (
                texts[n] if n < len(texts) else label + (tr(" (default)") if preset.default else "")
            )
            action = self.presets.addAction(text)
            action.triggered.connect(
                lambda _checked=False, name=preset.name: self.meet_now_as_requested.emit(name)
            )
        self.meet_now_as.setEnabled(bool(presets))

    def _account_chosen(self, action: QAction) -> None:
        from meettray.ui.views.accounts_menu import sign_in_asked

        if (name := sign_in_asked(action)) is not None:
            self.account_sign_in_requested.emit(name)

    def show_account(self, signed_in: bool, *, can_sign_in: bool = True) -> None:
        """Sign in… or Sign out, as the tray offers them (neither in application mode)."""
        self.sign_in.setVisible(can_sign_in and not signed_in)
        self.sign_out.setVisible(can_sign_in and signed_in)

    def show_last_error(self, error: MeettrayError | None) -> None:
        """Offer "Last error: details…" for ``error`` (``None``: nothing to offer)."""
        self._error = error
        self.error_details.setVisible(error is not None)

    def _error_details(self) -> None:
        if self._error is not None:
            self.error_details_requested.emit(self._error)

    def show_status(self, title: str, text: str, *, urgent: bool = False) -> None:
        """A notice, in full: the text wraps (a link too) and the window grows to it, up
        to its screen (beyond, it scrolls).  Screen readers say it (at once if urgent)."""
        self.status.setText(wrappable(f"{title}\n{text}"))
        announce(self.status, f"{title}. {text}", urgent=urgent)
        self.status.setVisible(True)
        layout = self._layout
        width = self.width()
        inner = width - self._scroll.verticalScrollBar().sizeHint().width()
        height = layout.totalHeightForWidth(inner) if layout.hasHeightForWidth() else -1
        height = max(height, layout.totalMinimumSize().height())
        self.resize(width, min(height, largest(self).height()))


class ErrorDialog(QDialog):
    """The plain message, with the technical details (request-id) and a Copy button."""

    def __init__(self, error: MeettrayError, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("What went wrong — meettray"))
        self.setWindowIcon(icon("error"))
        layout = QVBoxLayout(self)
        message = plain_label(error.message)
        layout.addWidget(message)
        details = error.technical_details() or tr("No further details.")
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        layout.addWidget(QLabel(tr("Details for your IT support:")))
        layout.addWidget(self.details)
        self.details.setAccessibleName(tr("Details for your IT support"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton(tr("&Copy details"))
        copy.setAutoDefault(False)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(details))
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)  # Enter and Escape close; Copy is Alt+C
        tab_order_as_shown(buttons)
