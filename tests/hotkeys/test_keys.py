"""The platform-neutral hotkey and its per-OS translations."""

from __future__ import annotations

import pytest

from meettray.hotkeys import keys
from meettray.hotkeys.keys import Hotkey

CTRL_ALT_M = Hotkey("M", ctrl=True, alt=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ctrl+Alt+M", CTRL_ALT_M),
        ("ctrl+alt+m", CTRL_ALT_M),
        ("Alt+Ctrl+M", CTRL_ALT_M),
        ("Meta+Shift+F5", Hotkey("F5", shift=True, meta=True)),
        ("F13", Hotkey("F13")),
        ("Ctrl+Alt+PageUp", Hotkey("PgUp", ctrl=True, alt=True)),
        ("Ctrl+Alt+Enter", Hotkey("Return", ctrl=True, alt=True)),
        ("Ctrl+Alt+-", Hotkey("-", ctrl=True, alt=True)),
        ("Super+Space", Hotkey("Space", meta=True)),
        (" Ctrl + Alt + M ", CTRL_ALT_M),
    ],
)
def test_parse(text: str, expected: Hotkey) -> None:
    assert Hotkey.parse(text) == expected


@pytest.mark.parametrize("text", ["", "none", "None", "  "])
def test_nothing_means_no_hotkey(text: str) -> None:
    assert Hotkey.parse(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Ctrl+Alt+Banana", "not a key"),
        ("Hyper+M", "not a modifier"),
        ("M", "take that key from every program"),
        ("Shift+M", "add Ctrl, Alt or Meta"),
        ("Ctrl+Alt+F25", "not a key"),
        ("Ctrl+Alt+ü", "not a key"),
    ],
)
def test_parse_errors_are_sentences(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Hotkey.parse(text)


@pytest.mark.parametrize("text", ["Ctrl+Alt+M", "Ctrl+Shift+Meta+F12", "Alt+Space", "Ctrl+Alt+/"])
def test_portable_round_trip(text: str) -> None:
    parsed = Hotkey.parse(text)
    assert parsed is not None
    assert parsed.portable() == text
    assert Hotkey.parse(parsed.portable()) == parsed


def test_x11() -> None:
    assert keys.x11_keysym(CTRL_ALT_M) == 0x6D  # XK_m
    assert keys.x11_keysym(Hotkey("7", alt=True)) == 0x37
    assert keys.x11_keysym(Hotkey("F1")) == 0xFFBE
    assert keys.x11_keysym(Hotkey("F24")) == 0xFFD5
    assert keys.x11_keysym(Hotkey("PgDown", ctrl=True)) == 0xFF56  # XK_Next
    assert keys.x11_keysym(Hotkey("/", ctrl=True)) == 0x2F
    assert keys.x11_modifiers(CTRL_ALT_M) == 4 | 8  # ControlMask | Mod1Mask
    assert keys.x11_modifiers(Hotkey("M", shift=True, meta=True)) == 1 | 64


def test_x11_grabs_every_lock_variant() -> None:
    assert keys.x11_grab_masks(CTRL_ALT_M) == [12, 12 | 2, 12 | 16, 12 | 2 | 16]
    # A layout with Num Lock on Mod3 instead of Mod2:
    assert keys.x11_grab_masks(CTRL_ALT_M, numlock_mask=32) == [12, 14, 44, 46]
    assert keys.x11_ignored_mask() == 2 | 16


def test_windows() -> None:
    assert keys.windows_virtual_key(CTRL_ALT_M) == 0x4D
    assert keys.windows_virtual_key(Hotkey("0", ctrl=True)) == 0x30
    assert keys.windows_virtual_key(Hotkey("F24")) == 0x87
    assert keys.windows_virtual_key(Hotkey("Space", alt=True)) == 0x20
    assert keys.windows_virtual_key(Hotkey(";", alt=True)) == 0xBA  # VK_OEM_1
    assert keys.windows_modifiers(CTRL_ALT_M) == 0x2 | 0x1 | 0x4000
    assert keys.windows_modifiers(Hotkey("M", shift=True, meta=True)) == 0x4 | 0x8 | 0x4000


def test_macos() -> None:
    assert keys.mac_key_code(CTRL_ALT_M) == 0x2E  # kVK_ANSI_M
    assert keys.mac_key_code(Hotkey("Space", ctrl=True)) == 0x31
    assert keys.mac_key_code(Hotkey("F5")) == 0x60
    assert keys.mac_modifiers(CTRL_ALT_M) == 0x100 | 0x800  # cmdKey | optionKey
    assert keys.mac_modifiers(Hotkey("M", meta=True, shift=True)) == 0x1000 | 0x200
    with pytest.raises(ValueError, match="no key on a Mac"):
        keys.mac_key_code(Hotkey("F24"))


def test_portal() -> None:
    assert keys.portal_trigger(CTRL_ALT_M) == "CTRL+ALT+m"
    assert keys.portal_trigger(Hotkey("F5", shift=True, meta=True)) == "SHIFT+LOGO+F5"
    assert keys.portal_trigger(Hotkey("PgUp", ctrl=True)) == "CTRL+Prior"
    assert keys.portal_trigger(Hotkey("-", alt=True)) == "ALT+minus"


def test_every_key_translates_everywhere() -> None:
    for key in sorted(keys.KEYS):
        hotkey = Hotkey(key, ctrl=True)
        assert keys.x11_keysym(hotkey) > 0
        assert 0 < keys.windows_virtual_key(hotkey) < 0x100
        assert keys.portal_trigger(hotkey)
        if key not in ("F21", "F22", "F23", "F24"):
            assert 0 <= keys.mac_key_code(hotkey) < 0x80
    # No two keys share a code on any platform.
    everything = [Hotkey(k, ctrl=True) for k in keys.KEYS]
    assert len({keys.x11_keysym(h) for h in everything}) == len(everything)
    assert len({keys.windows_virtual_key(h) for h in everything}) == len(everything)
    mac = [h for h in everything if h.key not in ("F21", "F22", "F23", "F24")]
    assert len({keys.mac_key_code(h) for h in mac}) == len(mac)
