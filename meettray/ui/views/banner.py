"""A notification meettray draws itself, for X11 trays without a notification server.

Qt's balloon (``QSystemTrayIcon.showMessage`` on an XEmbed tray) has two faults
that matter to a tray people click many times a day:

* a click on the tray icon while a balloon shows is reported as a click on the
  *message*: the new click opened the previous meeting in Teams (and hid the
  balloon) before it made a new one;
* each message is a new window, and a bare PySide6 script showing 500 of them
  grew by about 0.7 MiB per 100 messages.

One :class:`Banner` is made when first needed and reused for every message, so
a message costs two label updates.  Where a notification server answers, the
tray uses :class:`~meettray.platform.notifications.DBusNotifier` instead.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QMouseEvent
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from meettray.ui.views.announce import announce
from meettray.ui.views.text import plain_tooltip

#: How long a message stays, in milliseconds (as the notification servers' default).
TIMEOUT_MS = 6000
#: The banner's width; long links wrap rather than widen it.
WIDTH = 360
#: Space between the banner and the icon or the screen's edge.
MARGIN = 8


class Banner(QFrame):
    """A frameless message near the tray icon; a click on it emits :attr:`clicked`."""

    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        # A tool tip window: no window-manager frame, never takes the keyboard focus.
        flags = Qt.WindowType.ToolTip | Qt.WindowType.FramelessWindowHint
        super().__init__(parent, flags | Qt.WindowType.WindowStaysOnTopHint)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("meettray-banner")
        self.setFixedWidth(WIDTH)
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.text = QLabel()
        self.text.setWordWrap(True)
        for label in (self.title, self.text):
            label.setTextFormat(Qt.TextFormat.PlainText)  # subjects are the person's text
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        self._timer = QTimer(self, singleShot=True, interval=TIMEOUT_MS)
        self._timer.timeout.connect(self.hide)

    def show_message(
        self, title: str, text: str, *, near: QRect | None = None, urgent: bool = False
    ) -> None:
        """Show ``title`` and ``text`` by the icon at ``near`` (else a screen corner),
        replacing the message on screen; screen readers say it (at once if ``urgent``)."""
        # A long title is cut where it stops fitting, and says so with an ellipsis.
        room = WIDTH - 24 - 4  # the layout's margins, and a little air
        self.title.setText(
            self.title.fontMetrics().elidedText(title, Qt.TextElideMode.ElideRight, room)
        )
        self.title.setToolTip(plain_tooltip(title) if self.title.text() != title else "")
        self.text.setText(text)
        self.text.setVisible(bool(text))
        self.adjustSize()
        self.move(self._position(near))
        announce(self, f"{title}. {text}", urgent=urgent)
        self.show()
        self.raise_()
        self._timer.start()

    def _position(self, near: QRect | None) -> QPoint:
        """Beside the icon, on the screen's side away from the panel, inside the screen."""
        anchor = near if near is not None and near.isValid() else None
        screen = (
            QGuiApplication.screenAt(anchor.center()) if anchor is not None else None
        ) or QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 800)
        size = self.size()
        if anchor is None:  # no icon position: the top right corner, where most trays are
            return QPoint(area.right() - size.width() - MARGIN, area.top() + MARGIN)
        x = anchor.right() - size.width()
        below = anchor.center().y() < area.center().y()
        y = anchor.bottom() + MARGIN if below else anchor.top() - size.height() - MARGIN
        x = max(area.left() + MARGIN, min(x, area.right() - size.width() - MARGIN))
        y = max(area.top() + MARGIN, min(y, area.bottom() - size.height() - MARGIN))
        return QPoint(x, y)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._timer.stop()
        self.hide()
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
