"""A real X server (Xvfb) for tests of what a person sees."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_display() -> int:
    for number in range(90, 200):
        if (
            not Path(f"/tmp/.X11-unix/X{number}").exists()
            and not Path(f"/tmp/.X{number}-lock").exists()
        ):
            return number
    raise RuntimeError("no free X display number")


@contextmanager
def xvfb() -> Iterator[str]:
    """Start Xvfb; yields the DISPLAY value.  Fails loudly if Xvfb is missing."""
    if shutil.which("Xvfb") is None:
        raise RuntimeError("Xvfb is not installed: run the README's test command (scripts/test.sh)")
    number = free_display()
    server = subprocess.Popen(
        # -noreset: no server reset when the last client leaves (a racing reconnect fails).
        ["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket_path = Path(f"/tmp/.X11-unix/X{number}")
    deadline = time.monotonic() + 15
    while not socket_path.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError("Xvfb did not start")
        time.sleep(0.05)
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def xclip_read(display: str, target: str = "") -> str:
    args = ["xclip", "-selection", "clipboard", "-o"]
    if target:
        args += ["-t", target]
    done = subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=10,
        env={**os.environ, "DISPLAY": display},
        check=False,
    )
    return done.stdout


@contextmanager
def tray_host(display: str) -> Iterator[subprocess.Popen[bytes]]:
    """A system tray (trayer) docked at the top right of the screen."""
    if shutil.which("trayer") is None:
        raise RuntimeError("trayer is not installed: run the README's test command")
    host = subprocess.Popen(
        [
            "trayer",
            "--edge",
            "top",
            "--align",
            "right",
            "--widthtype",
            "request",
            "--height",
            "32",
            "--transparent",
            "false",
            "--tint",
            "0x303030",
            "--SetDockType",
            "true",
        ],
        env={**os.environ, "DISPLAY": display},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while '("panel" "trayer")' not in _tree(display):
            if host.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("trayer did not start")
            time.sleep(0.05)
        yield host
    finally:
        host.terminate()
        host.wait(10)


def _tree(display: str) -> str:
    return subprocess.run(
        ["xwininfo", "-root", "-tree"],
        capture_output=True,
        text=True,
        env={**os.environ, "DISPLAY": display},
        check=False,
    ).stdout


_GEOMETRY = r"(\d+)x(\d+)[+-]\d+[+-]\d+\s+\+(-?\d+)\+(-?\d+)"
_PANEL = re.compile(r'"panel": \("panel" "trayer"\)\s+' + _GEOMETRY)
_APP_WINDOW = re.compile(r'"meettray": \("meettray" "meettray"\)\s+' + _GEOMETRY)


def find_tray_icon(display: str, timeout: float = 20) -> tuple[int, int]:
    """The screen centre of meettray's icon once trayer's panel has embedded it.

    Only a meettray window inside the panel counts: menus and notification
    balloons are meettray windows too, and may sit nearby.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tree = _tree(display)
        panel = _PANEL.search(tree)
        if panel:
            pw, ph, px, py = map(int, panel.groups())
            for found in _APP_WINDOW.finditer(tree):
                w, h, x, y = map(int, found.groups())
                inside = px <= x < px + pw and py <= y < py + ph and w >= 16
                # Embedded is not yet shown: a click before it is mapped is lost.
                if inside and _shown_at(display, x, y):
                    return x + w // 2, y + h // 2
        time.sleep(0.1)
    raise AssertionError("meettray's icon never appeared in the tray")


def _geometry(display: str, window: str) -> tuple[int, int, int, int]:
    """A window's x, y, width and height on the screen."""
    done = subprocess.run(
        ["xdotool", "getwindowgeometry", "--shell", window], capture_output=True, text=True,
        env={**os.environ, "DISPLAY": display}, check=False,
    )  # fmt: skip
    values = dict(line.split("=", 1) for line in done.stdout.split() if "=" in line)
    return tuple(int(values.get(k, "0")) for k in ("X", "Y", "WIDTH", "HEIGHT"))  # type: ignore[return-value]


def _shown_at(display: str, x: int, y: int) -> bool:
    """Whether a visible meettray window sits at ``x``, ``y`` (the icon, once mapped)."""
    return any(_geometry(display, w)[:2] == (x, y) for w in visible_windows(display))


def xdotool(display: str, *args: str) -> None:
    subprocess.run(
        ["xdotool", *args], env={**os.environ, "DISPLAY": display}, check=True, timeout=10
    )


def visible_windows(display: str, classname: str = "meettray") -> set[str]:
    done = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--classname", classname],
        capture_output=True,
        text=True,
        env={**os.environ, "DISPLAY": display},
        check=False,
    )
    return set(done.stdout.split())


def open_tray_menu(display: str, timeout: float = 10) -> None:
    """Right-click meettray's icon and wait until its menu is on screen."""
    x, y = find_tray_icon(display)
    before = visible_windows(display)
    xdotool(display, "mousemove", str(x), str(y), "click", "3")
    deadline = time.monotonic() + timeout
    # A menu: a new meettray window taller than the icon (not the icon itself being shown).
    while not any(_geometry(display, w)[3] > 40 for w in visible_windows(display) - before):
        if time.monotonic() > deadline:
            subprocess.run(
                ["import", "-window", "root", "/tmp/menu-failure.png"],
                env={**os.environ, "DISPLAY": display},
                check=False,
            )
            raise AssertionError("the tray menu did not open")
        time.sleep(0.05)
    time.sleep(0.2)  # let the menu take the keyboard


def keys(display: str, *names: str) -> None:
    """Press keys one by one, paced like a quick person."""
    xdotool(display, "key", "--delay", "150", *names)
