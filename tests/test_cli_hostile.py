"""Text from outside stays data on the terminal: Graph's request-id and a meeting's
words, through the fake over HTTPS and the real command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from meettray.demo.fake365 import FakeMicrosoft365, faults
from meettray.errors import ExitCode

from .conftest import run_cli

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}
#: Sets the terminal's title, rings, and clears the screen.
ESCAPES = "\x1b]2;pwned\x07\x1b[2J"
#: C1's CSI (a terminal escape without ESC), a right-to-left override, a zero-width space.
C1_AND_RLO = "Review \x9b2J \u202eevil\u202c\u200b"


@pytest.fixture
def logged_in(config_file: Path, fake: FakeMicrosoft365) -> Path:
    done = run_cli("login", "--device-code", env=NO_DISPLAY)
    assert done.returncode == 0, done.stderr
    return config_file


def test_a_request_id_with_terminal_escapes_is_printed_as_text(
    logged_in: Path, fake: FakeMicrosoft365, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meettray.demo.fake365.wire import graph_error

    def hostile(code: str, message: str) -> dict[str, Any]:
        body = graph_error(code, message)
        body["error"]["innerError"]["request-id"] = f"abc{ESCAPES}def"
        return body

    monkeypatch.setattr(faults, "graph_error", hostile)  # the fake's refusals use it
    for extra in ([], ["-v"], ["--json"]):
        fake.add_fault("status", "createOrGet", status=400, code="BadRequest")
        done = run_cli("now", "--no-copy", *extra, env=NO_DISPLAY)

        assert done.returncode == ExitCode.GRAPH, done.stderr
        assert "abc" in done.stderr + done.stdout  # the id is still there, for support
        for raw in ("\x1b", "\x07"):
            assert raw not in done.stderr, extra
            assert raw not in done.stdout, extra


def test_json_escapes_c1_controls_and_direction_overrides(
    logged_in: Path, fake: FakeMicrosoft365
) -> None:
    fake.add_fault("rewrite", "createOrGet", field="subject", value=C1_AND_RLO)

    made = run_cli("now", "--no-copy", "--json", env=NO_DISPLAY)
    listed = run_cli("history", "--json", env=NO_DISPLAY)

    assert made.returncode == 0, made.stderr
    for output in (made.stdout, listed.stdout):
        for raw in ("\x9b", "\u202e", "\u202c", "\u200b"):
            assert raw not in output
        assert "\\u009b" in output
        assert "\\u202e" in output
    assert json.loads(made.stdout)["subject"] == C1_AND_RLO  # the same data, escaped
    assert json.loads(listed.stdout)[0]["subject"] == C1_AND_RLO
