"""The done-when of meettray:// links, on Xvfb with Debian's real xdg-open: after
``meettray integrate``, a link puts the incident preset's link on the clipboard cold and
through the running tray; an unknown action makes nothing and says so; ten links in a
second make one meeting."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from meettray import ipc
from meettray.links import LINK_INTERVAL

from .conftest import run_cli, wait_for
from .xserver import xclip_read

pytestmark = [
    pytest.mark.x11,
    pytest.mark.skipif(shutil.which("xdg-open") is None,
                       reason="needs xdg-open (xdg-utils; scripts/bootstrap.sh installs it)"),
]  # fmt: skip


def subjects(env: dict[str, str]) -> list[str]:
    done = run_cli("--demo", "history", "--json", env=env)
    assert done.returncode == 0, done.stderr
    return [str(m["subject"]) for m in json.loads(done.stdout)]


def xdg_open(link: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["xdg-open", link], env=env, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip


def test_links_through_xdg_open_cold_and_through_the_tray(desktop: str, user_dirs: Path) -> None:
    # A desktop with no desktop environment named: xdg-open asks xdg-mime (its generic mode).
    env = {**os.environ, "DISPLAY": desktop, "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": "xcb",
           "XDG_CURRENT_DESKTOP": "", "DESKTOP_SESSION": "", "BROWSER": ""}  # fmt: skip
    assert run_cli("--demo", "integrate", env=env).returncode == 0

    # Cold: no tray runs; the link is made here, as 'meettray now' would.
    cold = xdg_open("meettray://now?preset=incident", env)
    assert cold.returncode == 0, cold.stderr
    cold_link = cold.stdout.strip()
    assert cold_link.startswith("https://demo.meettray.invalid/")
    assert wait_for(lambda: xclip_read(desktop) == cold_link)
    assert [s.startswith("Incident bridge") for s in subjects(env)] == [True]

    # An unknown action: nothing made, and said (stderr here; a notification too).
    unknown = xdg_open("meettray://erase?all=1", env)
    assert unknown.returncode != 0
    assert "'erase' is not an action" in unknown.stderr
    assert len(subjects(env)) == 1

    tray = subprocess.Popen([sys.executable, "-m", "meettray", "--demo"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        assert wait_for(lambda: ipc.ask(ipc.Request("ping"), demo=True) is not None, timeout=30)
        warm = xdg_open("meettray://now?preset=incident", env)
        assert warm.returncode == 0, warm.stderr
        warm_link = warm.stdout.strip().splitlines()[0]
        assert warm_link != cold_link
        assert wait_for(lambda: xclip_read(desktop) == warm_link)
        assert len(subjects(env)) == 2

        unknown = xdg_open("meettray://erase", env)
        assert "'erase' is not an action" in unknown.stderr
        assert len(subjects(env)) == 2

        # Ten links in a second (each its own xdg-open and meettray, as clicks are): one
        # meeting.  The first of them comes after the limit's window since the last link.
        time.sleep(LINK_INTERVAL)
        burst = [subprocess.Popen(["xdg-open", "meettray://now"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(10)]  # fmt: skip
        for process in burst:
            process.wait(60)
        assert len(subjects(env)) == 3
    finally:
        tray.send_signal(signal.SIGTERM)
        tray.wait(15)


def test_a_schedule_link_with_no_tray_starts_it_and_fills_in_schedule(
    desktop: str, user_dirs: Path
) -> None:
    env = {**os.environ, "DISPLAY": desktop, "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": "xcb"}
    done = run_cli("--demo", "open-link", "meettray://schedule?subject=Roadmap&duration=45",
                   env=env)  # fmt: skip
    try:
        assert done.returncode == 0, done.stderr

        def schedule_shown() -> bool:
            found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name",
                                    "Schedule a Teams meeting"], env=env, capture_output=True,
                                   text=True, check=False)  # fmt: skip
            return bool(found.stdout.strip())

        assert wait_for(schedule_shown)
        assert subjects(env) == []  # filled in, never sent by itself
    finally:
        if (pid := _tray_pid()) is not None:  # the tray the link started, by its socket
            os.kill(pid, signal.SIGTERM)


def _tray_pid() -> int | None:
    """The process at the other end of the demo tray's socket (the kernel says which)."""
    import socket
    import struct

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        try:
            connection.connect(ipc.server_name(demo=True))
        except OSError:
            return None
        creds = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    pid, _uid, _gid = struct.unpack("3i", creds)
    return int(pid)
