"""The tray app's clipboard: plain text and HTML, kept alive after quitting on X11.

On Wayland a compositor refuses a clipboard write from a client that has no
recent input event (``set_selection`` needs a serial), which a tray answering
a hotkey, a D-Bus activation or the command line never has: Qt's write there
is silently dropped.  ``wl-copy`` uses the data-control protocol where the
compositor offers it (wlroots, KWin 6), and the copy is read back before it is
called done.
"""

from __future__ import annotations

import logging
import shutil
import sys

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QClipboard, QGuiApplication

from meettray.platform.clipboard import CopyOutcome, WlCopyClipboard

log = logging.getLogger(__name__)


class QtClipboard:
    """Copies through Qt; at quit, hands what it still owns to the detached holder."""

    def __init__(self) -> None:
        self._last: tuple[str, str | None] | None = None

    def copy(self, text: str, html: str | None = None) -> CopyOutcome:
        """Place ``text`` (and ``html``) on the clipboard; what was observed."""
        self._last = (text, html)
        if QGuiApplication.platformName().startswith("wayland"):
            return _wayland_copy(text)
        data = QMimeData()
        data.setText(text)
        if html:
            data.setHtml(html)
        clipboard = QGuiApplication.clipboard()
        clipboard.setMimeData(data, QClipboard.Mode.Clipboard)
        if QGuiApplication.platformName() == "xcb" and not clipboard.ownsClipboard():
            return CopyOutcome(False, "Not copied: the X server did not make meettray the owner.")
        return CopyOutcome(True, "Copied to the clipboard.")

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


def _wayland_copy(text: str) -> CopyOutcome:
    wl_copy = shutil.which("wl-copy")
    if wl_copy is None:
        return CopyOutcome(
            False,
            "Not copied: on Wayland meettray needs wl-copy (the wl-clipboard package) to put "
            "a link on the clipboard.",
        )
    return WlCopyClipboard(wl_copy, shutil.which("wl-paste")).copy(text)
