"""Every window fits 1280x720 at the default font, on a real X server with a 1280x800
screen, with its buttons in view; and the screen at 150 % or with a 16-point font.
Xvfb has no window manager: a window's frame is its inside, so 40 px are kept for the
title bar a desktop adds (680 + 40 <= 720)."""

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
#: How a person may have set up the screen: (extra environment, font size in points).
SETUPS: dict[str, tuple[dict[str, str], list[str]]] = {
    "default font": ({}, []),
    "150 %": ({"QT_SCALE_FACTOR": "1.5"}, []),
    "16-point font": ({}, ["16"]),
}


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with xvfb() as started:
        yield started


@pytest.fixture(scope="module", params=list(SETUPS))
def measured(display: str, request: pytest.FixtureRequest) -> dict[str, dict[str, Any]]:
    """Each window as the app would show it, measured on Xvfb (one Qt process per setup)."""
    extra, args = SETUPS[request.param]
    env = {**os.environ, "DISPLAY": display, "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": "xcb",
           **extra}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.windows", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {row.pop("name"): row for row in rows}


@pytest.mark.parametrize("name", list(WINDOWS))
def test_the_window_fits_its_screen_with_its_buttons_in_view(
    measured: dict[str, dict[str, Any]], name: str
) -> None:
    window = measured[name]
    screen_width, screen_height = window["screen"]
    assert screen_height in (800, 533)  # 1280x800, at 100 % or 150 %
    width, height = window["window"]
    assert width <= screen_width
    assert height <= screen_height - TITLE_BAR
    if screen_height == 800:
        assert height <= 720 - TITLE_BAR  # the 1280x720
    assert 0 < window["buttons_below"] <= window["inside"][1]
