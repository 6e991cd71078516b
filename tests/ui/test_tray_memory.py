"""What a running tray keeps loaded: not ``cryptography`` (13 MiB), whose work (the demo's
certificates) is done by another process.

The real tray app on a real X server; what it loaded is read from the outside, in the
shared libraries mapped into its process (``cryptography``'s Rust core is one).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import run_cli, wait_for

pytestmark = pytest.mark.x11


def mapped_libraries(pid: int) -> set[str]:
    """The files mapped into process ``pid``'s memory (Linux)."""
    lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
    return {line.split(maxsplit=5)[5] for line in lines if len(line.split(maxsplit=5)) == 6}


@pytest.fixture
def demo_tray(desktop: str) -> Iterator[subprocess.Popen[str]]:
    env = {**os.environ, "DISPLAY": desktop, "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": "xcb"}
    app = subprocess.Popen([sys.executable, "-m", "meettray", "--demo"], env=env, text=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        yield app
    finally:
        app.terminate()
        app.communicate(timeout=15)


def test_the_demo_tray_makes_meetings_without_loading_cryptography(
    demo_tray: subprocess.Popen[str], desktop: str
) -> None:
    from meettray import ipc

    assert wait_for(lambda: ipc.ask(ipc.Request("ping"), demo=True, timeout=5) is not None)
    env = {"DISPLAY": desktop, "QT_QPA_PLATFORM": "xcb"}
    for _ in range(2):  # the second from certificates kept by the first start's
        done = run_cli("--demo", "now", env=env)
        assert done.returncode == 0, done.stderr
        assert "by the running meettray" in done.stderr
        assert "demo.meettray.invalid" in done.stdout

    loaded = mapped_libraries(demo_tray.pid)

    assert any("PySide6" in path for path in loaded)  # the check sees what is loaded
    assert not [path for path in loaded if "cryptography" in path]
