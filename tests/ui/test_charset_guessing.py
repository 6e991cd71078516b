"""The tray leaves requests' encoding guesser out (ui/shell/process.py), and Graph's and
the identity platform's answers still read the same.  Each check runs in a fresh
Python: what a process imports is decided once."""

from __future__ import annotations

import json
import os
import subprocess
import sys

#: Leaves the guesser out (or not), then reads a JSON answer as requests and msal do.
PROBE = """
import json, sys, warnings
warnings.simplefilter("error")  # requests' warning about the missing guesser included
from meettray.ui.shell.process import leave_out_charset_guessing
left_out = leave_out_charset_guessing() if {leave_out} else False
import requests
answer = requests.models.Response()
answer.status_code = 200
answer.headers["Content-Type"] = "application/json"
answer._content = json.dumps({{"subject": "Besprechung über Ärger — 会议"}},
                             ensure_ascii=False).encode()
print(json.dumps({{
    "left_out": left_out,
    "loaded": sys.modules.get("charset_normalizer") is not None,
    "json": answer.json()["subject"],
    "text": json.loads(answer.text)["subject"],  # msal reads resp.text
}}))
"""


def probe(*, leave_out: bool) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(leave_out=leave_out)],
                          capture_output=True, text=True, timeout=60, check=True,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_tray_does_not_load_the_guesser_and_reads_answers_the_same() -> None:
    subject = "Besprechung über Ärger — 会议"
    assert probe(leave_out=True) == {"left_out": True, "loaded": False, "json": subject,
                                     "text": subject}  # fmt: skip


def test_requests_loads_it_otherwise() -> None:
    """The probe sees the difference: without the call, requests loads the guesser."""
    assert probe(leave_out=False)["loaded"] is True
