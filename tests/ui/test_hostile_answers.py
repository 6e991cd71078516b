"""Text from the network is data: never markup, never a command, never a link to open
without checking its host.  Hostile answers come from the fake Graph itself (its
``rewrite`` fault), through the real MSAL, requests and HTTPS."""

from __future__ import annotations

import functools
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.ui.app_model.intents import MeetNow, OpenMeeting
from meettray.ui.app_model.model import AppModel
from meettray.ui.app_model.notices import Notice
from meettray.ui.views.history_window import HistoryWindow
from meettray.ui.views.tray import Tray, menu_label

from ..conftest import run_cli
from .conftest import RecordingClipboard

LOOK_ALIKES = [
    "https://teams.microsoft.com@evil.example/l/meetup-join/x",
    "https://evil.example/l/meetup-join/x",
    "https://teams.microsoft.com.evil.example/l/meetup-join/x",
    "https://teams.microsoft.com:8443/l/meetup-join/x",
    "https://teams.microsoft.com/l/meetup-join/x\x1b[2J",
    "javascript:alert(1)//teams.microsoft.com",
]
MARKUP = '<a href="file:///etc/passwd">click</a><img src="file:///etc/hosts">'
ESCAPES = "Sync \x1b[2J\x1b]0;owned\x07 \u202eevil.exe"


@pytest.mark.parametrize("link", LOOK_ALIKES)
def test_a_look_alike_link_is_neither_copied_nor_kept(
    link: str,
    model: AppModel,
    fake: FakeMicrosoft365,
    clipboard: RecordingClipboard,
    qtbot: QtBot,
) -> None:
    fake.add_fault("rewrite", "createOrGet", field="joinWebUrl", value=link)
    notes: list[Notice] = []
    model.notify.connect(notes.append)

    op = model.dispatch(MeetNow())
    assert op is not None
    with qtbot.waitSignal(op.settled, timeout=10_000) as failed:
        pass

    assert clipboard.copies == []
    assert "will not use" in failed.args[0].error.message
    assert "Nothing was copied or opened" in failed.args[0].error.message
    assert notes[-1].title == "No meeting was created"
    qtbot.waitUntil(lambda: model.state.recent == (), timeout=2000)


def test_a_look_alike_link_in_history_is_not_opened(
    model: AppModel, opened: list[str], qtbot: QtBot
) -> None:
    """A history row written by an older meettray, or edited: opened nowhere, and said why."""
    from meettray.graph.wire import meeting_from_graph
    from meettray.results import utc_now

    evil = meeting_from_graph(
        {"id": "m", "joinWebUrl": "https://evil.example/l/x"},
        status=200,
        account="",
        created_at=utc_now(),
        link_hosts=frozenset({"evil.example"}),
    )
    notes: list[Notice] = []
    model.notify.connect(notes.append)
    model.dispatch(OpenMeeting(evil))
    assert opened == []
    assert notes[-1].title == "Not opened"
    assert "evil.example" in notes[-1].text


@pytest.fixture
def hostile_meeting(
    model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> functools.partial[None]:
    def make(subject: str) -> None:
        fake.add_fault("rewrite", "createOrGet", field="subject", value=subject)
        with qtbot.waitSignal(model.meetings.delivered, timeout=10_000):
            model.dispatch(MeetNow(source="test"))
        qtbot.waitUntil(lambda: bool(model.state.recent), timeout=5000)

    return functools.partial(make)


def test_markup_in_a_subject_is_shown_as_text(
    model: AppModel,
    hostile_meeting: functools.partial[None],
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Was: History's "Cancel meeting…" box rendered Graph's subject as a live link, and a
    click ran xdg-open on file:///etc/passwd."""
    hostile_meeting(MARKUP)
    window = HistoryWindow(model)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    window.table.selectRow(0)

    boxes: list[QMessageBox] = []

    def answer(box: QMessageBox) -> int:
        boxes.append(box)
        return int(QMessageBox.StandardButton.No.value)

    monkeypatch.setattr(QMessageBox, "exec", answer)
    window.buttons["cancel"].click()
    (box,) = boxes
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert MARKUP in box.text()

    tooltip = window.model.data(window.model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert "<a " not in tooltip
    assert "<img" not in tooltip


def test_terminal_escapes_and_direction_overrides_are_not_shown(
    model: AppModel,
    hostile_meeting: functools.partial[None],
    config_file: object,
) -> None:
    """Was: 'meettray history' printed ESC sequences raw, and the Recent menu showed a
    subject reversed by U+202E.  The stored value is kept as Graph sent it."""
    hostile_meeting(ESCAPES)
    label = menu_label(model.state.recent[0])
    assert "\x1b" not in label
    assert "\u202e" not in label
    assert "Sync" in label
    Tray(model)  # the menu builds with it

    listed = run_cli("history")
    assert listed.returncode == 0, listed.stderr
    assert "Sync" in listed.stdout
    assert "\x1b" not in listed.stdout
    assert "\x07" not in listed.stdout
    assert "\u202e" not in listed.stdout
    stored = json.loads(run_cli("history", "--json").stdout)
    assert stored[0]["subject"] == ESCAPES  # JSON escapes what a terminal would act on
