"""Waiting for the clipboard holder's "ready" is bounded on every OS: Windows' pipes
cannot be selected, so a thread reads there; both ways are driven here."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from meettray.platform.clipboard import _read_line

#: select() where pipes can be waited on (not Windows), a thread everywhere.
WAYS = [pytest.param(True, marks=pytest.mark.posix, id="select"), pytest.param(False, id="thread")]


@contextmanager
def holder(code: str) -> Iterator[subprocess.Popen[bytes]]:
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE) as process:
        try:
            yield process
        finally:
            process.kill()


@pytest.mark.parametrize("selectable", WAYS)
def test_a_holder_that_says_ready_is_heard(selectable: bool) -> None:
    with holder("print('ready', flush=True)") as process:
        assert _read_line(process, 30, selectable=selectable) == "ready\n"


@pytest.mark.parametrize("selectable", WAYS)
def test_a_holder_that_hangs_does_not_hang_the_command(selectable: bool) -> None:
    """Was, on Windows: a readline() with no end, and 'meettray now' with it."""
    with holder("import time; time.sleep(120)") as process:
        assert _read_line(process, 0.2, selectable=selectable) == ""


@pytest.mark.parametrize("selectable", WAYS)
def test_a_line_without_end_is_read_only_so_far(selectable: bool) -> None:
    flood = "import sys, time; sys.stdout.write('x' * 100000); sys.stdout.flush(); time.sleep(120)"
    with holder(flood) as process:
        assert _read_line(process, 30, selectable=selectable) == "x" * 256
