"""What this desktop session offers meettray: tray, clipboard, hotkeys (for ``doctor``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from meettray.hotkeys.keys import Hotkey
from meettray.ipc import HotkeyState

if TYPE_CHECKING:
    from meettray.hotkeys.base import HotkeyBackend


@dataclass(frozen=True)
class DesktopProbe:
    """What this session offers: the Qt platform, a tray, a clipboard, the hotkeys."""

    platform: str
    tray: bool
    clipboard: bool
    clipboard_detail: str
    backend: str
    hotkeys: dict[str, HotkeyState] = field(default_factory=dict)


#: How long doctor waits for a desktop that confirms hotkeys later (the portal).
CONFIRM_WAIT_MS = 15_000


def desktop_probe(hotkeys: dict[str, str]) -> DesktopProbe:
    """Start Qt briefly and look; hotkeys are grabbed and released at once, and where
    the desktop confirms them later, its answer is awaited: only that is reported."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    from meettray.hotkeys.base import HotkeyError, create_backend, grabbed
    from meettray.platform.clipboard import NullClipboard, system_clipboard

    app = QApplication.instance() or QApplication(["meettray"])
    platform = QGuiApplication.platformName()
    clipboard = system_clipboard()
    backend = create_backend(platform)
    results: dict[str, HotkeyState] = {}
    asked: dict[str, Hotkey] = {}
    try:
        for action, text in hotkeys.items():
            hotkey = Hotkey.parse(text)
            if hotkey is None:
                results[action] = HotkeyState("Off.", ok=True)
                continue
            try:
                backend.register(action, hotkey)
            except HotkeyError as exc:
                results[action] = HotkeyState(exc.message, ok=False, fix=exc.fix)
            else:
                if backend.confirms_later:
                    asked[action] = hotkey
                else:
                    results[action] = HotkeyState(grabbed(hotkey), ok=True)
                    backend.unregister(action)
        if asked:
            results.update(_confirmations(backend, asked))
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


def _confirmations(backend: HotkeyBackend, asked: dict[str, Hotkey]) -> dict[str, HotkeyState]:
    """Wait (the event loop running) for the desktop's answer to each hotkey asked for."""
    from PySide6.QtCore import QEventLoop, QTimer

    from meettray.hotkeys.base import confirmed_by_desktop

    answers: dict[str, HotkeyState] = {}
    loop = QEventLoop()

    def answered(action: str, state: HotkeyState) -> None:
        if action in asked and action not in answers:
            answers[action] = state
        if answers.keys() >= asked.keys():
            loop.quit()

    def on_bound(action: str, trigger: str) -> None:
        answered(action, HotkeyState(confirmed_by_desktop(trigger), ok=True))

    def on_failed(action: str, text: str) -> None:
        answered(action, HotkeyState(text, ok=False))

    backend.bound.connect(on_bound)
    backend.registration_failed.connect(on_failed)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    deadline.start(CONFIRM_WAIT_MS)
    if answers.keys() < asked.keys():
        loop.exec()
    # Nothing may reach the loop once this returns: it is gone with this frame.
    deadline.stop()
    backend.bound.disconnect(on_bound)
    backend.registration_failed.disconnect(on_failed)
    for action, hotkey in asked.items():
        answers.setdefault(action, HotkeyState(
            f"{hotkey.portable()}: the desktop did not confirm it within "
            f"{CONFIRM_WAIT_MS // 1000} s.",
            ok=False,
            fix="If the desktop shows a dialog, confirm it there, then run doctor again.",
        ))  # fmt: skip
    return answers
