"""The command line's Wayland clipboard through wl-copy, with stand-ins for wl-clipboard.

No compositor runs here: the stand-ins behave like wl-clipboard where it
matters to meettray.  ``wl-copy`` forks a helper that keeps serving the
selection (and would keep our stdout open), and ``wl-paste`` reads back what
the compositor really holds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from meettray.demo.fake365 import FakeMicrosoft365

from ..conftest import run_cli

pytestmark = pytest.mark.posix

WL_COPY = """#!/bin/sh
cat > "$WL_STORE"
# Like wl-copy: a helper stays behind to serve the selection, holding our stdio.
sleep 20 &
exit 0
"""
WL_PASTE = """#!/bin/sh
cat "$WL_PASTE_FROM"
"""


@pytest.fixture
def wayland(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, script in (("wl-copy", WL_COPY), ("wl-paste", WL_PASTE)):
        (bin_dir / name).write_text(script)
        (bin_dir / name).chmod(0o755)
    store = tmp_path / "selection"
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "WAYLAND_DISPLAY": "wayland-test",
        "DISPLAY": "",
        "WL_STORE": str(store),
        "WL_PASTE_FROM": str(store),
    }


@pytest.fixture
def logged_in(config_file: Path, fake: FakeMicrosoft365) -> None:
    assert (
        run_cli("login", "--device-code", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""}).returncode
        == 0
    )


def now_capturing_stdout(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``link=$(meettray now)``: stdout is a pipe the shell reads to its end."""
    return subprocess.run(
        [sys.executable, "-m", "meettray", "now"],
        capture_output=True, text=True, timeout=15, env={**os.environ, **env}, check=False,
    )  # fmt: skip


def test_capturing_the_link_does_not_wait_for_wl_copy(
    logged_in: None, wayland: dict[str, str], fake: FakeMicrosoft365
) -> None:
    done = now_capturing_stdout(wayland)  # would hang until the helper exits, before

    assert done.returncode == 0, done.stderr
    link = done.stdout.strip()
    (meeting,) = fake.meetings.values()
    assert link == meeting["joinWebUrl"]
    assert Path(wayland["WL_STORE"]).read_text() == link
    assert "meettray: Copied to the clipboard." in done.stderr


def test_a_copy_that_does_not_read_back_is_not_reported_as_copied(
    logged_in: None, wayland: dict[str, str], tmp_path: Path
) -> None:
    elsewhere = tmp_path / "something-else"
    elsewhere.write_text("what the compositor really holds")

    done = now_capturing_stdout({**wayland, "WL_PASTE_FROM": str(elsewhere)})

    assert done.returncode == 0  # the meeting exists: its link is printed
    assert done.stdout.strip().startswith("https://")
    assert "Not copied to the clipboard" in done.stderr
    assert "Copied to the clipboard." not in done.stderr
