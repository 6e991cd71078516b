"""A GNOME custom keyboard shortcut that runs ``meettray now``.

GNOME 43 to 47 offer no GlobalShortcuts portal, so meettray cannot bind a
global hotkey there itself.  GNOME's own custom shortcuts (Settings →
Keyboard → Custom Shortcuts) can run a command, and ``meettray now`` asks the
running tray to make the meeting.  This adds one entry there, as that page
would: a path in ``custom-keybindings`` and its name, command and binding,
written with ``gsettings``.  Running it again updates the same entry.
Blocking (subprocesses): call it off the GUI thread.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess

from meettray.errors import ExitCode, MeettrayError
from meettray.hotkeys.keys import Hotkey, gnome_accelerator

SCHEMA = "org.gnome.settings-daemon.plugins.media-keys"
ENTRY_SCHEMA = "org.gnome.settings-daemon.plugins.media-keys.custom-keybinding"
ENTRY = "/org/gnome/settings-daemon/plugins/media-keys/custom-keybindings/meettray/"
NAME = "meettray: Meet now"


class ShortcutError(MeettrayError):
    """The shortcut could not be added; the message is for the person."""

    exit_code = ExitCode.NO_DESKTOP


def is_gnome(env: dict[str, str] | None = None) -> bool:
    desktop = (env if env is not None else os.environ).get("XDG_CURRENT_DESKTOP", "")
    return "GNOME" in desktop.upper().split(":")


def add_shortcut(hotkey: Hotkey, command: str) -> str:
    """Add (or update) the shortcut; what to tell the person.  Raises :class:`ShortcutError`."""
    entries = _entries(_gsettings("get", SCHEMA, "custom-keybindings"))
    if ENTRY not in entries:
        entries.append(ENTRY)
    entry = f"{ENTRY_SCHEMA}:{ENTRY}"
    _gsettings("set", entry, "name", _text(NAME))
    _gsettings("set", entry, "command", _text(command))
    _gsettings("set", entry, "binding", _text(gnome_accelerator(hotkey)))
    _gsettings("set", SCHEMA, "custom-keybindings", "[" + ", ".join(map(_text, entries)) + "]")
    return (
        f"Added: {hotkey.portable()} runs '{command}'. GNOME lists it under Settings → "
        "Keyboard → Custom Shortcuts, where you can change it."
    )


def _gsettings(*args: str) -> str:
    gsettings = shutil.which("gsettings")
    if gsettings is None:
        raise ShortcutError("gsettings is not installed, so meettray cannot add it.")
    try:
        done = subprocess.run(  # noqa: S603 - a resolved executable, our arguments
            [gsettings, *args], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ShortcutError(f"gsettings did not run ({type(exc).__name__}).") from exc
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()[-1:] or ["no reason given"]
        raise ShortcutError(f"GNOME's settings refused it: {said[0][:200]}")
    return done.stdout.strip()


def _entries(text: str) -> list[str]:
    """``['/a/', '/b/']`` or ``@as []`` (gsettings' GVariant text) as a list of paths."""
    text = text.removeprefix("@as").strip()
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError) as exc:
        raise ShortcutError("GNOME's list of custom shortcuts could not be read.") from exc
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ShortcutError("GNOME's list of custom shortcuts could not be read.")
    return value


def _text(value: str) -> str:
    """A GVariant string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
