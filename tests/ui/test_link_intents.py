"""meettray:// links through the running tray: the same intents a click makes, refused
links told, one meeting per 5 s, Schedule filled in and never sent by itself."""

from __future__ import annotations

import dataclasses
import functools
import logging
from datetime import datetime, timezone

import pytest
from pytestqt.qtbot import QtBot

from meettray.config import Config
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import ExitCode
from meettray.ipc import Outcome, Request
from meettray.links import LINK_INTERVAL
from meettray.ui.app_model.intents import Origin
from meettray.ui.app_model.model import AppModel
from meettray.ui.app_model.notices import Notice
from meettray.ui.shell.ipc_handler import IpcHandler
from meettray.ui.views.app import TrayApp

from .conftest import Clock, RecordingClipboard

pytestmark = pytest.mark.logs("no system tray available")


def handler(model: AppModel) -> IpcHandler:
    return IpcHandler(model, TrayApp(model, tray_grace_ms=0))


def follow(app: IpcHandler, link: str, qtbot: QtBot, answers: int = 1) -> list[Outcome]:
    got: list[Outcome] = []
    app.handle_request(Request("link", link=link), got.append)
    qtbot.waitUntil(lambda: len(got) == answers, timeout=15_000)
    return got


def notices(model: AppModel) -> list[Notice]:
    seen: list[Notice] = []
    model.notify.connect(seen.append)
    return seen


def test_a_now_link_makes_the_presets_meeting_as_a_click_would(
    model: AppModel, fake: FakeMicrosoft365,
    clipboard: RecordingClipboard, qtbot: QtBot,
) -> None:  # fmt: skip
    app = handler(model)
    told = notices(model)
    link, final = follow(app, "meettray://now?preset=incident", qtbot, answers=2)
    assert (link.final, final.ok) == (False, True)
    assert final.meeting is not None
    assert final.meeting["subject"].startswith("Incident bridge")
    assert final.meeting["id"] in fake.meetings
    assert clipboard.text.startswith("https://")
    assert model.state.outcome(Origin.LINK) is not None
    assert any(n.title.startswith("Link copied") for n in told)


def test_ten_links_in_a_second_make_one_meeting(
    model: AppModel, fake: FakeMicrosoft365, clock: Clock, qtbot: QtBot
) -> None:
    app = handler(model)
    told = notices(model)
    before = len(fake.meetings)
    answers = [follow(app, "meettray://now", qtbot, answers=2 if n == 0 else 1)[-1]
               for n in range(10)]  # fmt: skip
    assert [a.ok for a in answers] == [True] + [False] * 9
    assert len(fake.meetings) == before + 1
    assert all(a.exit_code == ExitCode.USAGE for a in answers[1:])
    assert "less than 5 s ago" in answers[1].message
    assert sum(n.title == "meettray link refused" for n in told) == 9
    clock.now += LINK_INTERVAL
    assert follow(app, "meettray://now", qtbot, answers=2)[-1].ok


def test_an_unknown_action_makes_nothing_and_says_so(
    model: AppModel, fake: FakeMicrosoft365, clipboard: RecordingClipboard, qtbot: QtBot
) -> None:
    app = handler(model)
    told = notices(model)
    before = (len(fake.meetings), list(clipboard.copies))
    (answer,) = follow(app, "meettray://delete?everything=1", qtbot)
    assert answer.ok is False
    assert "'delete' is not an action" in answer.message
    assert [n.text for n in told] == [answer.message]
    assert (len(fake.meetings), clipboard.copies) == before


def test_the_tray_reads_the_link_again(model: AppModel, qtbot: QtBot) -> None:
    """Another process's word is not taken: a hostile preset is refused here too."""
    app = handler(model)
    (answer,) = follow(app, "meettray://now?preset=%2E%2E", qtbot)
    assert "'preset'" in answer.message
    (answer,) = follow(app, "meettray://now?preset=nosuch", qtbot)
    assert "no preset 'nosuch'" in answer.message


def test_with_link_meetings_off_a_now_link_opens_schedule_filled_in(
    make_model: functools.partial[AppModel], config: Config, fake: FakeMicrosoft365,
    qtbot: QtBot,
) -> None:  # fmt: skip
    off = dataclasses.replace(config, ui=dataclasses.replace(config.ui, allow_link_meetings=False))
    model = make_model(config=off)
    app = handler(model)
    before = len(fake.meetings)
    (answer,) = follow(app, "meettray://now?preset=customer&subject=Acme+renewal", qtbot)
    assert answer.ok
    dialog = app.tray_app.schedule_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.subject.text() == "Acme renewal"
    assert dialog.preset.currentData() == "customer"
    assert len(fake.meetings) == before  # never sent by itself


def test_a_schedule_link_fills_in_schedule_and_sends_nothing(
    model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    app = handler(model)
    before = len(fake.meetings)
    start = "2030-01-15T09:30%2B00:00"
    follow(app, f"meettray://schedule?subject=Plan&start={start}&duration=100"
                "&attendees=a%40contoso.com,b%40contoso.com", qtbot)  # fmt: skip
    dialog = app.tray_app.schedule_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.subject.text() == "Plan"
    start_shown = dialog.start.dateTime().toSecsSinceEpoch()
    assert start_shown == datetime(2030, 1, 15, 9, 30, tzinfo=timezone.utc).timestamp()
    assert dialog.start.dateTime().secsTo(dialog.end.dateTime()) == 100 * 60  # "Until…"
    assert dialog.attendees.toPlainText() == "a@contoso.com, b@contoso.com"
    assert len(fake.meetings) == before


def test_history_and_join_links(model: AppModel, opened: list[str], qtbot: QtBot) -> None:
    app = handler(model)
    follow(app, "meettray://history?search=review", qtbot)
    window = app.tray_app.history_window
    assert window is not None
    qtbot.addWidget(window)  # closed at the end: a History window left open takes Return
    assert window.isVisible()
    assert window.search.text() == "review"
    teams = "https://teams.microsoft.com/l/meetup-join/19%253ameeting%2540thread.v2/0"
    follow(app, f"meettray://join?url={teams}", qtbot)
    assert opened == ["https://teams.microsoft.com/l/meetup-join/19%3ameeting%40thread.v2/0"]
    (answer,) = follow(app, "meettray://join/next", qtbot)
    assert "upcoming-meetings" in answer.message
    assert "[calendar] upcoming = true" in answer.message


def test_a_links_values_are_never_logged(
    model: AppModel, caplog: pytest.LogCaptureFixture, qtbot: QtBot
) -> None:
    caplog.set_level(logging.DEBUG)
    app = handler(model)
    follow(app, "meettray://now?preset=customer&subject=Project+Nightingale", qtbot, answers=2)
    follow(app, "meettray://history?search=Nightingale", qtbot)
    assert "now (preset, subject)" in caplog.text
    assert "Nightingale" not in caplog.text
    assert "customer" not in caplog.text
