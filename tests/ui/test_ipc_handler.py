"""Answers to other meettray processes: each request through its own operation."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import ExitCode
from meettray.ipc import Outcome, Request
from meettray.ui.app_model.controller import AppController
from meettray.ui.shell.ipc_handler import IpcHandler
from meettray.ui.views.app import TrayApp


@pytest.mark.logs("no system tray available")
def test_socket_requests(controller: AppController, fake: FakeMicrosoft365, qtbot: QtBot) -> None:
    app = IpcHandler(TrayApp(controller, tray_grace_ms=0))
    answers: list[Outcome] = []
    app.handle_request(Request("ping"), answers.append)
    assert answers == [Outcome(ok=True)]

    app.handle_request(Request("now", subject="From the CLI"), answers.append)
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=10_000)
    assert answers[1].ok is True
    assert answers[1].meeting is not None
    assert answers[1].meeting["subject"] == "From the CLI"
    assert answers[1].meeting["id"] in fake.meetings

    fake.signed_in_user.guest = True
    app.handle_request(Request("now"), answers.append)
    qtbot.waitUntil(lambda: len(answers) == 3, timeout=10_000)
    assert answers[2].ok is False
    assert answers[2].exit_code == ExitCode.GRAPH
    assert answers[2].request_id

    app.handle_request(Request("status"), answers.append)
    assert answers[3].status is not None
    assert answers[3].status.account == "adele@contoso.example"


@pytest.mark.logs("no system tray available")
def test_a_request_with_a_preset_gets_its_settings_and_an_unknown_one_is_refused(
    controller: AppController, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    app = IpcHandler(TrayApp(controller, tray_grace_ms=0))
    answers: list[Outcome] = []

    app.handle_request(Request("now", preset="customer"), answers.append)
    qtbot.waitUntil(lambda: len(answers) == 1, timeout=10_000)
    assert answers[0].ok, answers[0].message
    assert answers[0].meeting is not None
    stored = fake.meetings[answers[0].meeting["id"]]
    assert stored["subject"] == "Customer call"
    assert stored["allowMeetingChat"] == "limited"

    app.handle_request(Request("now", preset="standup"), answers.append)
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=10_000)
    assert answers[1].ok is False
    assert answers[1].message.startswith("There is no preset 'standup' in ")
    assert len(fake.meetings) == 1
