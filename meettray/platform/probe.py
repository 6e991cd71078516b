"""What this desktop session offers meettray: tray, clipboard, hotkeys (for ``doctor``)."""

from __future__ import annotations

from typing import Any

from meettray.hotkeys.keys import Hotkey


def desktop_probe(hotkeys: dict[str, str]) -> dict[str, Any]:
    """Start Qt briefly and look; hotkeys are grabbed and released at once."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    from meettray.hotkeys.base import HotkeyError, create_backend
    from meettray.platform.clipboard import NullClipboard, system_clipboard

    app = QApplication.instance() or QApplication(["meettray"])
    platform = QGuiApplication.platformName()
    clipboard = system_clipboard()
    backend = create_backend(platform)
    results: dict[str, dict[str, Any]] = {}
    try:
        for action, text in hotkeys.items():
            hotkey = Hotkey.parse(text)
            if hotkey is None:
                results[action] = {"detail": "Off.", "ok": True}
                continue
            try:
                backend.register(action, hotkey)
            except HotkeyError as exc:
                results[action] = {"detail": exc.message, "ok": False}
            else:
                results[action] = {"detail": f"{hotkey.portable()} works everywhere.", "ok": True}
                backend.unregister(action)
    finally:
        backend.close()
    del app
    return {
        "platform": platform,
        "tray": QSystemTrayIcon.isSystemTrayAvailable(),
        "clipboard": not isinstance(clipboard, NullClipboard),
        "clipboard_detail": "available"
        if not isinstance(clipboard, NullClipboard)
        else clipboard.reason,
        "backend": backend.name,
        "hotkeys": results,
    }
