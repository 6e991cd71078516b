"""A history another process holds costs one short wait, then Graph makes the link."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from meettray import paths
from meettray.config import load_config
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.history import HistoryStore
from meettray.service import build_service

from .conftest import run_cli

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}
#: How long the other process holds the history at most: SQLite's own busy wait (15 s)
#: before each of the steps ahead of the network took 45 s in all.
HELD_AT_MOST = 20.0


@pytest.fixture
def logged_in(config_file: Path, fake: FakeMicrosoft365) -> Path:
    done = run_cli("login", "--device-code", env=NO_DISPLAY)
    assert done.returncode == 0, done.stderr
    return config_file


def test_a_locked_history_costs_seconds_then_graph_makes_the_link(
    logged_in: Path, fake: FakeMicrosoft365
) -> None:
    """A prepared meeting waits in a history another process is writing: the command
    does not wait for it in turn at every step, it asks Graph after one bounded wait and
    prints that link while the other process still holds the history."""
    logged_in.write_text(logged_in.read_text().replace("prepare_next_link = false",
                                                       "prepare_next_link = true"))  # fmt: skip
    tray = build_service(load_config(logged_in))
    try:
        assert tray.prepare_spare()
    finally:
        tray.close()
    holder = sqlite3.connect(paths.history_file(), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Event()
    lock = threading.Lock()

    def release() -> None:
        with lock:
            if not released.is_set():
                released.set()
                holder.execute("ROLLBACK")

    command = subprocess.Popen(
        [sys.executable, "-m", "meettray", "now", "--no-copy", "--subject", "Busy"],
        env={**os.environ, **NO_DISPLAY}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    letting_go = threading.Timer(HELD_AT_MOST, release)  # the other process's write ends
    letting_go.start()
    try:
        assert command.stdout is not None
        link = command.stdout.readline().strip()
        held_still = not released.is_set()
        release()
        _out, err = command.communicate(timeout=60)
    finally:
        letting_go.cancel()
        holder.close()
    assert link.startswith("https://"), err
    assert held_still, "the link waited for the history to be released"
    assert command.returncode == 0, err
    store = HistoryStore(paths.history_file())
    try:
        (row,) = store.recent(10)  # written once the history was free again
        assert (row.subject, row.join_url) == ("Busy", link)
        assert len(store.spares()) == 1  # the prepared meeting is still there, for next time
    finally:
        store.close()
