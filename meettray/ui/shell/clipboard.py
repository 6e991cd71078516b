"""The tray app's clipboard: plain text and HTML, kept alive after quitting on X11, and
its text read for "Join the meeting on the clipboard".

On Wayland a compositor refuses a clipboard write from a client that has no
recent input event (``set_selection`` needs a serial), which a tray answering
a hotkey, a D-Bus activation or the command line never has: Qt's write there
is silently dropped.  ``wl-copy`` uses the data-control protocol where the
compositor offers it (wlroots, KWin); on GNOME, which offers none, the X11
clipboard through Xwayland lands (:func:`_wayland_copy`).  Each copy is
checked before it is called done.  Those helper processes run on the task runner, one copy at a
time and in order, so the GUI thread never waits for them.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QClipboard, QGuiApplication

from meettray.formatting import ClipboardPayload
from meettray.platform.clipboard import CopyOutcome, HolderClipboard, WlCopyClipboard
from meettray.ui.app_model.tasks import TaskRunner

log = logging.getLogger(__name__)

#: Seconds wl-copy may wait for keyboard focus where the compositor has no data-control.
FOCUS_WAIT = 3.0

Done = Callable[[CopyOutcome], None]


class QtClipboard:
    """Copies through Qt (or wl-copy on Wayland); at quit, hands what it still owns to
    the detached holder."""

    def __init__(self, runner: TaskRunner) -> None:
        self._runner = runner
        self._last: ClipboardPayload | None = None
        self._pending: deque[tuple[ClipboardPayload, Done]] = deque()
        self._copying = False

    def copy(self, payload: ClipboardPayload, done: Done) -> None:
        """Place ``payload`` on the clipboard; ``done`` gets what was observed."""
        self._last = payload
        if not QGuiApplication.platformName().startswith("wayland"):
            done(_qt_copy(payload))
            return
        self._pending.append((payload, done))
        self._copy_next()

    def _copy_next(self) -> None:
        if self._copying or not self._pending:
            return
        self._copying = True
        payload, done = self._pending.popleft()

        def finished(outcome: CopyOutcome) -> None:
            self._copying = False
            done(outcome)
            self._copy_next()

        self._runner.run(
            lambda: _wayland_copy(payload),
            finished,
            lambda exc: finished(CopyOutcome(False, f"Not copied: {type(exc).__name__}.")),
        )

    def read_text(
        self, limit: int, done: Callable[[str], None], failed: Callable[[str], None]
    ) -> None:
        """The clipboard's text, at most ``limit + 1`` characters (more would be refused
        whole anyway), to ``done``; why it could not be read, to ``failed``.

        Qt's own read where a program may read the clipboard at any time (X11, Windows,
        macOS; on X11 Qt bounds the wait for the owner itself).  On Wayland a client
        without the keyboard (a tray, whose menu the panel draws) is never told of a new
        clipboard, so Qt would give a stale one: ``wl-paste`` (or Xwayland's, through
        ``xclip``) reads it, on the runner.
        """
        if not QGuiApplication.platformName().startswith("wayland"):
            done(QGuiApplication.clipboard().text(QClipboard.Mode.Clipboard)[: limit + 1])
            return
        from meettray.platform.clipboard_read import ClipboardUnreadable, read_clipboard

        def error(exc: Exception) -> None:
            failed(str(exc) if isinstance(exc, ClipboardUnreadable) else type(exc).__name__)

        self._runner.run(lambda: read_clipboard(limit), done, error)

    def hand_off(self) -> None:
        """On X11 a quitting owner takes its clipboard along: pass it to the holder."""
        if self._last is None or not sys.platform.startswith("linux"):
            return
        if QGuiApplication.platformName() != "xcb":
            return
        if not QGuiApplication.clipboard().ownsClipboard():
            return  # someone copied something else since: nothing to keep
        outcome = HolderClipboard("xcb").copy(self._last.text, self._last.html)
        log.info("clipboard hand-off at quit: %s", outcome.message)


def _qt_copy(payload: ClipboardPayload) -> CopyOutcome:
    data = QMimeData()
    data.setText(payload.text)
    if payload.html:
        data.setHtml(payload.html)
    clipboard = QGuiApplication.clipboard()
    clipboard.setMimeData(data, QClipboard.Mode.Clipboard)
    if QGuiApplication.platformName() == "xcb" and not clipboard.ownsClipboard():
        return CopyOutcome(False, "Not copied: the X server did not make meettray the owner.")
    return CopyOutcome(True, "Copied to the clipboard.")


def _wayland_copy(payload: ClipboardPayload) -> CopyOutcome:
    """On a worker thread: the way that lands on this compositor.

    1. It offers data-control (sway, KWin), or cannot tell: ``wl-copy``, which
       needs no focus there.
    2. It offers none (mutter: GNOME) and Xwayland runs (``DISPLAY``, as in every
       GNOME session): the X11 clipboard, through the detached holder; Xwayland
       hands it to Wayland clients, even with the Activities overview open.
    3. Neither: ``wl-copy`` with a short wait, since it needs keyboard focus, and
       its own words if it fails ("This seat has no keyboard").
    """
    from meettray.platform.wayland import has_data_control

    wl_copy = shutil.which("wl-copy")
    data_control = has_data_control()
    if wl_copy and data_control is not False:
        return WlCopyClipboard(wl_copy, shutil.which("wl-paste")).copy(payload.text)
    if os.environ.get("DISPLAY"):
        return HolderClipboard("xcb").copy(payload.text, payload.html)
    if wl_copy:
        wl_paste = shutil.which("wl-paste")
        return WlCopyClipboard(wl_copy, wl_paste, timeout=FOCUS_WAIT).copy(payload.text)
    return CopyOutcome(
        False,
        "Not copied: on Wayland meettray needs wl-copy (the wl-clipboard package) to put "
        "a link on the clipboard.",
    )
