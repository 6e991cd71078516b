"""The full-screen reminder (``[calendar] full_screen_reminder``): a window above
everything with the meeting and Join, Snooze and Dismiss, usable with the keyboard alone
(Enter or J joins, S snoozes, Esc or D dismisses, Tab moves between the buttons).  It renders one
meeting and sends intents; the model decides the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from meettray.plaintext import displayable
from meettray.ui.app_model import intents as i
from meettray.ui.views.text import plain_label
from meettray.upcoming import Upcoming, when_label

#: Minutes a snooze puts the reminder off.
SNOOZE_MINUTES = 1


class ReminderWindow(QWidget):
    """One meeting's reminder, filling the screen until the person acts on it."""

    #: The person closed it (joined, snoozed or dismissed).
    closed = Signal()

    def __init__(
        self, item: Upcoming, dispatch: Callable[[i.Intent], object], now: datetime
    ) -> None:
        super().__init__(
            None, Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.FramelessWindowHint
        )
        self.item = item
        self._dispatch = dispatch
        self.setWindowTitle("meettray: meeting reminder")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        title = plain_label(displayable(item.subject) or "(no subject)")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = title.font()
        font.setPointSize(font.pointSize() * 3)
        title.setFont(font)
        start = item.start.astimezone().strftime("%H:%M")
        when = plain_label(f"{start} · {when_label(item, now)} · {displayable(item.organizer)}")
        when.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.join_button = QPushButton("&Join" if item.join_url else "Open in &Outlook")
        self.join_button.setDefault(True)
        self.join_button.setAutoDefault(True)
        self.join_button.clicked.connect(self.join)
        self.snooze_button = QPushButton(f"&Snooze {SNOOZE_MINUTES} min")
        self.snooze_button.setAutoDefault(True)
        self.snooze_button.clicked.connect(self.snooze)
        self.dismiss_button = QPushButton("&Dismiss")
        self.dismiss_button.setAutoDefault(True)
        self.dismiss_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch()
        for button in (self.join_button, self.snooze_button, self.dismiss_button):
            buttons.addWidget(button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addStretch()
        layout.addWidget(title)
        layout.addWidget(when)
        layout.addLayout(buttons)
        layout.addStretch()
        self.join_button.setFocus()

    def join(self) -> None:
        joins = i.Join(self.item) if self.item.join_url else i.OpenInOutlook(self.item)
        self._dispatch(joins)
        self.close()

    def snooze(self) -> None:
        self._dispatch(i.SnoozeReminder(self.item, SNOOZE_MINUTES))
        self.close()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Plain keys too (J, S, D): the window has nothing to type into.
        plain = {Qt.Key.Key_J: self.join, Qt.Key.Key_S: self.snooze, Qt.Key.Key_D: self.close,
                 Qt.Key.Key_Escape: self.close}  # fmt: skip
        if (act := plain.get(Qt.Key(event.key()))) is not None:
            act()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focused = self.focusWidget()
            (focused if isinstance(focused, QPushButton) else self.join_button).click()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)

    def present(self) -> None:
        """Above everything, taking the keyboard."""
        self.showFullScreen()
        self.raise_()
        self.activateWindow()
