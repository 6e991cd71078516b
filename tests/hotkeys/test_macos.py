"""macOS backend logic with Carbon faked (not run on macOS here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from meettray.hotkeys.base import HotkeyError
from meettray.hotkeys.keys import Hotkey
from meettray.hotkeys.macos import EVENT_HOT_KEY_EXISTS, MacBackend


class FakeCarbon:
    def __init__(self) -> None:
        self.handler: Callable[[int], None] | None = None
        self.registered: dict[object, tuple[int, int, int]] = {}
        self.status = 0

    def install_handler(self, on_pressed: Callable[[int], None]) -> None:
        self.handler = on_pressed

    def register(self, key_code: int, modifiers: int, hotkey_id: int) -> tuple[int, Any]:
        if self.status:
            return self.status, None
        ref = object()
        self.registered[ref] = (key_code, modifiers, hotkey_id)
        return 0, ref

    def unregister(self, ref: Any) -> None:
        del self.registered[ref]


def test_registers_and_reports(qtbot: QtBot) -> None:
    carbon = FakeCarbon()
    backend = MacBackend(carbon)
    backend.register("meet_now", Hotkey("M", ctrl=True, alt=True))
    ((code, modifiers, hotkey_id),) = carbon.registered.values()
    assert (code, modifiers) == (0x2E, 0x100 | 0x800)  # M, Command + Option
    assert carbon.handler is not None
    with qtbot.waitSignal(backend.activated) as pressed:
        carbon.handler(hotkey_id)
    assert pressed.args == ["meet_now"]
    backend.close()
    assert carbon.registered == {}


def test_refusals() -> None:
    carbon = FakeCarbon()
    backend = MacBackend(carbon)
    carbon.status = EVENT_HOT_KEY_EXISTS
    with pytest.raises(HotkeyError, match="already used by another program"):
        backend.register("meet_now", Hotkey("M", ctrl=True, alt=True))
    carbon.status = 0
    with pytest.raises(HotkeyError, match="no key on a Mac"):
        backend.register("meet_now", Hotkey("F24"))
