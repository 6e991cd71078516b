"""The X11 backend on a real X server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from meettray.hotkeys.base import HotkeyError
from meettray.hotkeys.keys import Hotkey, x11_keysym, x11_modifiers

from ..xserver import xdotool, xvfb

pytestmark = pytest.mark.x11
CTRL_ALT_M = Hotkey("M", ctrl=True, alt=True)


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with xvfb() as value:
        yield value


@pytest.fixture
def backend(display: str, qtbot: QtBot) -> Iterator[object]:
    from meettray.hotkeys.x11 import X11Backend

    made = X11Backend(display)
    yield made
    made.close()


def rival(display: str, hotkey: Hotkey) -> subprocess.Popen[str]:
    """Another program grabbing ``hotkey`` (prints 'grabbed' or 'taken')."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.x11_client", "grab", hex(x11_keysym(hotkey)),
         hex(x11_modifiers(hotkey))],
        env={**os.environ, "DISPLAY": display}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_press_is_reported(backend: object, display: str, qtbot: QtBot) -> None:
    backend.register("meet_now", CTRL_ALT_M)  # type: ignore[attr-defined]
    with qtbot.waitSignal(backend.activated, timeout=5000) as pressed:  # type: ignore[attr-defined]
        xdotool(display, "key", "ctrl+alt+m")
    assert pressed.args == ["meet_now"]


def test_works_with_num_lock_and_caps_lock_on(backend: object, display: str, qtbot: QtBot) -> None:
    backend.register("meet_now", CTRL_ALT_M)  # type: ignore[attr-defined]
    xdotool(display, "key", "Num_Lock", "Caps_Lock")
    try:
        with qtbot.waitSignal(backend.activated, timeout=5000):  # type: ignore[attr-defined]
            xdotool(display, "key", "ctrl+alt+m")
    finally:
        xdotool(display, "key", "Num_Lock", "Caps_Lock")


def test_other_modifiers_do_not_trigger(backend: object, display: str, qtbot: QtBot) -> None:
    backend.register("meet_now", CTRL_ALT_M)  # type: ignore[attr-defined]
    with qtbot.assertNotEmitted(backend.activated, wait=500):  # type: ignore[attr-defined]
        xdotool(display, "key", "ctrl+m", "alt+m")


def test_a_combination_another_program_holds_is_refused(backend: object, display: str) -> None:
    other = rival(display, Hotkey("J", ctrl=True, alt=True))
    try:
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "grabbed"
        with pytest.raises(HotkeyError, match="already used by another program"):
            backend.register("meet_now", Hotkey("J", ctrl=True, alt=True))  # type: ignore[attr-defined]
        backend.register("meet_now", CTRL_ALT_M)  # type: ignore[attr-defined]  # others still work
    finally:
        other.kill()
        other.communicate()


def test_our_grab_cannot_be_stolen_and_unregister_frees_it(backend: object, display: str) -> None:
    backend.register("meet_now", CTRL_ALT_M)  # type: ignore[attr-defined]
    other = rival(display, CTRL_ALT_M)
    assert other.stdout is not None
    assert other.stdout.readline().strip() == "taken"
    other.kill()
    other.communicate()

    backend.unregister("meet_now")  # type: ignore[attr-defined]
    again = rival(display, CTRL_ALT_M)
    assert again.stdout is not None
    assert again.stdout.readline().strip() == "grabbed"
    again.kill()
    again.communicate()


def test_one_combination_for_two_actions_is_refused(backend: object) -> None:
    backend.register("meet_now", CTRL_ALT_M)  # type: ignore[attr-defined]
    with pytest.raises(HotkeyError, match="already used by meettray itself"):
        backend.register("copy_last", CTRL_ALT_M)  # type: ignore[attr-defined]
