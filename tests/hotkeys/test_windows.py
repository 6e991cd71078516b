"""Windows backend logic with user32 faked (not run on Windows here)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from meettray.hotkeys.base import HotkeyError
from meettray.hotkeys.keys import Hotkey
from meettray.hotkeys.windows import ERROR_HOTKEY_ALREADY_REGISTERED, WM_HOTKEY, WindowsBackend


class FakeUser32:
    def __init__(self) -> None:
        self.registered: dict[int, tuple[int, int]] = {}
        self.refuse_with = 0

    def register(self, hotkey_id: int, modifiers: int, virtual_key: int) -> int:
        if self.refuse_with:
            return self.refuse_with
        self.registered[hotkey_id] = (modifiers, virtual_key)
        return 0

    def unregister(self, hotkey_id: int) -> None:
        del self.registered[hotkey_id]


def test_registers_translated_codes_and_reports_presses(qtbot: QtBot) -> None:
    api = FakeUser32()
    backend = WindowsBackend(api)
    backend.register("meet_now", Hotkey("M", ctrl=True, alt=True))
    (hotkey_id,) = api.registered
    assert api.registered[hotkey_id] == (0x2 | 0x1 | 0x4000, 0x4D)

    with qtbot.waitSignal(backend.activated) as pressed:
        assert backend.handle_message(WM_HOTKEY, hotkey_id) is True
    assert pressed.args == ["meet_now"]
    assert backend.handle_message(WM_HOTKEY, 999) is False
    assert backend.handle_message(0x0100, hotkey_id) is False  # WM_KEYDOWN: not ours


def test_taken_combination_and_other_refusals() -> None:
    api = FakeUser32()
    backend = WindowsBackend(api)
    api.refuse_with = ERROR_HOTKEY_ALREADY_REGISTERED
    with pytest.raises(HotkeyError, match="already used by another program"):
        backend.register("meet_now", Hotkey("M", ctrl=True, alt=True))
    api.refuse_with = 5
    with pytest.raises(HotkeyError, match="error 5"):
        backend.register("meet_now", Hotkey("M", ctrl=True, alt=True))


def test_reregistering_and_close_release(qtbot: QtBot) -> None:
    api = FakeUser32()
    backend = WindowsBackend(api)
    backend.register("meet_now", Hotkey("M", ctrl=True, alt=True))
    backend.register("meet_now", Hotkey("J", ctrl=True, alt=True))
    assert [vk for _, vk in api.registered.values()] == [0x4A]
    backend.close()
    assert api.registered == {}
