"""The command line at its edges, as a newcomer meets them: lengths, presets, a
read-only folder, the demo's sign-in between commands."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from meettray import ipc
from meettray.errors import ExitCode

from .conftest import run_cli

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}


@pytest.mark.parametrize("minutes", ["1", "4", "1441"])
def test_schedule_refuses_a_length_the_settings_refuse(minutes: str) -> None:
    done = run_cli("schedule", "--subject", "Review", "--start", "2030-01-02T10:00",
                   "--duration", minutes, env=NO_DISPLAY)  # fmt: skip

    assert done.returncode == ExitCode.USAGE
    assert "must be between 5 and 1440 minutes, as in the settings" in done.stderr


class _Tray:
    """Something listening where the tray does, that answers every request with
    ``answer`` (by default a failure of its own: whether the command asked it shows)."""

    def __init__(self, answer: dict[str, object] | None = None) -> None:
        self.asked = 0
        self.answer = answer or {"ok": False, "message": "The tray's own words",
                                 "exit_code": 1, "version": ipc.PROTOCOL_VERSION}  # fmt: skip
        self.server = socket.socket(socket.AF_UNIX)
        self.server.bind(ipc.server_name())
        self.server.listen(5)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        answer = self.answer
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                self.asked += 1
                connection.sendall(json.dumps(answer).encode() + b"\n")

    def close(self) -> None:
        self.server.close()


@pytest.mark.posix
def test_an_unknown_preset_is_the_same_settings_error_with_or_without_a_tray(
    config_file: Path,
) -> None:
    """``meettray now``'s first stage asks a running tray before it reads any settings (it
    loads nothing else): the tray answers an unknown preset with the settings' own error
    (tests/ui/test_ipc_handler.py), which the command reports as it reports its own."""
    without = run_cli("now", "--preset", "standup", env=NO_DISPLAY)
    words = f"There is no preset 'standup' in {config_file}. There are: quick, incident."
    tray = _Tray({"ok": False, "message": words, "exit_code": int(ExitCode.SETTINGS),
                  "version": ipc.PROTOCOL_VERSION})  # fmt: skip
    try:
        with_tray = run_cli("now", "--preset", "standup", env=NO_DISPLAY)
    finally:
        tray.close()

    for done in (without, with_tray):
        assert done.returncode == ExitCode.SETTINGS, done.stderr
        assert f"There is no preset 'standup' in {config_file}" in done.stderr


@pytest.mark.posix
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into read-only folders")  # fmt: skip
def test_setup_in_a_read_only_settings_folder_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "settings"
    folder.mkdir()
    (folder / "config.toml").write_text("")
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        done = run_cli("--config", str(folder / "config.toml"), "setup", "--print-only")
    finally:
        folder.chmod(0o700)

    assert done.returncode == ExitCode.STORAGE, done.stderr
    assert f"cannot write the app registration's manifest in {folder}" in done.stderr
    assert "something unexpected" not in done.stderr


def test_setup_where_the_manifest_cannot_be_written_says_so(tmp_path: Path) -> None:
    """As root (CI's containers) a read-only folder is writable: a file in the way of
    the manifest stands in for it."""
    folder = tmp_path / "settings"
    folder.mkdir()
    (folder / "meettray-app-registration.json").mkdir()  # a folder where the file goes

    done = run_cli("--config", str(folder / "config.toml"), "setup", "--print-only")

    assert done.returncode == ExitCode.STORAGE, done.stderr
    assert f"cannot write the app registration's manifest in {folder}" in done.stderr
    assert "something unexpected" not in done.stderr


def test_the_demos_login_and_logout_last_between_commands(user_dirs: Path) -> None:
    """Each demo command has a fake Microsoft 365 of its own; whether the person signed
    in, and with calendar permission, lasts: 'schedule --calendar' works after 'login
    --calendar', and nobody is signed in after 'logout'."""
    refused = run_cli("--demo", "schedule", "--subject", "Plan", "--start", "2030-01-02T10:00",
                      "--duration", "30", "--calendar", "--no-copy", env=NO_DISPLAY)  # fmt: skip
    assert refused.returncode != 0
    assert "login --calendar" in refused.stderr

    assert run_cli("--demo", "login", "--calendar", env=NO_DISPLAY).returncode == 0
    scheduled = run_cli("--demo", "schedule", "--subject", "Plan", "--start",
                        "2030-01-02T10:00", "--duration", "30", "--calendar", "--no-copy",
                        "--json", env=NO_DISPLAY)  # fmt: skip
    assert scheduled.returncode == 0, scheduled.stderr
    assert json.loads(scheduled.stdout)["calendar_event"] is True

    assert run_cli("--demo", "logout", env=NO_DISPLAY).returncode == 0
    who = run_cli("--demo", "whoami", env=NO_DISPLAY)
    assert who.returncode == ExitCode.SIGN_IN
    assert "Not signed in." in who.stdout
    assert run_cli("--demo", "login", env=NO_DISPLAY).returncode == 0
    assert run_cli("--demo", "whoami", env=NO_DISPLAY).returncode == 0
