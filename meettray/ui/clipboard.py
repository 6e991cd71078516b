"""The tray app's clipboard: plain text and HTML, kept alive after quitting on X11."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QClipboard, QGuiApplication

log = logging.getLogger(__name__)


class QtClipboard:
    """Copies through Qt; at quit, hands what it still owns to the detached holder."""

    def __init__(self) -> None:
        self._last: tuple[str, str | None] | None = None

    def copy(self, text: str, html: str | None = None) -> None:
        data = QMimeData()
        data.setText(text)
        if html:
            data.setHtml(html)
        QGuiApplication.clipboard().setMimeData(data, QClipboard.Mode.Clipboard)
        self._last = (text, html)

    def hand_off(self) -> None:
        """On X11 a quitting owner takes its clipboard along: pass it to the holder."""
        if self._last is None or not sys.platform.startswith("linux"):
            return
        if QGuiApplication.platformName() != "xcb":
            return
        if not QGuiApplication.clipboard().ownsClipboard():
            return  # someone copied something else since: nothing to keep
        from meettray.platform.clipboard import HolderClipboard

        outcome = HolderClipboard("xcb").copy(*self._last)
        log.info("clipboard hand-off at quit: %s", outcome.message)
