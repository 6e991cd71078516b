"""macOS backend logic with Carbon faked (not run on macOS here)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from meettray.hotkeys import keys
from meettray.hotkeys.base import HotkeyError
from meettray.hotkeys.keys import Hotkey
from meettray.hotkeys.macos import EVENT_HOT_KEY_EXISTS, HOT_KEY_EXCLUSIVE, MacBackend


class FakeCarbon:
    """Carbon's hot keys as the Event Manager keeps them: one registration per key code and
    modifiers; another app's exclusive one (``held``) refuses ours, and ours, registered
    exclusive, would refuse theirs."""

    def __init__(self, layout: Mapping[int, str] | None = None) -> None:
        self.handler: Callable[[int], None] | None = None
        self.registered: dict[object, tuple[int, int, int]] = {}
        self.options: list[int] = []
        self.held: set[tuple[int, int]] = set()  # other apps' (key code, modifiers)
        self.status = 0
        self.table = dict(layout or {})

    def install_handler(self, on_pressed: Callable[[int], None]) -> None:
        self.handler = on_pressed

    def register(
        self, key_code: int, modifiers: int, hotkey_id: int, options: int
    ) -> tuple[int, Any]:
        if self.status:
            return self.status, None
        if (key_code, modifiers) in self.held and options & HOT_KEY_EXCLUSIVE:
            return EVENT_HOT_KEY_EXISTS, None  # without the option: shared, and unreported
        self.options.append(options)
        ref = object()
        self.registered[ref] = (key_code, modifiers, hotkey_id)
        return 0, ref

    def unregister(self, ref: Any) -> None:
        del self.registered[ref]

    def layout(self) -> Mapping[int, str]:
        return self.table


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


# What each key code types, unmodified (UCKeyTranslate), for the keys that differ from
# a US keyboard; the rest of each table is the US one.
US = {0x00: "a", 0x01: "s", 0x06: "z", 0x07: "x", 0x0C: "q", 0x0D: "w", 0x10: "y",
      0x29: ";", 0x2E: "m", 0x12: "1", 0x53: "1", 0x2C: "/", 0x1B: "-"}  # fmt: skip
AZERTY = {**US, 0x00: "q", 0x0C: "a", 0x0D: "z", 0x06: "w", 0x29: "m", 0x2E: ",",
          0x12: "&", 0x2C: "=", 0x1B: ")"}  # fmt: skip
QWERTZ = {**US, 0x06: "y", 0x10: "z", 0x2C: "-", 0x1B: "ß"}  # fmt: skip
DVORAK = {**US, 0x00: "a", 0x01: "o", 0x06: ";", 0x07: "q", 0x0C: "'", 0x0D: ",",
          0x10: "f", 0x29: "s", 0x2E: "m", 0x2C: "z", 0x1B: "["}  # fmt: skip


@pytest.mark.parametrize(
    ("layout", "key", "code"),
    [
        (US, "Z", 0x06),
        (AZERTY, "Z", 0x0D),  # where the Z is printed, not the US Z's place (W on AZERTY)
        (AZERTY, "A", 0x0C),
        (AZERTY, "M", 0x29),
        (AZERTY, "1", 0x12),  # digits stay on the number row (AZERTY shifts them)
        (QWERTZ, "Z", 0x10),
        (QWERTZ, "Y", 0x06),
        (QWERTZ, "-", 0x2C),
        (DVORAK, "Z", 0x2C),
        (DVORAK, "S", 0x29),
        (DVORAK, "M", 0x2E),
        ({}, "Z", 0x06),  # layout unknown: US positions
    ],
)
def test_keys_are_the_ones_the_layout_types(
    layout: dict[int, str], key: str, code: int, qtbot: QtBot
) -> None:
    carbon = FakeCarbon(layout)
    backend = MacBackend(carbon)

    backend.register("meet_now", Hotkey(key, ctrl=True, meta=True))

    ((registered, _modifiers, _id),) = carbon.registered.values()
    assert registered == code


def test_a_combination_another_app_holds_is_reported_not_shared(qtbot: QtBot) -> None:
    """Was: registered without kEventHotKeyExclusive, so both apps got it and meettray
    said it worked."""
    carbon = FakeCarbon(US)
    carbon.held.add((0x2E, 0x100 | 0x1000))  # another app's Cmd+Ctrl+M
    backend = MacBackend(carbon)

    with pytest.raises(HotkeyError, match="already used by another program"):
        backend.register("meet_now", Hotkey("M", ctrl=True, meta=True))
    backend.register("copy_last", Hotkey("L", ctrl=True, meta=True))
    assert carbon.options == [HOT_KEY_EXCLUSIVE]


@pytest.mark.parametrize("text", ["Alt+M", "Alt+Shift+M", "Alt+F5"])
def test_option_only_combinations_are_refused(text: str, qtbot: QtBot) -> None:
    """macOS 15 registers them and never delivers them: say so instead."""
    carbon = FakeCarbon(US)
    backend = MacBackend(carbon)
    hotkey = Hotkey.parse(text)
    assert hotkey is not None

    with pytest.raises(HotkeyError, match=r"only Option.*add Command or Control"):
        backend.register("meet_now", hotkey)
    assert carbon.registered == {}


@pytest.mark.parametrize("text", ["Ctrl+Alt+M", "Meta+Alt+M", "Meta+Alt+Shift+M", "Ctrl+M"])
def test_option_with_command_or_control_is_fine(text: str, qtbot: QtBot) -> None:
    carbon = FakeCarbon(US)
    hotkey = Hotkey.parse(text)
    assert hotkey is not None
    MacBackend(carbon).register("meet_now", hotkey)
    assert len(carbon.registered) == 1


def test_the_mac_default_is_not_command_option_m() -> None:
    """Cmd+Option+M minimises all windows of the app in front (Qt's Ctrl is Command)."""
    hotkey = Hotkey.parse(keys.default_meet_now("darwin"))
    assert hotkey is not None

    assert (keys.mac_modifiers(hotkey), hotkey.key) == (0x100 | 0x1000, "M")  # ⌃⌘M
    assert keys.mac_refusal(hotkey) == ""
    assert keys.default_meet_now("win32") == keys.default_meet_now("linux") == "Ctrl+Alt+M"
