"""The GNOME keyboard shortcut for 'meettray now', written with the real gsettings.

GSettings' keyfile backend keeps the values in a file under the test's own
XDG_CONFIG_HOME; the schema is GNOME's own (gnome-settings-daemon's).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from meettray.hotkeys.keys import Hotkey
from meettray.platform.gnome_shortcut import (
    ENTRY,
    ENTRY_SCHEMA,
    SCHEMA,
    ShortcutError,
    add_shortcut,
    is_gnome,
)
from meettray.ui.app_model.intents import AddGnomeShortcut
from meettray.ui.app_model.model import AppModel

pytestmark = pytest.mark.posix

OTHER = "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/custom0/"


@pytest.fixture
def gsettings(user_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("gsettings") is None:
        raise RuntimeError("gsettings is not installed: run the README's test command")
    monkeypatch.setenv("GSETTINGS_BACKEND", "keyfile")
    assert os.environ["XDG_CONFIG_HOME"].startswith(str(user_dirs))


def read(schema: str, key: str) -> str:
    done = subprocess.run(["gsettings", "get", schema, key], capture_output=True, text=True,
                          check=True, timeout=10)  # fmt: skip
    return done.stdout.strip()


def entry(key: str) -> str:
    return read(f"{ENTRY_SCHEMA}:{ENTRY}", key)


def test_the_shortcut_joins_the_persons_own_and_is_added_once(gsettings: None) -> None:
    subprocess.run(["gsettings", "set", SCHEMA, "custom-keybindings", f"['{OTHER}']"],
                   check=True, timeout=10)  # fmt: skip
    message = add_shortcut(Hotkey("M", ctrl=True, alt=True), "meettray now")
    add_shortcut(Hotkey("F5", ctrl=True, shift=True), "meettray now")  # changed: same entry

    assert read(SCHEMA, "custom-keybindings") == f"['{OTHER}', '{ENTRY}']"
    assert entry("name") == "'meettray: Meet now'"
    assert entry("command") == "'meettray now'"
    assert entry("binding") == "'<Control><Shift>F5'"
    assert message.startswith("Added: Ctrl+Alt+M runs 'meettray now'.")


def test_a_command_with_quotes_and_spaces_arrives_as_written(gsettings: None) -> None:
    command = "'/opt/my apps/meettray' --demo now \\ it's"
    add_shortcut(Hotkey("M", ctrl=True, alt=True), command)
    assert read(SCHEMA, "custom-keybindings") == f"['{ENTRY}']"  # from GNOME's empty list
    assert entry("command") == "\"'/opt/my apps/meettray' --demo now \\\\ it's\""


def test_without_gsettings_it_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ShortcutError, match="gsettings is not installed"):
        add_shortcut(Hotkey("M", ctrl=True, alt=True), "meettray now")


def test_gnome_is_told_by_xdg_current_desktop() -> None:
    assert is_gnome({"XDG_CURRENT_DESKTOP": "ubuntu:GNOME"})
    assert is_gnome({"XDG_CURRENT_DESKTOP": "GNOME"})
    assert not is_gnome({"XDG_CURRENT_DESKTOP": "KDE"})
    assert not is_gnome({})


def test_settings_adds_it_for_the_meet_now_hotkey(
    gsettings: None, model: AppModel, qtbot: QtBot
) -> None:
    with qtbot.waitSignal(model.notify, timeout=10_000) as told:
        op = model.dispatch(AddGnomeShortcut())
    assert told.args[0].title == "Keyboard shortcut added"
    assert op is not None
    assert op.is_settled
    assert entry("binding") == "'<Control><Alt>m'"
    assert entry("command").endswith(" now'")
