"""Fixtures for the fault suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from meettray.demo.fake365 import FakeMicrosoft365

from ..conftest import run_cli


@pytest.fixture
def logged_in_config(config_file: Path, fake: FakeMicrosoft365) -> Path:
    done = run_cli("login", "--device-code", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert done.returncode == 0, done.stderr
    return config_file
