"""A tray in a real desktop session (see sessions.py), signed in to the fake Microsoft 365."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from meettray.demo.fake365 import FakeMicrosoft365

from ..conftest import run_cli, wait_for
from .sessions import Session

#: What a program started in the session takes from it (the rest is the test's own).
SESSION_VARIABLES = ("WAYLAND_DISPLAY", "DISPLAY", "XAUTHORITY", "DBUS_SESSION_BUS_ADDRESS",
                     "XDG_CURRENT_DESKTOP", "XDG_SESSION_TYPE", "KDE_FULL_SESSION")  # fmt: skip


def session_env(session: Session, **extra: str) -> dict[str, str]:
    """The test's environment (its own XDG folders) inside ``session``, Qt on Wayland."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "XAUTHORITY", "DBUS_SESSION_BUS_ADDRESS")}  # fmt: skip
    env.update({key: session.env[key] for key in SESSION_VARIABLES if key in session.env})
    env["QT_QPA_PLATFORM"] = "wayland"
    env.update(extra)
    return env


class Tray:
    def __init__(self, log: Path) -> None:
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(15)
            self.process = None


@pytest.fixture
def tray(config_file: Path, fake: FakeMicrosoft365, user_dirs: Path) -> Iterator[
    Callable[[Session], Tray]
]:  # fmt: skip
    """Starts the tray app in a session, signed in; stops it after the test."""
    no_desktop = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}
    assert run_cli("login", "--device-code", env=no_desktop).returncode == 0
    trays: list[Tray] = []

    def start(session: Session) -> Tray:
        started = Tray(user_dirs / "state" / "meettray" / "log" / "meettray.log")
        already = started.text().count("ready (account:")
        started.process = subprocess.Popen([sys.executable, "-m", "meettray"],
                                           env=session_env(session), stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL)  # fmt: skip
        trays.append(started)
        ready = wait_for(lambda: started.text().count("ready (account:") > already, timeout=30)
        assert ready, started.text()[-3000:]
        return started

    yield start
    for started in trays:
        started.stop()
