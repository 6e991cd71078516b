"""The Schedule dialog: defaults, inline validation, confirmation, results."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from meettray.accounts import CALENDAR, CALENDAR_CONSENT_MESSAGE
from meettray.errors import ConsentRequired, MeettrayError, SignInRequired
from meettray.graph import wire
from meettray.graph.wire import meeting_from_graph
from meettray.meetings import MeetingRequest
from meettray.ui.views.schedule_dialog import (
    CUSTOM_END,
    ScheduleDialog,
    _to_datetime,
    _to_qdatetime,
    next_half_hour,
)

NOW = datetime(2026, 11, 21, 14, 7, tzinfo=timezone.utc)


@pytest.fixture
def dialog(qtbot: QtBot) -> ScheduleDialog:
    made = ScheduleDialog(default_subject="Planning", now=lambda: NOW)
    qtbot.addWidget(made)
    made.show()
    return made


def test_next_half_hour() -> None:
    assert next_half_hour(NOW).minute in (0, 30)
    assert timedelta(0) < next_half_hour(NOW) - NOW <= timedelta(minutes=30)
    exact = NOW.replace(minute=30)
    assert next_half_hour(exact) - exact == timedelta(minutes=30)


def test_defaults_are_valid(dialog: ScheduleDialog) -> None:
    request = dialog.validate()
    assert request is not None
    assert request.subject == "Planning"
    assert request.start == next_half_hour(NOW)
    assert request.end - request.start == timedelta(hours=1)
    assert dialog.create_button.isEnabled()
    assert not any(label.isVisible() for label in dialog.errors.values())


def test_invalid_input_is_shown_inline_and_blocks_create(
    dialog: ScheduleDialog, qtbot: QtBot
) -> None:
    dialog.subject.clear()
    QTest.keyClicks(dialog.attendees, "ana@contoso.com, not-an-address")
    dialog.length.setCurrentIndex(dialog.length.findData(CUSTOM_END))
    dialog.end.setDateTime(dialog.start.dateTime().addSecs(-600))

    assert not dialog.create_button.isEnabled()
    assert dialog.errors["subject"].isVisible()
    assert dialog.errors["subject"].text() == "Enter a subject."
    assert "'not-an-address'" in dialog.errors["attendees"].text()
    assert dialog.errors["end"].text() == "The end must be after the start."

    QTest.keyClicks(dialog.subject, "Fixed")
    dialog.attendees.setPlainText("ana@contoso.com")
    dialog.end.setDateTime(dialog.start.dateTime().addSecs(1800))
    assert dialog.create_button.isEnabled()
    assert not any(label.isVisible() for label in dialog.errors.values())


def test_create_emits_the_request_by_keyboard(dialog: ScheduleDialog, qtbot: QtBot) -> None:
    dialog.lobby.setCurrentIndex(dialog.lobby.findData("everyone"))
    dialog.calendar.setChecked(True)
    dialog.subject.setFocus()
    with qtbot.waitSignal(dialog.create_requested) as emitted:
        QTest.keyClick(dialog.subject, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    request: MeetingRequest = emitted.args[0]
    assert request.lobby_bypass == "everyone"
    assert request.calendar is True
    assert dialog.status.text() == "Creating the meeting…"
    assert not dialog.create_button.isEnabled()


def test_start_in_the_past_asks_first(
    dialog: ScheduleDialog, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    asked: list[str] = []
    boxes: list[QMessageBox] = []

    def answer(box: QMessageBox) -> int:
        boxes.append(box)
        asked.append(box.text())
        return int(answers.pop(0).value)

    monkeypatch.setattr(QMessageBox, "exec", answer)
    dialog.start.setDateTime(_to_qdatetime(NOW - timedelta(hours=2)))
    emitted: list[object] = []
    dialog.create_requested.connect(emitted.append)

    dialog.create_button.click()
    assert emitted == []
    dialog.create_button.click()
    assert len(emitted) == 1
    assert "in the past" in asked[0]
    # Enter or Escape on the question keeps the meeting from being made.
    assert boxes[0].defaultButton() is boxes[0].button(QMessageBox.StandardButton.No)
    # Only this window waits: the tray icon and its menu go on answering clicks.
    assert boxes[0].windowModality() == Qt.WindowModality.WindowModal


def test_result_with_copy_and_open(dialog: ScheduleDialog, qtbot: QtBot) -> None:
    meeting = meeting_from_graph(
        {
            "id": "m",
            "joinWebUrl": "https://teams.microsoft.com/l/x",
            "subject": "A & B",
            "startDateTime": "2030-01-01T10:00:00Z",
        },
        status=201,
        account="",
        created_at=NOW,
    )
    dialog.show_result(meeting, ("Lobby settings could not be applied.",))

    assert dialog.pages.currentIndex() == 1
    assert dialog.link.text() == "https://teams.microsoft.com/l/x"
    assert dialog.result_title.text().startswith("A & B — ")
    assert dialog.result_note.text() == "Lobby settings could not be applied."
    with qtbot.waitSignal(dialog.copy_requested) as copied:
        dialog.copy_button.click()
    assert copied.args == [meeting]
    with qtbot.waitSignal(dialog.open_requested):
        dialog.open_button.click()


def test_error_keeps_the_form_and_offers_calendar_permission(dialog: ScheduleDialog) -> None:
    dialog.set_busy(True)
    dialog.show_error(ConsentRequired(CALENDAR_CONSENT_MESSAGE, permissions=(CALENDAR,),
                                      detail="AADSTS65001: The user or administrator has not "
                                      "consented", request_id="0f9c"))  # fmt: skip
    assert "AADSTS" not in dialog.status.text()  # the sign-in service's trace: not in the form
    assert dialog.pages.currentIndex() == 0
    assert dialog.subject.text() == "Planning"
    assert dialog.create_button.isEnabled()
    assert dialog.grant.isVisible()
    assert "needs your permission" in dialog.status.text()

    # Decided by the error's type, not its words: another failure offers no calendar grant.
    dialog.show_error(MeettrayError("meettray needs your permission for this, in words only."))
    assert not dialog.grant.isVisible()
    # Not signed in at all while the calendar box is ticked: the grant signs in with both.
    dialog.calendar.setChecked(True)
    dialog.show_error(SignInRequired("You are not signed in."))
    assert dialog.grant.isVisible()


def test_result_shows_the_start_of_a_long_link(dialog: ScheduleDialog, qtbot: QtBot) -> None:
    link = "https://teams.microsoft.com/l/meetup-join/" + "x" * 300
    meeting = meeting_from_graph(
        {"id": "m", "joinWebUrl": link, "subject": "S", "startDateTime": "2030-01-01T10:00:00Z"},
        status=201,
        account="",
        created_at=NOW,
    )
    dialog.show()
    dialog.show_result(meeting, ())
    qtbot.waitExposed(dialog)
    assert dialog.link.text() == link
    assert dialog.link.cursorPosition() == 0
    assert dialog.link.cursorRect().left() < 20  # scrolled to the start, where "https" is


def test_choosing_specific_presenters_asks_who(dialog: ScheduleDialog) -> None:
    """graph-notes, live behaviours: roleIsPresenter needs the presenters by name."""
    assert not dialog.presenter_people.isVisible()
    dialog.presenters.setCurrentIndex(dialog.presenters.findData("roleIsPresenter"))

    assert dialog.presenter_people.isVisible()
    assert not dialog.create_button.isEnabled()
    assert "Name at least one presenter" in dialog.errors["presenters"].text()

    QTest.keyClicks(dialog.presenter_people, "pat@contoso.com")
    request = dialog.validate()
    assert request is not None
    assert request.presenters == ("pat@contoso.com",)
    assert wire.participants(request) == [{"upn": "pat@contoso.com", "role": "presenter"}]
    assert not dialog.errors["presenters"].isVisible()


def test_alt_l_reaches_the_length(dialog: ScheduleDialog) -> None:
    """Was: the "&Length" label's buddy was the row, which takes no focus."""
    from PySide6.QtWidgets import QLabel

    (label,) = [w for w in dialog.findChildren(QLabel) if w.text() == "&Length:"]
    assert label.buddy() is dialog.length


def test_reopening_selects_the_subject_and_moves_a_start_that_has_passed(
    qtbot: QtBot,
) -> None:
    """Was: typing appended to the prefilled subject, and reopening after Cancel brought
    back a start in the past."""
    clock = [NOW]
    made = ScheduleDialog(default_subject="Planning", now=lambda: clock[0])
    qtbot.addWidget(made)
    made.prepare()
    made.show()
    assert made.subject.selectedText() == "Planning"
    made.reject()  # Cancel

    clock[0] = NOW + timedelta(hours=3)  # reopened later that day
    made.prepare()
    assert _to_datetime(made.start.dateTime()) == next_half_hour(clock[0])
    assert made.subject.selectedText() == "Planning"


def test_time_in_the_subject_is_the_meetings_start_not_the_click(qtbot: QtBot) -> None:
    made = ScheduleDialog(subject_template="Sync {time}", now=lambda: NOW)
    qtbot.addWidget(made)
    start = next_half_hour(NOW).astimezone()
    assert made.subject.text() == f"Sync {start:%H:%M}"
    later = start + timedelta(hours=2)
    made.start.setDateTime(_to_qdatetime(later))
    assert made.subject.text() == f"Sync {later:%H:%M}"  # follows the start
    made.subject.setText("")
    QTest.keyClicks(made.subject, "My own")
    made.start.setDateTime(_to_qdatetime(start))
    assert made.subject.text() == "My own"  # the person's subject stays theirs


@pytest.mark.skipif(not Path("/usr/share/zoneinfo/Europe/Berlin").exists(), reason="no tzdata")
def test_a_start_moved_by_a_dst_gap_is_said_and_asked() -> None:
    """Was: 02:30, then the day changed to the one the clocks go forward: Qt made it 03:30
    and nobody was told.  Run with TZ=Europe/Berlin in a process of its own."""
    import os
    import subprocess
    import sys

    script = (
        "from PySide6.QtWidgets import QApplication, QMessageBox\n"
        "from PySide6.QtCore import QDate, QTime\n"
        "from datetime import datetime, timezone\n"
        "app = QApplication([])\n"
        "from meettray.ui.views.schedule_dialog import ScheduleDialog\n"
        "now = datetime(2026, 3, 20, 12, tzinfo=timezone.utc)\n"
        "d = ScheduleDialog(default_subject='Sync', now=lambda: now)\n"
        "d.start.setDate(QDate(2026, 3, 28)); d.start.setTime(QTime(2, 30))\n"
        "d.start.setDate(QDate(2026, 3, 29))  # the night the clocks go forward\n"
        "print(d.start.time().toString('HH:mm'))\n"
        "print(d.errors['start'].text())\n"
        "asked = []\n"
        "no = int(QMessageBox.StandardButton.No.value)\n"
        "QMessageBox.exec = lambda box: asked.append(box.text()) or no\n"
        "made = []\n"
        "d.create_requested.connect(made.append)\n"
        "d.create_button.click()\n"
        "print(len(made), asked)\n"
    )
    env = {**os.environ, "TZ": "Europe/Berlin", "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    moved, note, outcome = done.stdout.strip().splitlines()
    assert moved == "03:30"
    assert note.startswith("02:30 does not exist on that day")
    assert "03:30" in note
    assert outcome.startswith("0 [")  # asked first; No keeps it from being made
    assert "Create the meeting at 03:30 instead?" in outcome


def test_options_are_collapsed_until_asked_for_and_go_into_the_request(
    dialog: ScheduleDialog, qtbot: QtBot
) -> None:
    from meettray.meetings import MeetingOptions

    assert not dialog.options.isVisible()  # collapsed by default
    dialog.options_button.click()
    assert dialog.options.isVisible()
    dialog.option_boxes["record_automatically"].setCurrentIndex(
        dialog.option_boxes["record_automatically"].findData(True)
    )
    chat = dialog.option_boxes["meeting_chat"]
    chat.setCurrentIndex(chat.findData("limited"))
    assert chat.currentText() == "Only during the meeting"

    with qtbot.waitSignal(dialog.create_requested) as emitted:
        dialog.create_button.click()

    request: MeetingRequest = emitted.args[0]
    assert request.options == MeetingOptions(record_automatically=True, meeting_chat="limited")


def test_options_on_a_calendar_event_are_refused_inline(dialog: ScheduleDialog) -> None:
    dialog.options_button.click()
    dialog.option_boxes["watermark"].setCurrentIndex(
        dialog.option_boxes["watermark"].findData(True)
    )
    dialog.calendar.setChecked(True)

    assert dialog.validate() is None
    assert dialog.errors["options"].isVisible()
    assert (
        dialog.errors["options"]
        .text()
        .startswith("Meeting options apply to Teams meetings made here, not to calendar events")
    )
    assert not dialog.create_button.isEnabled()


def test_a_preset_fills_the_form(qtbot: QtBot) -> None:
    from meettray.config import MeetingConfig, builtin_presets

    made = ScheduleDialog(presets=builtin_presets(MeetingConfig()), now=lambda: NOW)
    qtbot.addWidget(made)
    made.show()
    assert [made.preset.itemText(i) for i in range(made.preset.count())] == [
        "None: fill in the form", "Quick meeting", "Incident bridge", "Customer call",
    ]  # fmt: skip

    made.preset.setCurrentIndex(2)
    made.use_preset(2)  # as choosing it does

    request = made.validate()
    assert request is not None
    assert request.subject.startswith("Incident bridge ")
    assert request.end - request.start == timedelta(hours=2)
    assert (request.lobby_bypass, request.allowed_presenters) == ("organization", "everyone")
    assert request.options.record_automatically is True
    assert made.options.isVisible()  # what the preset set is shown
    made.subject.selectAll()
    QTest.keyClicks(made.subject, "Outage 4711")  # typed: the person's own subject stays
    made.start.setDateTime(made.start.dateTime().addSecs(3600))
    assert made.subject.text() == "Outage 4711"


def test_the_result_shows_a_hostile_subject_as_text(dialog: ScheduleDialog) -> None:
    hostile = '<b>Bold</b><br><img src="file:///etc/passwd"><a href="file:///x">x</a>'
    meeting = meeting_from_graph(
        {"id": "m", "joinWebUrl": "https://teams.microsoft.com/l/x", "subject": hostile,
         "startDateTime": "2030-01-01T10:00:00Z"},
        status=201, account="", created_at=NOW,
    )  # fmt: skip
    dialog.show_result(meeting, ())
    title = dialog.result_title
    assert title.textFormat() == Qt.TextFormat.PlainText
    lines = title.text().split("\n")
    assert lines[0].startswith(hostile + " — ")  # as typed, not rendered
    assert lines[1] == "The link is on your clipboard."
    assert "<br>" not in lines[1]


def test_enter_creates_even_after_the_calendar_grant_was_offered(
    dialog: ScheduleDialog, qtbot: QtBot
) -> None:
    dialog.calendar.setChecked(True)
    dialog.show_error(SignInRequired("You are not signed in."))
    assert dialog.grant.isVisible()
    dialog.grant.setFocus()  # even from the grant button itself, Enter is Create's
    dialog.subject.setFocus()
    with qtbot.waitSignal(dialog.create_requested, timeout=2000):
        QTest.keyClick(dialog.subject, Qt.Key.Key_Return)
    assert dialog.create_button.isDefault()
    assert dialog.create_button.isVisible()
    assert not dialog.grant.isDefault()
    assert not dialog.grant.autoDefault()


def test_escape_closes(dialog: ScheduleDialog) -> None:
    dialog.subject.setFocus()
    QTest.keyClick(dialog.subject, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_no_gap_is_left_once_an_error_clears(dialog: ScheduleDialog, qtbot: QtBot) -> None:
    qtbot.waitExposed(dialog)
    height = dialog.height()
    dialog.subject.setText("")  # an error under the subject
    assert dialog.errors["subject"].isVisible()
    assert dialog.height() > height
    dialog.subject.setText("Planning")
    assert not dialog.errors["subject"].isVisible()
    assert dialog.height() == height

    dialog.set_busy(True)
    dialog.show_error(MeettrayError("Microsoft Graph did not answer."))
    assert dialog.status.isVisible()
    dialog.set_busy(False)  # the next try: the error goes, and its room with it
    assert not dialog.status.isVisible()
    assert dialog.height() == height


@pytest.mark.parametrize(
    ("key", "modifier"),
    [(Qt.Key.Key_F4, Qt.KeyboardModifier.NoModifier),
     (Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)],
)  # fmt: skip
def test_the_calendar_opens_from_the_keyboard(
    dialog: ScheduleDialog, qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier
) -> None:
    dialog.start.setFocus()
    calendar = dialog.start.calendarWidget()
    assert not calendar.isVisible()
    QTest.keyClick(dialog.start, key, modifier)
    qtbot.waitUntil(calendar.isVisible, timeout=2000)
    assert dialog.start.date() == dialog.start.dateTime().date()  # nothing changed
    calendar.window().close()
