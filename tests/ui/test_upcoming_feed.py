"""Upcoming meetings in the app model, against the fake over HTTPS: the refresh through
the service's owner, the last good list kept, reminders once, and the join intents."""

from __future__ import annotations

import dataclasses
import functools
from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from meettray.config import CalendarConfig, Config
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.ui.app_model.intents import (
    CopyJoinLink,
    Join,
    OpenInOutlook,
    OpenMeeting,
    RefreshUpcoming,
)
from meettray.ui.app_model.model import AppModel
from meettray.ui.app_model.notices import Notice
from meettray.ui.app_model.service_owner import Priority
from meettray.ui.app_model.upcoming_feed import as_meeting
from meettray.upcoming import visible

from .conftest import RecordingClipboard, apply_settings, calendar_on, now, refreshed, sign_in


def test_the_list_reaches_the_state_and_a_late_link_comes_on_the_next_refresh(
    reading: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    start = now()
    fake.calendar.demo_day(fake.signed_in_user, start)
    refreshed(reading, qtbot)
    shown = visible(reading.state.upcoming.items, start)
    assert [m.subject for m in shown][:2] == ["Daily stand-up", "1:1 with Aiko"]
    planning = next(m for m in shown if m.subject == "Release planning")
    assert planning.join_url is None
    event = next(e for e in fake.calendar.events[fake.signed_in_user.oid]
                 if e.subject == "Release planning")  # fmt: skip
    fake.calendar.add_link(event)
    refreshed(reading, qtbot)
    again = next(m for m in reading.state.upcoming.items if m.subject == "Release planning")
    assert again.join_url == event.join_url


def test_a_failed_refresh_keeps_the_last_good_list(
    reading: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    fake.calendar.add(fake.signed_in_user, "Planning", now() + timedelta(minutes=20))
    refreshed(reading, qtbot)
    good = reading.state.upcoming.items
    assert [m.subject for m in good] == ["Planning"]
    fake.add_fault("status", path="/calendarView", status=503, retry_after="0", times=10)
    refreshed(reading, qtbot)
    assert reading.state.upcoming.items == good
    assert reading.state.upcoming.stale_because


def test_a_reminder_fires_once_and_joins(
    reading: AppModel, fake: FakeMicrosoft365, qtbot: QtBot, opened: list[str]
) -> None:
    start = now() + timedelta(minutes=30)
    event = fake.calendar.add(fake.signed_in_user, "Review", start)
    refreshed(reading, qtbot)
    notes: list[Notice] = []
    reading.notify.connect(notes.append)
    feed = reading.upcoming
    assert feed.check_reminders(start - timedelta(minutes=2)) == []
    (due,) = feed.check_reminders(start - timedelta(seconds=50))
    assert feed.check_reminders(start - timedelta(seconds=20)) == []  # never twice
    assert feed.check_reminders(start + timedelta(minutes=1)) == []  # nor late
    (note,) = notes
    assert note.title == "Review in 1 min"
    assert note.meeting is not None
    assert note.meeting.join_url == event.join_url
    reading.dispatch(Join(due))
    assert opened == [event.join_url]


def test_join_as_set_copy_and_outlook(
    reading: AppModel, fake: FakeMicrosoft365, qtbot: QtBot, opened: list[str],
    clipboard: RecordingClipboard,
) -> None:  # fmt: skip
    event = fake.calendar.add(fake.signed_in_user, "Review", now() + timedelta(minutes=30))
    apply_settings(reading, qtbot, calendar_on(reading.config, join="app"))
    refreshed(reading, qtbot)
    (item,) = reading.state.upcoming.items
    reading.dispatch(Join(item))
    reading.dispatch(OpenInOutlook(item))
    assert opened[0] == "msteams:/" + str(event.join_url).split("/", 3)[3]
    assert opened[1].startswith("https://outlook.office365.com/owa/?itemid=")
    reading.dispatch(CopyJoinLink(item))
    qtbot.waitUntil(lambda: clipboard.text == event.join_url, timeout=5000)
    # A reminder's click (it opens its meeting) joins the same way.
    reading.dispatch(OpenMeeting(as_meeting(item)))
    assert opened[2] == opened[0]


def test_off_by_default_and_no_prompt_without_consent(
    make_model: functools.partial[AppModel], config: Config, fake: FakeMicrosoft365,
    qtbot: QtBot,
) -> None:  # fmt: skip
    fake.calendar.add(fake.signed_in_user, "Review", now() + timedelta(minutes=30))
    model = make_model()
    with qtbot.waitSignal(model.state_changed, timeout=10_000):
        model.start()
    sign_in(model, qtbot)
    behind: list[object] = []  # a background command queued after any refresh would be
    model.owner.run(lambda _s: None, behind.append, behind.append, priority=Priority.BACKGROUND)
    qtbot.waitUntil(lambda: bool(behind), timeout=10_000)
    assert fake.requests_to("GET", "/calendarView") == []
    prompts: list[object] = []
    model.sign_in_started.connect(prompts.append)
    apply_settings(model, qtbot, calendar_on(model.config))
    qtbot.waitUntil(lambda: bool(model.state.upcoming.stale_because), timeout=15_000)
    assert "meettray login --calendar" in model.state.upcoming.stale_because
    assert prompts == []


def test_awake_after_a_sleep_or_offline_the_calendar_is_read_again_soon(
    reading: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    fake.calendar.add(fake.signed_in_user, "Planning", now() + timedelta(minutes=20))
    refreshed(reading, qtbot)
    feed = reading.upcoming
    t0 = now()
    feed.clock = lambda: t0

    def reads() -> int:
        return len(fake.requests_to("GET", "/calendarView"))

    feed.tick(t0)
    feed.tick(t0 + timedelta(seconds=20))
    before = reads()
    # The next look comes 10 minutes late: the computer slept.
    feed.tick(t0 + timedelta(minutes=10, seconds=20))
    qtbot.waitUntil(lambda: reads() == before + 1, timeout=10_000)
    qtbot.waitUntil(lambda: not feed.refreshing, timeout=10_000)

    fake.add_fault("drop_before", path="/calendarView", times=20)
    refreshed(reading, qtbot)
    assert reading.state.upcoming.stale_because
    fake.faults.clear()  # the network is back
    later = feed.last_try
    assert later is not None
    feed.tick(later + timedelta(seconds=20))  # too soon to try again
    feed.tick(later + timedelta(seconds=40))
    assert not feed.refreshing
    feed.tick(later + timedelta(seconds=61))
    qtbot.waitUntil(lambda: not reading.state.upcoming.stale_because, timeout=15_000)


def test_turned_off_meanwhile_a_late_answer_shows_nothing(
    reading: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    fake.calendar.add(fake.signed_in_user, "Planning", now() + timedelta(minutes=20))
    refreshed(reading, qtbot)
    fake.add_fault("delay", path="/calendarView", delay=0.5)
    reading.dispatch(RefreshUpcoming())
    assert reading.upcoming.refreshing
    off = dataclasses.replace(reading.config, calendar=CalendarConfig(upcoming=False))
    apply_settings(reading, qtbot, off)
    assert reading.state.upcoming.items == ()
    qtbot.waitUntil(lambda: not reading.upcoming.refreshing, timeout=10_000)
    assert reading.state.upcoming.items == ()


@pytest.mark.logs("no system tray available")
def test_a_join_next_link_joins_the_meeting_in_progress(
    reading: AppModel, fake: FakeMicrosoft365, qtbot: QtBot, opened: list[str]
) -> None:
    from meettray.ipc import Outcome, Request
    from meettray.ui.shell.ipc_handler import IpcHandler
    from meettray.ui.views.app import TrayApp

    fake.calendar.demo_day(fake.signed_in_user, now())
    refreshed(reading, qtbot)
    standup = next(e for e in fake.calendar.events[fake.signed_in_user.oid]
                   if e.subject == "Daily stand-up")  # fmt: skip
    app = TrayApp(reading, tray_grace_ms=0)
    qtbot.waitUntil(lambda: app.window is not None, timeout=5000)
    handler = IpcHandler(reading, app)
    answers: list[Outcome] = []
    handler.handle_request(Request("link", link="meettray://join/next"), answers.append)
    qtbot.waitUntil(lambda: bool(answers), timeout=10_000)
    assert answers[0].ok, answers[0].message
    assert opened == [standup.join_url]
