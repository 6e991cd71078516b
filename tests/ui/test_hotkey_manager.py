"""The manager: applies settings, reports failures once, turns presses into actions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.hotkeys.base import HotkeyBackend, HotkeyError, NullBackend
from meettray.hotkeys.keys import Hotkey
from meettray.ui.app_model.intents import SaveSettings
from meettray.ui.app_model.model import AppModel
from meettray.ui.shell.hotkey_manager import HotkeyManager

from .conftest import RecordingClipboard, apply_settings, meet_now


class RecordingBackend(HotkeyBackend):
    name = "recording"

    def __init__(self) -> None:
        super().__init__()
        self.grabbed: dict[str, Hotkey] = {}
        self.taken: set[str] = set()

    def register(self, action: str, hotkey: Hotkey) -> None:
        if hotkey.portable() in self.taken:
            raise HotkeyError(f"{hotkey.portable()} is already used by another program.")
        self.grabbed[action] = hotkey

    def unregister(self, action: str) -> None:
        self.grabbed.pop(action, None)


def with_hotkeys(model: AppModel, qtbot: QtBot, **values: str) -> None:
    apply_settings(model, qtbot, dataclasses.replace(
        model.config, hotkeys=dataclasses.replace(model.config.hotkeys, **values)
    ))  # fmt: skip


def test_default_hotkey_makes_a_meeting(
    model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    backend = RecordingBackend()
    manager = HotkeyManager(backend, model)
    manager.apply()
    assert backend.grabbed == {"meet_now": Hotkey("M", ctrl=True, alt=True)}
    assert manager.describe("meet_now") == "Ctrl+Alt+M works everywhere."
    assert manager.describe("copy_last") == "Off."

    with qtbot.waitSignal(model.meetings.delivered, timeout=10_000):
        backend.activated.emit("meet_now")
    assert len(fake.meetings) == 1


def test_copy_last(model: AppModel, clipboard: RecordingClipboard, qtbot: QtBot) -> None:
    backend = RecordingBackend()
    manager = HotkeyManager(backend, model)
    with_hotkeys(model, qtbot, copy_last="Ctrl+Alt+L")
    manager.apply()
    notes: list[str] = []
    model.notify.connect(lambda notice: notes.append(notice.title))
    backend.activated.emit("copy_last")
    assert notes == ["No meeting yet"]

    made = meet_now(model, qtbot)
    qtbot.waitUntil(lambda: bool(model.state.recent), timeout=5000)
    clipboard.copies.clear()
    backend.activated.emit("copy_last")
    assert clipboard.text == made.meeting.join_url
    assert notes[-1] == "Link copied again — Quick meeting"


@pytest.mark.logs("hotkey for meet_now unavailable")
def test_failure_is_reported_once_and_the_app_carries_on(model: AppModel, qtbot: QtBot) -> None:
    backend = RecordingBackend()
    backend.taken.add("Ctrl+Alt+M")
    manager = HotkeyManager(backend, model)
    notes: list[tuple[str, str]] = []
    model.notify.connect(lambda notice: notes.append((notice.title, notice.text)))

    manager.apply()
    manager.apply()

    assert notes == [("Hotkey for Meet now unavailable",
                      "Ctrl+Alt+M is already used by another program.")]  # fmt: skip
    assert "already used" in manager.describe("meet_now")


def test_changing_the_setting_takes_effect_at_once(model: AppModel, qtbot: QtBot) -> None:
    backend = RecordingBackend()
    manager = HotkeyManager(backend, model)
    manager.apply()
    new = dataclasses.replace(
        model.config,
        hotkeys=dataclasses.replace(model.config.hotkeys, meet_now="Meta+F9", copy_last=""),
    )
    with qtbot.waitSignal(manager.status_changed, timeout=5000):
        model.dispatch(SaveSettings(new))
    assert backend.grabbed == {"meet_now": Hotkey("F9", meta=True)}

    with_hotkeys(model, qtbot, meet_now="none")
    manager.apply()
    assert backend.grabbed == {}
    assert manager.describe("meet_now") == "Off."


@pytest.mark.logs("hotkey for meet_now unavailable")
def test_null_backend_explains_the_desktop_shortcut(model: AppModel) -> None:
    manager = HotkeyManager(NullBackend("No global hotkeys here."), model)
    manager.apply()
    assert "meettray now" in manager.describe("meet_now")


class AskingBackend(RecordingBackend):
    """Like the portal: register() only asks; the desktop answers later."""

    name = "asking"
    confirms_later = True


def test_a_hotkey_the_desktop_has_not_confirmed_is_not_called_working(
    model: AppModel,
) -> None:
    """KDE's hotkey never bound while doctor said "works everywhere": only what was
    observed is reported."""
    backend = AskingBackend()
    manager = HotkeyManager(backend, model)
    manager.apply()
    waiting = manager.state("meet_now")
    assert waiting.ok is False
    assert waiting.detail == "Ctrl+Alt+M: asked the desktop; it has not confirmed it yet."

    backend.bound.emit("meet_now", "Ctrl+Alt+M")
    assert manager.state("meet_now").ok is True
    assert manager.describe("meet_now") == "Bound by the desktop, which shows it as Ctrl+Alt+M."


@pytest.mark.logs("hotkey for meet_now unavailable")
def test_a_desktop_that_refuses_later_is_reported_with_its_reason(
    model: AppModel, qtbot: QtBot
) -> None:
    backend = AskingBackend()
    manager = HotkeyManager(backend, model)
    manager.apply()
    with qtbot.waitSignal(model.notify) as shown:
        backend.registration_failed.emit("meet_now", "The desktop refused the shortcut. Do X.")
    assert shown.args[0].text == "The desktop refused the shortcut. Do X."
    state = manager.state("meet_now")
    assert (state.ok, state.detail, state.fix) == (
        False,
        "The desktop refused the shortcut. Do X.",
        "",
    )
    backend.bound.emit("meet_now", "Ctrl+Alt+M")  # a late answer for a hotkey given up: ignored
    assert manager.state("meet_now").ok is False


def test_a_presets_hotkey_makes_its_kind_of_meeting_and_goes_with_the_preset(
    model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot, tmp_path: Path
) -> None:
    from meettray.config import config_from_mapping

    backend = RecordingBackend()
    manager = HotkeyManager(backend, model)  # applies again when settings are saved
    saved = config_from_mapping(
        {"account": {"client_id": model.config.account.client_id,
                     "authority": model.config.account.authority,
                     "graph_endpoint": model.config.account.graph_endpoint},
         "meeting": {"prepare_next_link": False},
         "presets": {"quick": {"default": True},
                     "war-room": {"label": "War room", "hotkey": "Ctrl+Alt+W",
                                  "record_automatically": True}}},
        path=tmp_path / "config.toml",
    )  # fmt: skip
    apply_settings(model, qtbot, saved)
    assert backend.grabbed["preset:war-room"] == Hotkey("W", ctrl=True, alt=True)
    assert manager.describe("preset:war-room") == "Ctrl+Alt+W works everywhere."

    with qtbot.waitSignal(model.meetings.delivered, timeout=10_000) as made:
        backend.activated.emit("preset:war-room")
    stored = fake.meetings[made.args[1].meeting.id]
    assert stored["subject"] == "War room"
    assert stored["recordAutomatically"] is True

    without = dataclasses.replace(model.config, own_presets=())
    apply_settings(model, qtbot, without)  # the preset is gone: so is its hotkey
    assert "preset:war-room" not in backend.grabbed
    assert "preset:war-room" not in manager.problems


@pytest.mark.logs("no system tray available")
def test_while_a_hotkey_field_has_the_focus_no_key_is_grabbed(
    model: AppModel, qtbot: QtBot
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from meettray.ui.views.app import TrayApp

    backend = RecordingBackend()
    manager = HotkeyManager(backend, model)
    manager.apply()
    assert set(backend.grabbed) == {"meet_now"}
    app = TrayApp(model, hotkeys=manager, tray_grace_ms=0)  # offscreen: no tray
    # The window comes now, within this test (it warns), never later in another one.
    qtbot.waitUntil(lambda: app.window is not None, timeout=5000)
    app.show_settings()
    dialog = app.settings_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    field = dialog.hotkey_edits["meet_now"]
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=5000)
    assert backend.grabbed == {}  # Ctrl+Alt+M reaches the field, not the grab
    assert manager.describe("meet_now") == "Ctrl+Alt+M works everywhere."  # as before

    backend.activated.emit("meet_now")  # a press the desktop had sent before the pause
    QTest.keyClick(field, Qt.Key.Key_Backspace)
    QTest.keyClick(field, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.AltModifier)  # fmt: skip
    assert field.text() == "Ctrl+Alt+K"
    dialog.subject.setFocus()
    qtbot.waitUntil(lambda: "meet_now" in backend.grabbed, timeout=5000)
    assert backend.grabbed["meet_now"] == Hotkey("M", ctrl=True, alt=True)  # saved: unchanged
    assert not model.state.creating  # the press while paused made nothing
    dialog.reject()


def _held_by_someone(display: str, hotkey: Hotkey) -> bool:
    """Whether another X client holds ``hotkey``: our own grab then fails (BadAccess)."""
    from Xlib import X, error
    from Xlib import display as xdisplay

    from meettray.hotkeys.keys import x11_keysym

    connection = xdisplay.Display(display)
    try:
        root = connection.screen().root
        keycode = connection.keysym_to_keycode(x11_keysym(hotkey))
        catcher = error.CatchError(error.BadAccess)
        mask = X.ControlMask | X.Mod1Mask
        root.grab_key(keycode, mask, False, X.GrabModeAsync, X.GrabModeAsync, onerror=catcher)
        connection.sync()
        held = bool(catcher.get_error())
        if not held:
            root.ungrab_key(keycode, mask)
            connection.sync()
        return held
    finally:
        connection.close()


@pytest.mark.x11
def test_pausing_lets_go_of_the_x11_grab_and_resuming_takes_it_back(
    model: AppModel,
) -> None:
    """On a real X server: while paused, the keys reach the focused window (the hotkey
    field), because meettray's passive grab is gone; resuming grabs them again."""
    from meettray.hotkeys.x11 import X11Backend

    from ..xserver import xvfb

    meet_now = Hotkey("M", ctrl=True, alt=True)
    with xvfb() as display:
        backend = X11Backend(display)
        manager = HotkeyManager(backend, model)
        try:
            manager.apply()
            assert _held_by_someone(display, meet_now)
            manager.pause()
            assert not _held_by_someone(display, meet_now)
            manager.apply()  # settings saved meanwhile: still nothing grabbed
            assert not _held_by_someone(display, meet_now)
            manager.resume()
            assert _held_by_someone(display, meet_now)
            assert manager.describe("meet_now") == "Ctrl+Alt+M works everywhere."
        finally:
            manager.close()
