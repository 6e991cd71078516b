"""Every window fits 1280x720 at the default font, on a real X server with a 1280x800
screen, with its buttons in view.  Xvfb has no window manager: a window's frame is its
inside, so 40 px are kept for the title bar a desktop adds (680 + 40 ≤ 720)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..xserver import xvfb
from .windows import WINDOWS

pytestmark = pytest.mark.x11

ROOT = Path(__file__).resolve().parents[2]
TITLE_BAR = 40


@pytest.fixture(scope="module")
def measured() -> Iterator[dict[str, dict[str, Any]]]:
    """Each window as the app would show it, measured once on Xvfb (one Qt process)."""
    with xvfb() as display:
        env = {**os.environ, "DISPLAY": display, "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": "xcb"}
        done = subprocess.run(
            [sys.executable, "-m", "tests.ui.windows"], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        yield {row.pop("name"): row for row in rows}


@pytest.mark.parametrize("name", list(WINDOWS))
def test_the_window_fits_1280_by_720_with_its_buttons_in_view(
    measured: dict[str, dict[str, Any]], name: str
) -> None:
    window = measured[name]
    assert window["screen"] == [1280, 800]  # the laptop screen
    width, height = window["window"]
    assert width <= 1280
    assert height <= 720 - TITLE_BAR
    inside_height = window["inside"][1]
    assert 0 < window["buttons_below"] <= inside_height
