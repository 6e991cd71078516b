"""Answers to other meettray processes: each request through its own job."""

from __future__ import annotations

import dataclasses
import functools

import pytest
from pytestqt.qtbot import QtBot

from meettray.config import Config
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import ExitCode
from meettray.ipc import Outcome, Request
from meettray.ui.app_model.model import AppModel
from meettray.ui.shell.ipc_handler import IpcHandler
from meettray.ui.views.app import TrayApp

from .conftest import sign_in


@pytest.mark.logs("no system tray available")
def test_socket_requests(model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot) -> None:
    app = IpcHandler(model, TrayApp(model, tray_grace_ms=0))
    answers: list[Outcome] = []
    app.handle_request(Request("ping"), answers.append)
    assert answers == [Outcome(ok=True)]

    app.handle_request(Request("now", subject="From the CLI"), answers.append)
    qtbot.waitUntil(lambda: len(answers) == 3, timeout=10_000)
    link, final = answers[1:]
    assert (link.final, final.final) == (False, True)  # the link first, then as asked
    assert link.meeting is not None
    assert final.ok is True
    assert final.meeting is not None
    assert final.meeting["subject"] == "From the CLI"
    assert final.meeting["id"] == link.meeting["id"]
    assert final.meeting["id"] in fake.meetings

    fake.signed_in_user.guest = True
    app.handle_request(Request("now"), answers.append)
    qtbot.waitUntil(lambda: len(answers) == 4, timeout=10_000)
    assert answers[3].ok is False
    assert answers[3].final
    assert answers[3].exit_code == ExitCode.GRAPH
    assert answers[3].request_id
    assert model.state.problem is None  # the command's failure: the icon stays as it was

    app.handle_request(Request("status"), answers.append)
    assert answers[4].status is not None
    assert answers[4].status.account == "adele@contoso.example"


@pytest.mark.logs("no system tray available")
def test_a_prepared_link_is_answered_before_graph_takes_the_settings(
    make_model: functools.partial[AppModel], config: Config, fake: FakeMicrosoft365,
    qtbot: QtBot,
) -> None:  # fmt: skip
    """Was: ``meettray now`` through the tray waited for the PATCH, although its link was
    ready with no network.  With Graph holding the PATCH 2 s, the link is answered first."""
    with_spare = dataclasses.replace(
        config, meeting=dataclasses.replace(config.meeting, prepare_next_link=True)
    )
    model = make_model(config=with_spare)
    model.start()
    sign_in(model, qtbot)
    qtbot.waitUntil(lambda: model.state.link_prepared, timeout=10_000)
    (spare_id,) = fake.meetings
    fake.add_fault("delay", "/onlineMeetings/", method="PATCH", delay=2.0)
    app = IpcHandler(model, TrayApp(model, tray_grace_ms=0))
    # What Graph holds when each answer is sent: ordering, not timing.
    answers: list[tuple[str, Outcome]] = []

    app.handle_request(Request("now", subject="Outage"),
                       lambda outcome: answers.append((fake.meetings[spare_id]["subject"],
                                                       outcome)))  # fmt: skip
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=15_000)
    (held, link), (applied, final) = answers
    assert link.meeting is not None
    assert link.meeting["id"] == spare_id
    assert not link.final
    assert held != "Outage"  # the link was answered while Graph held the PATCH
    assert final.meeting is not None
    assert final.meeting["subject"] == applied == "Outage"  # the PATCH did land, later


@pytest.mark.logs("no system tray available")
def test_a_request_with_a_preset_gets_its_settings_and_an_unknown_one_is_refused(
    model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    app = IpcHandler(model, TrayApp(model, tray_grace_ms=0))
    answers: list[Outcome] = []

    app.handle_request(Request("now", preset="customer"), answers.append)
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=10_000)
    answers = answers[1:]  # the final one
    assert answers[0].ok, answers[0].message
    assert answers[0].meeting is not None
    stored = fake.meetings[answers[0].meeting["id"]]
    assert stored["subject"] == "Customer call"
    assert stored["allowMeetingChat"] == "limited"

    app.handle_request(Request("now", preset="standup"), answers.append)
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=10_000)
    assert answers[1].ok is False
    assert answers[1].message.startswith("There is no preset 'standup' in ")
    assert answers[1].exit_code == ExitCode.SETTINGS  # as the command says it with no tray
    assert len(fake.meetings) == 1
