"""Windows that fit the screen: long pages scroll, the buttons below them stay in view.

A window asks for the size its content wants (:class:`Scrolling` does not cap it, as
``QScrollArea`` does at 24 lines), and :func:`fit_to_screen` gives it at most what the
screen has, less room for the title bar and panels.  The part that scrolls takes the cut.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

#: Part of the screen's free height and width a window may take: the rest is for its
#: title bar and the desktop's panels (1280×800 leaves 720 px).
SCREEN_SHARE = 0.9


class Scrolling(QScrollArea):
    """A page that scrolls when the window is shorter than it, and asks for its full size."""

    def __init__(self, page: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidget(page)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

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


def fit_to_screen(window: QWidget, wanted: QSize | None = None) -> None:
    """Resize ``window`` to what it wants (``wanted``, else its size hint), within its screen."""
    layout = window.layout()
    if layout is not None:
        layout.activate()
    size = (wanted or window.sizeHint()).boundedTo(largest(window))
    window.resize(size.expandedTo(window.minimumSizeHint()).boundedTo(largest(window)))
