"""The detached process that keeps a copied link on the clipboard.

Reads ``{"text": ..., "html": ...}`` on stdin, takes the clipboard, prints
``ready`` and then stays (invisible, no window) until another program copies
something, or a day has passed.  On Windows and macOS the system keeps the
data, so it exits at once.  Run by :class:`meettray.platform.clipboard.HolderClipboard`.
"""

from __future__ import annotations

import json
import sys

MAX_LIFETIME_MS = 24 * 3600 * 1000


def main() -> int:
    payload = json.loads(sys.stdin.read())
    from PySide6.QtCore import QMimeData, QTimer
    from PySide6.QtGui import QClipboard, QGuiApplication

    app = QGuiApplication(["meettray-clipboard"])
    app.setQuitOnLastWindowClosed(False)
    data = QMimeData()
    data.setText(payload["text"])
    if payload.get("html"):
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
