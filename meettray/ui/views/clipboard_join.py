""" "Join the meeting on the clipboard", as the tray's menu and the no-tray window offer it.

The view reads the clipboard through Qt, on the GUI thread (a local read, or on X11 one
conversion Qt bounds itself), keeps no more of it than the check needs, and sends it as
an intent; the model decides whether it is a Teams link
(:func:`~meettray.upcoming.clipboard_link`) and joins it as every join is joined.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QClipboard, QGuiApplication

from meettray.ui.app_model import intents as i
from meettray.upcoming import MAX_CLIPBOARD_TEXT


def clipboard_text() -> str:
    """The clipboard's text, cut one character past what a link may be (so that longer
    text is still seen as too long, and refused whole)."""
    return QGuiApplication.clipboard().text(QClipboard.Mode.Clipboard)[: MAX_CLIPBOARD_TEXT + 1]


def join_clipboard(dispatch: Callable[[i.Intent], object]) -> None:
    """Send the clipboard's text to the model, as ``JoinClipboard``."""
    dispatch(i.JoinClipboard(clipboard_text()))
