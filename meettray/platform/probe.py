"""What this desktop session offers meettray: tray, clipboard, hotkeys (for ``doctor``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from meettray.hotkeys.keys import Hotkey
from meettray.ipc import HotkeyState


@dataclass(frozen=True)
class DesktopProbe:
    """What this session offers: the Qt platform, a tray, a clipboard, the hotkeys."""

    platform: str
    tray: bool
    clipboard: bool
    clipboard_detail: str
    backend: str
    hotkeys: dict[str, HotkeyState] = field(default_factory=dict)


def desktop_probe(hotkeys: dict[str, str]) -> DesktopProbe:
    """Start Qt briefly and look; hotkeys are grabbed and released at once."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    from meettray.hotkeys.base import HotkeyError, create_backend
    from meettray.platform.clipboard import NullClipboard, system_clipboard

    app = QApplication.instance() or QApplication(["meettray"])
    platform = QGuiApplication.platformName()
    clipboard = system_clipboard()
    backend = create_backend(platform)
    results: dict[str, HotkeyState] = {}
    try:
        for action, text in hotkeys.items():
            hotkey = Hotkey.parse(text)
            if hotkey is None:
                results[action] = HotkeyState("Off.", ok=True)
                continue
            try:
                backend.register(action, hotkey)
            except HotkeyError as exc:
                results[action] = HotkeyState(exc.message, ok=False)
            else:
                results[action] = HotkeyState(f"{hotkey.portable()} works everywhere.", ok=True)
                backend.unregister(action)
    finally:
        backend.close()
    del app
    return DesktopProbe(
        platform=platform,
        tray=QSystemTrayIcon.isSystemTrayAvailable(),
        clipboard=not isinstance(clipboard, NullClipboard),
        clipboard_detail=clipboard.reason if isinstance(clipboard, NullClipboard) else "available",
        backend=backend.name,
        hotkeys=results,
    )
