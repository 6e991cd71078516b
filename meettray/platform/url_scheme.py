"""``meettray://`` registered the way each OS does it: one interface, one implementation
per OS, no Qt.

Linux: a hidden ``.desktop`` file with ``MimeType=x-scheme-handler/meettray`` in the
user's applications folder, made the default with ``xdg-mime``.  Windows:
``HKCU\\Software\\Classes\\meettray``, reached through a small registry API so the
logic is tested anywhere.  macOS: the app bundle's ``CFBundleURLTypes`` (the
packaging spec): nothing to write.  Each says whether links reach *this* meettray.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import platformdirs

from meettray.platform.autostart import desktop_exec, launch_command, windows_command_line

SCHEME = "meettray"
MIME_TYPE = f"x-scheme-handler/{SCHEME}"
#: The hidden handler entry (the menu's ``meettray.desktop`` starts the tray).
DESKTOP_ID = "meettray-links.desktop"
CLASSES_KEY = rf"Software\Classes\{SCHEME}"


@dataclass(frozen=True)
class SchemeStatus:
    """Whether ``meettray://`` links reach this meettray, and what holds them if not."""

    ours: bool
    detail: str


class UrlScheme(Protocol):
    #: Where the registration lives, for messages and ``meettray doctor``.
    location: str

    def register(self, command: list[str]) -> str:
        """Register ``command`` (plus the link) as the handler; what was done, in a sentence."""
        ...

    def unregister(self) -> str: ...

    def status(self, command: list[str]) -> SchemeStatus: ...


def link_command(*, demo: bool = False, config: Path | None = None) -> list[str]:
    """How the OS runs meettray for a link (the link is appended); ``demo``, ``config``:
    links go to the demo, or with that settings file (to try it out, and for tests)."""
    options = (["--demo"] if demo else []) + (["--config", str(config)] if config else [])
    return [*launch_command(), *options, "open-link"]


Run = Callable[[list[str]], str]


def _run(command: list[str]) -> str:
    """A helper program's output ("" when it is missing or fails)."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


class XdgScheme:
    """``$XDG_DATA_HOME/applications/meettray-links.desktop`` and ``xdg-mime default``."""

    def __init__(self, folder: Path | None = None, run: Run = _run) -> None:
        self.folder = folder or Path(platformdirs.user_data_dir()) / "applications"
        self.path = self.folder / DESKTOP_ID
        self.location = str(self.path)
        self._run = run

    def entry(self, command: list[str]) -> str:
        return "\n".join(
            [
                "[Desktop Entry]",
                "Type=Application",
                "Name=meettray links",
                "Comment=Opens meettray:// links in meettray",
                f"Exec={desktop_exec(command)} %u",
                "Icon=meettray",
                "Terminal=false",
                "NoDisplay=true",
                f"MimeType={MIME_TYPE};",
                "",
            ]
        )

    def register(self, command: list[str]) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(self.entry(command), encoding="utf-8")
        os.replace(temporary, self.path)
        if shutil.which("update-desktop-database"):
            self._run(["update-desktop-database", str(self.folder)])
        if not shutil.which("xdg-mime"):
            return (f"Wrote {self.path}; xdg-mime is not installed, so the desktop may not "
                    "use it for meettray:// links until it is (package xdg-utils).")  # fmt: skip
        self._run(["xdg-mime", "default", DESKTOP_ID, MIME_TYPE])
        return f"meettray:// links now open in meettray ({self.path})."

    def unregister(self) -> str:
        self.path.unlink(missing_ok=True)
        if shutil.which("update-desktop-database"):  # its cache still names the file
            self._run(["update-desktop-database", str(self.folder)])
        _forget_default(Path(platformdirs.user_config_dir()) / "mimeapps.list")
        return f"meettray:// links are no longer handled by meettray ({self.path} removed)."

    def status(self, command: list[str]) -> SchemeStatus:
        if not shutil.which("xdg-mime"):
            return SchemeStatus(False, "xdg-mime is not installed (package xdg-utils)")
        holder = self._run(["xdg-mime", "query", "default", MIME_TYPE])
        if not holder:
            return SchemeStatus(False, "no program opens meettray:// links")
        if holder != DESKTOP_ID:
            return SchemeStatus(False, f"meettray:// links open in {holder}, not meettray")
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            if _installed_elsewhere():  # the package's, system-wide
                return SchemeStatus(True, f"meettray:// links open in meettray ({holder})")
            return SchemeStatus(False, f"the desktop names {holder}, which is not installed")
        if f"Exec={desktop_exec(command)} %u" not in text.splitlines():
            return SchemeStatus(False, f"{self.path} starts another meettray than this one")
        return SchemeStatus(True, f"meettray:// links open in this meettray ({self.path})")


def _installed_elsewhere() -> bool:
    folders = os.environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share"
    return any((Path(folder) / "applications" / DESKTOP_ID).exists()
               for folder in folders.split(os.pathsep) if folder)  # fmt: skip


def _forget_default(mimeapps: Path) -> None:
    """Remove meettray's lines from ``mimeapps.list`` (xdg-mime cannot unset a default)."""
    try:
        lines = mimeapps.read_text(encoding="utf-8").splitlines(keepends=True)
    except OSError:
        return
    kept = [line for line in lines
            if not (line.startswith(f"{MIME_TYPE}=") and DESKTOP_ID in line)]  # fmt: skip
    if kept != lines:
        mimeapps.write_text("".join(kept), encoding="utf-8")


class ClassesRegistry(Protocol):
    """``HKEY_CURRENT_USER`` as the scheme needs it (values under sub-keys)."""

    def get(self, key: str, name: str) -> str | None: ...

    def set(self, key: str, name: str, value: str) -> None: ...

    def delete_tree(self, key: str) -> None: ...


class WinClasses:  # pragma: no cover - needs Windows
    """The standard library's winreg, under HKEY_CURRENT_USER."""

    def __init__(self) -> None:
        import importlib

        self._winreg: Any = importlib.import_module("winreg")

    def get(self, key: str, name: str) -> str | None:
        w = self._winreg
        try:
            with w.OpenKey(w.HKEY_CURRENT_USER, key) as handle:
                return str(w.QueryValueEx(handle, name)[0])
        except OSError:
            return None

    def set(self, key: str, name: str, value: str) -> None:
        w = self._winreg
        with w.CreateKeyEx(w.HKEY_CURRENT_USER, key, 0, w.KEY_SET_VALUE) as handle:
            w.SetValueEx(handle, name, 0, w.REG_SZ, value)

    def delete_tree(self, key: str) -> None:
        w = self._winreg
        for sub in (rf"{key}\shell\open\command", rf"{key}\shell\open", rf"{key}\shell", key):
            try:
                w.DeleteKey(w.HKEY_CURRENT_USER, sub)
            except FileNotFoundError:
                continue


class WindowsScheme:
    """``HKCU\\Software\\Classes\\meettray`` with its ``shell\\open\\command``."""

    def __init__(self, registry: ClassesRegistry | None = None) -> None:
        self._registry = registry if registry is not None else WinClasses()
        self.location = rf"HKEY_CURRENT_USER\{CLASSES_KEY}"

    @staticmethod
    def command_line(command: list[str]) -> str:
        return f'{windows_command_line(command)} "%1"'

    def register(self, command: list[str]) -> str:
        self._registry.set(CLASSES_KEY, "", "URL:meettray link")
        self._registry.set(CLASSES_KEY, "URL Protocol", "")
        self._registry.set(rf"{CLASSES_KEY}\shell\open\command", "", self.command_line(command))
        return f"meettray:// links now open in meettray ({self.location})."

    def unregister(self) -> str:
        self._registry.delete_tree(CLASSES_KEY)
        return f"meettray:// links are no longer handled by meettray ({self.location} removed)."

    def status(self, command: list[str]) -> SchemeStatus:
        found = self._registry.get(rf"{CLASSES_KEY}\shell\open\command", "")
        if found is None:
            return SchemeStatus(False, "no program opens meettray:// links")
        if found != self.command_line(command):
            return SchemeStatus(False, f"meettray:// links start {found}, not this meettray")
        return SchemeStatus(True, f"meettray:// links open in this meettray ({self.location})")


class BundleScheme:
    """macOS: the app bundle declares the scheme (``CFBundleURLTypes``); a pip install has
    no bundle, and so no scheme."""

    location = "the app's Info.plist (CFBundleURLTypes)"

    def register(self, command: list[str]) -> str:
        if getattr(sys, "frozen", False):
            return "The meettray app registers meettray:// itself (its Info.plist)."
        return (
            "meettray:// links need the meettray app (a pip install cannot register a scheme "
            "on macOS); the command line and Shortcuts can run: meettray open-link"
        )

    def unregister(self) -> str:
        return "On macOS the scheme goes with the app: move meettray.app to the Bin."

    def status(self, command: list[str]) -> SchemeStatus:
        bundled = bool(getattr(sys, "frozen", False))
        return SchemeStatus(bundled, "declared by the app bundle" if bundled
                            else "only the meettray app can register it on macOS")  # fmt: skip


def system_scheme() -> UrlScheme:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return WindowsScheme()
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        return BundleScheme()
    return XdgScheme()
