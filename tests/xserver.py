"""A real X server (Xvfb) for tests of what a person sees."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _free_display() -> int:
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
    number = _free_display()
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
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
