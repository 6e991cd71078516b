"""A desktop session for the tests that read what assistive technology finds: Xvfb and
a session bus (which starts AT-SPI's bus when asked), with Qt's accessibility on and
the person's folders in ``home``.  Used by ``test_atspi_x11.py`` and ``test_orca_x11.py``."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..xserver import xvfb


@contextmanager
def accessible_session(home: Path) -> Iterator[dict[str, str]]:
    """The environment of a session on a new Xvfb and bus, its folders under ``home``."""
    runtime = home / "run"
    runtime.mkdir(mode=0o700)
    with xvfb() as display:
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert bus.stdout is not None
        env = {
            **os.environ, "DISPLAY": display, "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": "xcb",
            "DBUS_SESSION_BUS_ADDRESS": bus.stdout.readline().strip(),
            "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1", "HOME": str(home),
            "XDG_RUNTIME_DIR": str(runtime),
            **{f"XDG_{n}_HOME": str(home / n.lower()) for n in ("CONFIG", "DATA", "STATE",
                                                                  "CACHE")},
        }  # fmt: skip
        for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "XDG_CURRENT_DESKTOP"):
            env.pop(name, None)
        try:
            yield env
        finally:
            bus.terminate()
            bus.communicate(timeout=10)  # also closes its pipe
