"""``meettray now``'s first stage (entry.py): a running tray answers it before the rest of
the command is loaded; every other case reaches the full command, the request sent once.

A stand-in tray listens on the real socket path and answers as the tray does
(:func:`meettray.ipc.encode`); the command runs as a new process, as a person runs it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from meettray import ipc
from meettray.errors import ExitCode
from meettray.ipc import Outcome, Request

from .conftest import run_cli

pytestmark = pytest.mark.posix

MEETING = {
    "id": "m1",
    "subject": "Quick",
    "join_url": "https://teams.microsoft.com/l/meetup-join/x",
}
#: What the first stage must not load: the full command and everything behind it.
#: typing too: plaintext, which prints the link, loaded it for annotations (5 to 9 ms of
#: a 35 ms command, measured with python -X importtime).
HEAVY = ("meettray.cli", "meettray.ipc", "argparse", "logging", "dataclasses", "msal",
         "requests", "PySide6", "sqlite3", "typing")  # fmt: skip


class StandInTray:
    """Answers each request on the tray's socket with ``answer``; keeps the lines."""

    def __init__(self, answer: Outcome, first: Outcome | None = None) -> None:
        """``first``: an answer sent before ``answer`` (``now``'s link, before the PATCH)."""
        self.lines: list[bytes] = []
        self._answer = answer
        self._first = first
        #: Set once the first answer was read by the other end's output: the test lets the
        #: final answer go only after the command printed the link.
        self.release = threading.Event()
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(ipc.server_name())
        self._listener.listen(4)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return  # closed
            with connection:
                self.lines.append(connection.makefile("rb").readline())
                if self._first is not None:
                    connection.sendall(ipc.encode(self._first))
                    self.release.wait(20)
                connection.sendall(ipc.encode(self._answer))

    def close(self) -> None:
        self._listener.close()
        Path(ipc.server_name()).unlink(missing_ok=True)


@pytest.fixture
def tray() -> Iterator[list[StandInTray]]:
    made: list[StandInTray] = []
    yield made
    for one in made:
        one.close()


def first_stage(*args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run the command through its entry point; the modules it had loaded at exit."""
    code = (
        "import atexit, json, sys\n"
        f"heavy = {HEAVY!r}\n"
        "atexit.register(lambda: print(json.dumps([m for m in heavy if m in sys.modules]),"
        " file=sys.stderr))\n"
        "from meettray.entry import main\n"
        "sys.exit(main())\n"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    *stderr, loaded = done.stderr.strip().splitlines()
    done.stderr = "\n".join(stderr)
    return done, json.loads(loaded)


def test_now_through_a_running_tray_loads_nothing_but_the_first_stage(
    tray: list[StandInTray],
) -> None:
    tray.append(StandInTray(Outcome(ok=True, meeting=MEETING, copied=True)))

    done, loaded = first_stage("now", "--subject", "Standup", "--preset=incident")

    assert done.returncode == 0, done.stderr
    assert done.stdout == MEETING["join_url"] + "\n"
    assert done.stderr == "meettray: Copied to the clipboard by the running meettray."
    assert loaded == []  # no argparse, logging, msal, requests, PySide6, nor meettray.cli
    (line,) = tray[0].lines
    # The tray reads it as the request the full command would have sent, and it is the
    # same bytes: one protocol.
    request = ipc.decode_request(line)
    assert request == Request("now", subject="Standup", external_id=request.external_id,
                               preset="incident")  # fmt: skip
    assert line == ipc.encode(request)


def test_its_output_is_the_full_commands(tray: list[StandInTray]) -> None:
    """Warnings, --json and a link the tray could not copy, as the full command prints
    them (``--verbose`` after ``now`` is one the first stage does not take)."""
    answer = Outcome(ok=True, meeting=MEETING, warnings=("Lobby\x1b[31m kept",),
                     message="no clipboard")  # fmt: skip
    tray.append(StandInTray(answer))

    fast, loaded = first_stage("now", "--json")
    full = run_cli("now", "--json", "-vv")

    assert loaded == []
    assert (fast.returncode, fast.stdout, fast.stderr) == (0, full.stdout, full.stderr.strip())
    assert json.loads(fast.stdout) == MEETING
    assert "Lobby [31m kept" in fast.stderr  # the escape character is not printed
    assert "made the meeting, but: no clipboard" in fast.stderr
    assert len(tray[0].lines) == 2


def test_a_failure_from_the_tray_is_the_full_commands_to_report_asked_once(
    tray: list[StandInTray],
) -> None:
    failed = Outcome(ok=False, message="Microsoft Graph refused.", exit_code=ExitCode.GRAPH)
    tray.append(StandInTray(failed))

    done, loaded = first_stage("now")

    assert done.returncode == ExitCode.GRAPH
    assert "Microsoft Graph refused." in done.stderr
    assert "meettray.cli" in loaded  # the full command read and reported it
    assert len(tray[0].lines) == 1  # and did not ask again


def test_anything_else_is_the_full_command(tray: list[StandInTray]) -> None:
    tray.append(StandInTray(Outcome(ok=True, meeting=MEETING, copied=True)))

    done, loaded = first_stage("now", "--preset", "Not A Name")

    assert done.returncode == ExitCode.USAGE
    assert "is not a preset name" in done.stderr
    assert "argparse" in loaded
    assert tray[0].lines == []


@pytest.mark.parametrize("args", [[], ["--demo"]])
def test_the_tray_starts_without_the_command_line(args: list[str]) -> None:
    """The tray runs for hours: the command line (cli.py, its parser and commands) stays
    out of its process.  (argparse itself is PySide6's: shiboken loads it.)"""
    code = (
        "import json, os, sys\n"
        "import meettray.ui.shell.main as tray\n"
        "def run(**options):\n"
        "    loaded = [m for m in ('meettray.cli',) if m in sys.modules]\n"
        "    print(json.dumps([options, loaded, oct(os.umask(0o22))]))\n"
        "    return 0\n"
        "tray.run = run\n"
        "from meettray.entry import main\n"
        f"sys.exit(main({args!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip

    options, loaded, umask = json.loads(done.stdout)
    assert options == {"config_path": None, "demo": bool(args), "verbose": 0}
    assert loaded == []
    assert umask == "0o77"  # what the tray writes is the user's alone, as before


def test_the_link_is_printed_at_the_trays_first_answer_and_the_warnings_at_its_last(
    tray: list[StandInTray],
) -> None:
    """The tray answers ``now`` twice: the link once it is on the clipboard, then the
    meeting as asked.  The first stage prints the link before the last answer comes."""
    link = Outcome(ok=True, meeting=MEETING, copied=True, final=False)
    final = Outcome(ok=True, meeting={**MEETING, "subject": "Standup"}, copied=True,
                    warnings=("Teams did not take: Record automatically (on)",))  # fmt: skip
    stand_in = StandInTray(final, first=link)
    tray.append(stand_in)
    command = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom meettray.entry import main\nsys.exit(main())",
         "now"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert command.stdout is not None
    printed = command.stdout.readline()  # while the stand-in still holds the last answer
    assert printed.strip() == MEETING["join_url"]
    stand_in.release.set()
    out, err = command.communicate(timeout=30)
    assert command.returncode == 0
    assert out == ""  # the link once, not again at the last answer
    assert "Teams did not take: Record automatically (on)" in err
    assert err.count("Copied to the clipboard") == 1
