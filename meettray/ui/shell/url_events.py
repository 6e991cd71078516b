"""macOS hands a ``meettray://`` link to the app bundle as an Apple Event, which Qt turns
into a ``QFileOpenEvent`` on the application (the bundle's ``CFBundleURLTypes`` names the
scheme).  Each becomes the same intent a link from ``meettray open-link`` does."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QUrl
from PySide6.QtGui import QFileOpenEvent


class LinkEvents(QObject):
    """Watches ``app`` for opened ``meettray://`` links and gives each to ``follow``."""

    def __init__(self, app: QObject, follow: Callable[[str], object]) -> None:
        super().__init__(app)
        self._follow = follow
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            url = event.url()
            if url.scheme() == "meettray":
                self._follow(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))
                return True
        return False
