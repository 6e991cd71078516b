"""The global hotkey end to end: the real app on Xvfb, keys from xdotool, clipboard by xclip."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from meettray.demo.fake365 import FakeMicrosoft365

from ..conftest import run_cli, wait_for
from ..xserver import find_tray_icon, xclip_read, xdotool

pytestmark = pytest.mark.x11


def x_env(display: str) -> dict[str, str]:
    return {**os.environ, "DISPLAY": display, "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": "xcb"}


@pytest.fixture
def start_app(desktop: str, config_file: Path, fake: FakeMicrosoft365) -> Iterator[object]:
    assert run_cli("login", "--device-code", env=x_env(desktop)).returncode == 0
    started: list[subprocess.Popen[str]] = []

    def start() -> subprocess.Popen[str]:
        app = subprocess.Popen(
            [sys.executable, "-m", "meettray", "-v"], env=x_env(desktop), text=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        started.append(app)
        find_tray_icon(desktop)
        return app

    yield start
    for app in started:
        if app.poll() is None:
            app.terminate()
        app.communicate(timeout=15)


def log_text(user_dirs: Path) -> str:
    path = user_dirs / "state" / "meettray" / "log" / "meettray.log"
    return path.read_text() if path.exists() else ""


def focused_window(display: str) -> subprocess.Popen[str]:
    """A window with the keyboard focus that reports every key it receives."""
    window = subprocess.Popen(
        [sys.executable, "-m", "tests.x11_client", "window"], env=x_env(display),
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert window.stdout is not None
    assert window.stdout.readline().startswith("ready")
    return window


def keycodes(display: str, *names: str) -> list[int]:
    from Xlib import XK
    from Xlib import display as xdisplay

    connection = xdisplay.Display(display)
    try:
        return [connection.keysym_to_keycode(XK.string_to_keysym(name)) for name in names]
    finally:
        connection.close()


def keys_received(window: subprocess.Popen[str]) -> list[str]:
    window.kill()
    out, _ = window.communicate(timeout=10)
    return [line for line in out.splitlines() if line.startswith("key")]


def test_hotkey_copies_a_new_link_and_is_consumed(
    desktop: str, start_app: object, fake: FakeMicrosoft365, user_dirs: Path
) -> None:
    start_app()  # type: ignore[operator]
    assert wait_for(lambda: "hotkey Ctrl+Alt+M grabbed" in log_text(user_dirs))
    window = focused_window(desktop)

    xdotool(desktop, "key", "ctrl+alt+m")

    assert wait_for(lambda: len(fake.meetings) == 1)
    (meeting,) = fake.meetings.values()
    assert wait_for(lambda: xclip_read(desktop) == meeting["joinWebUrl"])
    assert meeting["id"] in run_cli("history", "--json").stdout
    xdotool(desktop, "key", "x")  # a plain key does reach the focused window...
    received = {int(line.split()[1]) for line in keys_received(window)}
    m_key, x_key = keycodes(desktop, "m", "x")
    assert x_key in received
    assert m_key not in received  # ...but the M of Ctrl+Alt+M never did


def test_a_taken_combination_is_reported_and_not_stolen(
    desktop: str, start_app: object, fake: FakeMicrosoft365, user_dirs: Path, config_file: Path
) -> None:
    config_file.write_text(config_file.read_text() + '[hotkeys]\nmeet_now = "Ctrl+Alt+J"\n')
    rival = subprocess.Popen(
        [sys.executable, "-m", "tests.x11_client", "grab", "0x6a", "0xc"],  # XK_j, Ctrl|Alt
        env=x_env(desktop), stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert rival.stdout is not None
        assert rival.stdout.readline().strip() == "grabbed"
        start_app()  # type: ignore[operator]
        assert wait_for(
            lambda: (
                "hotkey for meet_now unavailable: Ctrl+Alt+J is already used by another "
                "program" in log_text(user_dirs)
            )
        )
        xdotool(desktop, "key", "ctrl+alt+j")
        assert rival.stdout.readline().startswith("key")  # the rival still has it
        assert fake.meetings == {}
    finally:
        rival.kill()
        rival.communicate()


def test_changing_the_hotkey_takes_effect_without_restart(
    desktop: str, start_app: object, fake: FakeMicrosoft365, user_dirs: Path, config_file: Path
) -> None:
    start_app()  # type: ignore[operator]
    assert wait_for(lambda: "hotkey Ctrl+Alt+M grabbed" in log_text(user_dirs))

    config_file.write_text(config_file.read_text() + '[hotkeys]\nmeet_now = "Ctrl+Alt+K"\n')

    assert wait_for(lambda: "hotkey Ctrl+Alt+K grabbed" in log_text(user_dirs))
    xdotool(desktop, "key", "ctrl+alt+k")
    assert wait_for(lambda: len(fake.meetings) == 1)
    # The old combination was released: another program can take it now.
    rival = subprocess.Popen(
        [sys.executable, "-m", "tests.x11_client", "grab", "0x6d", "0xc"],  # XK_m, Ctrl|Alt
        env=x_env(desktop), stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert rival.stdout is not None
    assert rival.stdout.readline().strip() == "grabbed"
    rival.kill()
    rival.communicate()
