"""Windows that fit the screen: long pages scroll, the buttons below them stay in view;
and Tab visits a button row in the order it is shown.

A window asks for the size its content wants (:class:`Scrolling` does not cap it, as
``QScrollArea`` does at 24 lines), and :func:`fit_to_screen` gives it at most what the
screen has, less room for the title bar and panels.  The part that scrolls takes the cut.
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFrame,
    QLayout,
    QScrollArea,
    QWidget,
)

#: Part of the screen's free height and width a window may take: the rest is for its
#: title bar and the desktop's panels (1280x800 leaves 680 px, 720 with a title bar).
SCREEN_SHARE = 0.85


class Scrolling(QScrollArea):
    """A page that scrolls when the window is shorter than it, and asks for its full size."""

    def __init__(self, page: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidget(page)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Not a Tab stop of its own: Tab goes to the fields, and the page scrolls to show
        # the one with the focus.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        page.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # the page wants another size: so does the window
        return super().eventFilter(watched, event)

    def sizeHint(self) -> QSize:
        page = self.widget()
        if page is None:
            return super().sizeHint()
        wanted = page.sizeHint()
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(wanted.width() + bar, wanted.height())

    def minimumSizeHint(self) -> QSize:
        page = self.widget()
        width = page.minimumSizeHint().width() if page is not None else 0
        return QSize(width + self.verticalScrollBar().sizeHint().width(), 120)


def largest(window: QWidget) -> QSize:
    """The largest size ``window`` may take on its screen."""
    screen = window.screen()
    free = screen.availableGeometry().size()
    return QSize(int(free.width() * SCREEN_SHARE), int(free.height() * SCREEN_SHARE))


def fit_to_screen(
    window: QWidget, *, keep_width: bool = False, wanted: QSize | None = None
) -> None:
    """Resize ``window`` to what its content wants (or ``wanted``), within its screen
    (``keep_width``: only its height follows, as when a section opens or an error shows)."""
    # Every cached size dropped (a row just shown or hidden), so the size hint is current.
    for nested in window.findChildren(QLayout):
        nested.invalidate()
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    layout = window.layout()
    if layout is not None:
        layout.activate()
    hint = wanted or window.sizeHint()
    wanted = QSize(window.width() if keep_width else hint.width(), hint.height())
    window.resize(wanted.expandedTo(window.minimumSizeHint()).boundedTo(largest(window)))


def tab_order_as_shown(box: QDialogButtonBox) -> None:
    """Tab through ``box``'s buttons left to right, as the platform laid them out (Qt
    follows the order they were added: Cancel before Create where Create is on its left)."""
    layout = box.layout()
    items = [layout.itemAt(i) for i in range(layout.count())] if layout else []
    shown = [item.widget() for item in items if item is not None]
    buttons = [w for w in shown if w is not None and w in box.buttons()]
    for first, second in pairwise(buttons):
        QWidget.setTabOrder(first, second)
