"""Start on login: the XDG entry for real, Windows and macOS with the OS faked."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from meettray.platform.autostart import (
    LaunchAgent,
    WindowsRunKey,
    XdgAutostart,
    desktop_exec,
    launch_command,
    shell_argument,
    windows_command_line,
)

from ..conftest import run_cli


def test_xdg_entry_is_written_detected_and_removed(tmp_path: Path) -> None:
    entry = XdgAutostart(tmp_path / "autostart")
    assert not entry.enabled()

    entry.enable(["/opt/meet tray/bin/meettray", "--demo"])

    assert entry.enabled()
    text = entry.path.read_text()
    assert 'Exec="/opt/meet tray/bin/meettray" --demo' in text
    validate = shutil.which("desktop-file-validate")
    assert validate, "desktop-file-validate is installed by the test command"
    checked = subprocess.run(
        [validate, str(entry.path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    entry.disable()
    assert not entry.path.exists()
    assert not entry.enabled()
    entry.disable()  # idempotent


def test_a_hidden_entry_counts_as_off(tmp_path: Path) -> None:
    entry = XdgAutostart(tmp_path)
    entry.enable(["meettray"])
    entry.path.write_text(entry.path.read_text() + "Hidden=true\n")
    assert not entry.enabled()


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["/usr/bin/meettray"], "/usr/bin/meettray"),
        (["/a b/meettray"], '"/a b/meettray"'),
        (["python", "-m", "meettray"], "python -m meettray"),
        (["/x/100%"], "/x/100%%"),
        (['/it"s/$HOME'], '"/it\\\\"s/\\\\$HOME"'),
    ],
)
def test_desktop_exec_quoting(command: list[str], expected: str) -> None:
    assert desktop_exec(command) == expected


def test_launch_command_points_at_meettray() -> None:
    command = launch_command()
    assert command[-1].endswith("meettray")


class FakeRegistry:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


def test_windows_run_key_logic() -> None:
    registry = FakeRegistry()
    entry = WindowsRunKey(registry)
    entry.enable([r"C:\Program Files\meettray\meettray.exe"])
    assert registry.values == {"meettray": r'"C:\Program Files\meettray\meettray.exe"'}
    assert entry.enabled()
    assert entry.location.endswith(r"CurrentVersion\Run\meettray")
    entry.disable()
    assert not entry.enabled()


def test_macos_launch_agent(tmp_path: Path) -> None:
    entry = LaunchAgent(tmp_path)
    entry.enable(["/Applications/meettray.app/Contents/MacOS/meettray"])
    agent = plistlib.loads(entry.path.read_bytes())
    assert agent["ProgramArguments"] == ["/Applications/meettray.app/Contents/MacOS/meettray"]
    assert agent["RunAtLoad"] is True
    assert agent["Label"] == "io.github.meettray.agent"
    assert entry.enabled()
    entry.disable()
    assert not entry.enabled()


def test_cli_autostart_keeps_the_setting_in_step(user_dirs: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    desktop_file = user_dirs / "config" / "autostart" / "meettray.desktop"

    on = run_cli("--config", str(config), "autostart", "on", env={"MEETTRAY_CONFIG": str(config)})
    assert on.returncode == 0, on.stderr
    assert on.stdout.startswith("Start on login: on (")
    assert desktop_file.exists()
    assert "start_on_login = true" in config.read_text()

    status = run_cli("autostart", "status", env={"MEETTRAY_CONFIG": str(config)})
    assert status.stdout.startswith("Start on login: on")
    off = run_cli("autostart", "off", env={"MEETTRAY_CONFIG": str(config)})
    assert off.stdout.startswith("Start on login: off")
    assert not desktop_file.exists()
    assert "start_on_login = false" in config.read_text()


def command_line_to_argv(line: str) -> list[str]:
    """Windows' own reading of a command line (CommandLineToArgvW's documented rules)."""
    arguments: list[str] = []
    current, quoted, started, index = [], False, False, 0
    while index < len(line):
        char = line[index]
        if char == "\\":
            run = len(line) - len(line[index:].lstrip("\\"))
            count = run - index
            index = run
            if index < len(line) and line[index] == '"':
                current.append("\\" * (count // 2))
                if count % 2:
                    current.append('"')
                    index += 1
            else:
                current.append("\\" * count)
            started = True
            continue
        if char == '"':
            quoted, started = not quoted, True
        elif char in " \t" and not quoted:
            if started:
                arguments.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
            started = True
        index += 1
    if started:
        arguments.append("".join(current))
    return arguments


def outside_quotes(line: str) -> str:
    """What cmd.exe sees unquoted (it toggles on every " that no backslash escapes)."""
    kept, quoted, index = [], False, 0
    while index < len(line):
        if line[index] == "\\" and line[index + 1 : index + 2] == '"':
            index += 2
            continue
        if line[index] == '"':
            quoted = not quoted
        elif not quoted:
            kept.append(line[index])
        index += 1
    return "".join(kept)


WINDOWS_COMMANDS = [
    [r"C:\Program Files\meettray\meettray-tray.exe"],
    [r"C:\Users\Zoë\AppData\Local\Programs\Python\Python313\pythonw.exe", "-m", "meettray"],
    [r"C:\R&D (tools)\meettray.exe", "now", "--subject", "Q3 review; 100% & more"],
    [r"C:\dir with space\\", 'say "hi"', "", r"a\\b\"c"],
]


@pytest.mark.parametrize("command", WINDOWS_COMMANDS)
def test_windows_command_lines_read_back_as_given(command: list[str]) -> None:
    line = windows_command_line(command)

    assert command_line_to_argv(line) == command
    assert not set(outside_quotes(line)) & set("&|<>^()%!")  # nothing for cmd to act on


def test_a_plain_argument_stays_plain_and_posix_quoting_is_not_used_on_windows() -> None:
    assert windows_command_line([r"C:\meettray\meettray.exe", "now"]) == (
        r"C:\meettray\meettray.exe now"
    )
    assert shell_argument(r"C:\Program Files\x.exe", "win32") == r'"C:\Program Files\x.exe"'
    assert shell_argument("/opt/my tools/meettray", "linux") == "'/opt/my tools/meettray'"


def test_the_windows_package_starts_its_windowed_tray_at_login(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    console = tmp_path / "meettray.exe"
    monkeypatch.setattr(sys, "executable", str(console))
    assert launch_command(frozen=True, platform="win32") == [str(console)]  # an older build
    (tmp_path / "meettray-tray.exe").touch()
    assert launch_command(frozen=True, platform="win32") == [str(tmp_path / "meettray-tray.exe")]
    assert launch_command(frozen=True, platform="darwin") == [str(console)]
