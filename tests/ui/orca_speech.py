"""Run Orca (the screen reader) with its speech log written line by line.

Run by the system Python (Orca's), not the test's:
``python3 orca_speech.py LOG [orca's arguments]``.  Orca writes what it says to its
``--debug-file`` as ``SPEECH OUTPUT: '…'`` lines, through a file it opens with Python's
default buffering, which only reaches the disk every few kilobytes or at exit; the test
reads the log while Orca runs, so here that one file is opened line-buffered.  Nothing
else of Orca changes.
"""

from __future__ import annotations

import builtins
import runpy
import sys

log = sys.argv[1]
_open = builtins.open


def _line_buffered(file, mode="r", buffering=-1, *args, **kwargs):  # type: ignore[no-untyped-def]
    if file == log and "w" in mode:
        buffering = 1
    return _open(file, mode, buffering, *args, **kwargs)


builtins.open = _line_buffered
sys.argv = ["orca", "--debug-file", log, *sys.argv[2:]]
runpy.run_path("/usr/bin/orca", run_name="__main__")
