"""The detached process that keeps a copied link on the clipboard.

Connects to the display (on X11 through libxcb, which starts in milliseconds;
elsewhere, or for a copy too big for one reply, through Qt), then reads
``{"text": ..., "html": ...}`` on stdin
(nothing there: it leaves), takes the clipboard, prints
``ready`` and then stays (invisible, no window) until another program copies
something, or a day has passed.  On Windows and macOS the system keeps the
data, so it exits at once.  Run by :class:`meettray.platform.clipboard.HolderClipboard`.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

from meettray.platform.x11_selection import MAX_PAYLOAD

if TYPE_CHECKING:
    from meettray.platform.x11_selection import SelectionOwner

MAX_LIFETIME_MS = 24 * 3600 * 1000


def _read_payload() -> dict[str, str | None] | None:
    """The text to copy, from whoever started this; ``None``: nothing after all."""
    try:
        payload = json.loads(sys.stdin.read())
    except ValueError:  # an empty input: the copy was not needed
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
        return None
    html = payload.get("html")
    return {"text": payload["text"], "html": html if isinstance(html, str) else None}


def main() -> int:
    # The display first: whoever started this may not know the text yet (a cold
    # ``meettray now`` starts it while it reads its prepared meeting).
    if sys.platform.startswith("linux") and os.environ.get("QT_QPA_PLATFORM") == "xcb":
        from meettray.platform.x11_selection import SelectionOwner

        try:
            owner = SelectionOwner()
        except OSError:
            pass  # no libxcb here: Qt does it, only slower
        else:
            return _serve_with_xcb(owner)
    return _serve_with_qt()


def _serve_with_xcb(owner: SelectionOwner) -> int:
    try:
        payload = _read_payload()
        if payload is None:
            return 0
        text, html = payload["text"] or "", payload["html"]
        if not owner.own(text, html):
            if len(text) + len(html or "") > MAX_PAYLOAD // 2:  # too big to send at once
                owner.close()
                return _serve_with_qt(payload)
            print("failed", flush=True)
            return 1
        print("ready", flush=True)
        sys.stdout.close()
        owner.serve(MAX_LIFETIME_MS / 1000)
        return 0
    finally:
        owner.close()


def _serve_with_qt(payload: dict[str, str | None] | None = None) -> int:
    from PySide6.QtCore import QMimeData, QTimer
    from PySide6.QtGui import QClipboard, QGuiApplication

    app = QGuiApplication(["meettray-clipboard"])
    app.setQuitOnLastWindowClosed(False)
    payload = payload or _read_payload()
    if payload is None:
        return 0
    data = QMimeData()
    data.setText(payload["text"] or "")
    if payload["html"]:
        data.setHtml(payload["html"])
    clipboard = app.clipboard()
    clipboard.setMimeData(data, QClipboard.Mode.Clipboard)
    app.processEvents()
    if not clipboard.ownsClipboard() and sys.platform.startswith("linux"):
        print("failed", flush=True)
        return 1
    print("ready", flush=True)
    sys.stdout.close()
    if not sys.platform.startswith("linux"):
        return 0

    def changed(mode: QClipboard.Mode) -> None:
        if mode == QClipboard.Mode.Clipboard and not clipboard.ownsClipboard():
            app.quit()

    clipboard.changed.connect(changed)
    QTimer.singleShot(MAX_LIFETIME_MS, app.quit)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
