"""The full-screen reminder, as a person sees and uses it: found on screen, read, and
driven with the keyboard alone."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.ui.app_model import intents as i
from meettray.ui.app_model.model import AppModel
from meettray.ui.views.app import TrayApp
from meettray.ui.views.reminder_window import ReminderWindow
from meettray.upcoming import Upcoming

from .conftest import apply_settings, calendar_on, now, refreshed


def on_screen(model: AppModel, qtbot: QtBot) -> TrayApp:
    """The tray app; the offscreen platform has no tray, so its window comes now, within
    the test (it warns), never later in another one."""
    app = TrayApp(model, tray_grace_ms=0)
    qtbot.waitUntil(lambda: app.window is not None, timeout=5000)
    return app


def reminder_on_screen(app: TrayApp) -> ReminderWindow | None:
    """This test's reminder, found among the windows on screen (not another test's)."""
    found = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, ReminderWindow) and w.isVisible()
             and w is app.reminder_window]  # fmt: skip
    return found[0] if found else None


@pytest.mark.logs("no system tray available")
def test_a_due_reminder_fills_the_screen_and_enter_joins(
    reading: AppModel, fake: FakeMicrosoft365, qtbot: QtBot, opened: list[str]
) -> None:
    start = now() + timedelta(minutes=30)
    event = fake.calendar.add(fake.signed_in_user, "Board <b>review</b>", start)
    apply_settings(reading, qtbot, calendar_on(reading.config, full_screen_reminder=True))
    refreshed(reading, qtbot)
    shown = on_screen(reading, qtbot)
    reading.upcoming.check_reminders(start - timedelta(seconds=40))
    window = reminder_on_screen(shown)
    assert window is not None
    assert window.isFullScreen()
    texts = [label.text() for label in window.findChildren(QLabel)]
    assert "Board <b>review</b>" in texts  # as text, never markup
    assert any(t.startswith(f"{start.astimezone():%H:%M} · in ") and t.endswith(" · Adele Vance")
               for t in texts)  # fmt: skip
    QTest.keyClick(window, Qt.Key.Key_Return)
    assert opened == [event.join_url]
    qtbot.waitUntil(lambda: reminder_on_screen(shown) is None, timeout=5000)
    assert shown.reminder_window is None


@pytest.mark.logs("no system tray available")
def test_snooze_reminds_once_more_and_escape_dismisses(
    reading: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    start = now() + timedelta(minutes=30)
    fake.calendar.add(fake.signed_in_user, "Review", start)
    apply_settings(reading, qtbot, calendar_on(reading.config, full_screen_reminder=True))
    refreshed(reading, qtbot)
    shown = on_screen(reading, qtbot)
    feed = reading.upcoming
    clock = start - timedelta(seconds=40)
    feed.clock = lambda: clock
    feed.check_reminders(clock)
    window = reminder_on_screen(shown)
    assert window is not None
    QTest.keyClick(window, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: reminder_on_screen(shown) is None, timeout=5000)
    assert feed.check_reminders(clock + timedelta(seconds=30)) == []  # not yet
    (again,) = feed.check_reminders(clock + timedelta(seconds=61))
    assert again.subject == "Review"
    assert feed.check_reminders(clock + timedelta(seconds=62)) == []  # once
    window = reminder_on_screen(shown)
    assert window is not None
    QTest.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: reminder_on_screen(shown) is None, timeout=5000)


def test_tab_reaches_every_button(qtbot: QtBot) -> None:
    sent: list[i.Intent] = []
    start = now() + timedelta(minutes=1)
    item = Upcoming("Sync", start, start + timedelta(minutes=30), None, "a@b.example", "Aiko",
                    web_link="https://outlook.office365.com/owa/?itemid=x")  # fmt: skip
    window = ReminderWindow(item, sent.append, now())
    qtbot.addWidget(window)
    window.present()
    qtbot.waitExposed(window)
    assert window.join_button.text() == "Open in &Outlook"  # no Teams link
    focus = [window.focusWidget()]
    for _ in range(2):
        QTest.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
        focus.append(window.focusWidget())
    assert focus == [window.join_button, window.snooze_button, window.dismiss_button]
    QTest.keyClick(window.join_button, Qt.Key.Key_Return)
    assert sent == [i.OpenInOutlook(dataclasses.replace(item))]
