"""Start meettray when the person logs in: one interface, one implementation per OS.

Linux: an XDG autostart ``.desktop`` file.  Windows: a value under the per-user
``Run`` registry key.  macOS: a LaunchAgent property list.  None of these needs
Qt; the registry is reached through a small API so the logic is testable anywhere.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any, Protocol

import platformdirs

APP_ID = "meettray"
LAUNCH_AGENT_LABEL = "io.github.meettray.agent"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


class Autostart(Protocol):
    #: Where the entry lives, for messages and ``meettray doctor``.
    location: str

    def enabled(self) -> bool: ...

    def enable(self, command: list[str]) -> None: ...

    def disable(self) -> None: ...


#: The Windows package's tray: the same program as ``meettray.exe`` without a console
#: (``meettray.exe`` has one, so that commands print and return their exit status in cmd).
WINDOWED_EXE = "meettray-tray.exe"


def launch_command(*, frozen: bool | None = None, platform: str = sys.platform) -> list[str]:
    """How to start the tray app from a login session, without a console window."""
    if getattr(sys, "frozen", False) if frozen is None else frozen:  # a PyInstaller build
        windowed = Path(sys.executable).with_name(WINDOWED_EXE)
        if platform == "win32" and windowed.exists():
            return [str(windowed)]
        return [sys.executable]
    if sys.platform == "win32":  # pragma: no cover - Windows only
        tray = shutil.which("meettray-tray")  # the gui-script: no console window
        if tray:
            return [tray]
        return [str(Path(sys.executable).with_name("pythonw.exe")), "-m", "meettray"]
    found = shutil.which("meettray")
    return [found] if found else [sys.executable, "-m", "meettray"]


def desktop_exec(command: list[str]) -> str:
    """An ``Exec=`` value: arguments quoted as the Desktop Entry spec requires."""
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")
    parts = []
    for argument in command:
        if argument and not reserved & set(argument):
            parts.append(argument.replace("%", "%%"))
            continue
        escaped = argument.replace("\\", "\\\\").replace('"', '\\"')
        escaped = escaped.replace("`", "\\`").replace("$", "\\$").replace("%", "%%")
        parts.append(f'"{escaped}"')
    # The file format escapes backslashes once more.
    return " ".join(parts).replace("\\", "\\\\")


class XdgAutostart:
    """``$XDG_CONFIG_HOME/autostart/meettray.desktop``."""

    def __init__(self, folder: Path | None = None) -> None:
        base = folder or Path(platformdirs.user_config_dir()) / "autostart"
        self.path = base / f"{APP_ID}.desktop"
        self.location = str(self.path)

    def enabled(self) -> bool:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            return False
        return "Hidden=true" not in text and "X-GNOME-Autostart-enabled=false" not in text

    def enable(self, command: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entry = "\n".join(
            [
                "[Desktop Entry]",
                "Type=Application",
                "Name=meettray",
                "GenericName=Teams meeting links",
                "Comment=A Microsoft Teams meeting link on your clipboard in one click",
                f"Exec={desktop_exec(command)}",
                "Icon=meettray",
                "Terminal=false",
                "StartupNotify=false",
                "X-GNOME-Autostart-enabled=true",
                "",
            ]
        )
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(entry, encoding="utf-8")
        os.replace(temporary, self.path)

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


class RegistryApi(Protocol):
    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


class WinReg:  # pragma: no cover - needs Windows
    """HKEY_CURRENT_USER\\...\\Run through the standard library's winreg."""

    def __init__(self) -> None:
        import importlib

        # Any: the stubs describe winreg only when type-checking for Windows.
        self._winreg: Any = importlib.import_module("winreg")

    def _key(self, access: int) -> Any:
        return self._winreg.OpenKey(self._winreg.HKEY_CURRENT_USER, RUN_KEY, 0, access)

    def get(self, name: str) -> str | None:
        try:
            with self._key(self._winreg.KEY_READ) as key:
                return str(self._winreg.QueryValueEx(key, name)[0])
        except FileNotFoundError:
            return None

    def set(self, name: str, value: str) -> None:
        with self._key(self._winreg.KEY_SET_VALUE) as key:
            self._winreg.SetValueEx(key, name, 0, self._winreg.REG_SZ, value)

    def delete(self, name: str) -> None:
        try:
            with self._key(self._winreg.KEY_SET_VALUE) as key:
                self._winreg.DeleteValue(key, name)
        except FileNotFoundError:
            pass


#: What cmd.exe acts on outside double quotes, and what separates arguments.
_CMD_SPECIAL = frozenset(' \t&|<>^()%!,;="')


def windows_argument(argument: str) -> str:
    """One argument as Windows programs read it back (the C runtime's rules, as in
    ``CommandLineToArgvW``), and quoted wherever cmd.exe would act on a character of it:
    ``shlex.quote``'s single quotes mean nothing there."""
    if argument and not _CMD_SPECIAL & set(argument):
        return argument
    quoted, backslashes = [], 0
    for char in argument:
        if char == "\\":
            backslashes += 1
            continue
        if char == '"':  # its backslashes doubled, and the quote escaped
            quoted.append("\\" * (2 * backslashes + 1) + '"')
        else:  # backslashes before anything else are literal
            quoted.append("\\" * backslashes + char)
        backslashes = 0
    quoted.append("\\" * (2 * backslashes))  # doubled before the closing quote
    return '"' + "".join(quoted) + '"'


def windows_command_line(command: list[str]) -> str:
    """A command line for the Run key or a cmd prompt (paths often hold spaces)."""
    return " ".join(windows_argument(argument) for argument in command)


def shell_argument(argument: str, platform: str = sys.platform) -> str:
    """``argument`` as a person types it in this OS's shell: cmd on Windows, else POSIX."""
    if platform == "win32":
        return windows_argument(argument)
    import shlex

    return shlex.quote(argument)


class WindowsRunKey:
    def __init__(self, registry: RegistryApi | None = None) -> None:
        self._registry = registry if registry is not None else WinReg()
        self.location = rf"HKEY_CURRENT_USER\{RUN_KEY}\{APP_ID}"

    def enabled(self) -> bool:
        return bool(self._registry.get(APP_ID))

    def enable(self, command: list[str]) -> None:
        self._registry.set(APP_ID, windows_command_line(command))

    def disable(self) -> None:
        self._registry.delete(APP_ID)


class LaunchAgent:
    """``~/Library/LaunchAgents/io.github.meettray.agent.plist``."""

    def __init__(self, folder: Path | None = None) -> None:
        base = folder or Path.home() / "Library" / "LaunchAgents"
        self.path = base / f"{LAUNCH_AGENT_LABEL}.plist"
        self.location = str(self.path)

    def enabled(self) -> bool:
        return self.path.exists()

    def enable(self, command: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        agent = {
            "Label": LAUNCH_AGENT_LABEL,
            "ProgramArguments": command,
            "RunAtLoad": True,
            "KeepAlive": False,
            "ProcessType": "Interactive",
            "LimitLoadToSessionType": "Aqua",  # only in a graphical login
        }
        import plistlib  # macOS only

        self.path.write_bytes(plistlib.dumps(agent))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


def set_start_on_login(entry: Autostart, wanted: bool) -> None:
    """Turn start on login on or off: the one way, for Settings and ``meettray autostart``."""
    if wanted:
        entry.enable(launch_command())
    else:
        entry.disable()


def system_autostart() -> Autostart:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return WindowsRunKey()
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        return LaunchAgent()
    return XdgAutostart()
