"""The tray's upcoming meetings, read from a real menu: today's next ones at the top, a
click joins, a submenu copies the link or opens Outlook, the tooltip names the next."""

from __future__ import annotations

import functools
from datetime import timedelta

from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.ui.app_model.model import AppModel
from meettray.ui.views.tray import Tray

from .conftest import RecordingClipboard, apply_settings, calendar_on, now, refreshed, sign_in


def texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_todays_meetings_top_the_menu_and_a_click_joins(
    reading: AppModel, fake: FakeMicrosoft365, qtbot: QtBot, opened: list[str],
    clipboard: RecordingClipboard,
) -> None:  # fmt: skip
    start = now()
    fake.calendar.demo_day(fake.signed_in_user, start)
    fake.calendar.add(fake.signed_in_user, "R&D sync", start + timedelta(days=1))  # tomorrow
    refreshed(reading, qtbot)
    tray = Tray(reading)
    tray.menu.aboutToShow.emit()
    shown = texts(tray.menu)
    assert (
        shown[0] == f"Daily stand-up · {(start - timedelta(minutes=10)).astimezone():%H:%M} · now"
    )
    assert shown[1].startswith("1:1 with Aiko · ")
    # Starts about 4 minutes after ``start``: "in 4 min", or 3 on a machine slow enough
    # that a minute passed since (the label is read at the menu's opening, not at start).
    assert shown[1].endswith((" · in 4 min", " · in 3 min")), shown[1]
    assert not any("R&&D" in t for t in shown)
    assert not any(t.startswith(("Team lunch", "Budget sync", "Company offsite")) for t in shown)
    assert any(t.startswith("Customer call (Zoom)") and t.endswith("no Teams link") for t in shown)
    assert shown[shown.index("Meeting links") + 1] == "&Meet now"
    began = f"{(start - timedelta(minutes=10)).astimezone():%H:%M}"
    # First in the tooltip (a StatusNotifierItem host's title), the start named.
    assert tray.icon.toolTip().startswith(f"meettray: next: Daily stand-up at {began} (now) — ")

    standup = next(e for e in fake.calendar.events[fake.signed_in_user.oid]
                   if e.subject == "Daily stand-up")  # fmt: skip
    tray.menu.actions()[0].trigger()
    assert opened == [standup.join_url]

    (links,) = [a.menu() for a in tray.menu.actions() if a.text() == "Meeting links"]
    assert isinstance(links, QMenu)
    first = links.actions()[0].menu()
    assert isinstance(first, QMenu)
    assert texts(first) == ["Copy link", "Open in Outlook"]
    first.actions()[0].trigger()
    qtbot.waitUntil(lambda: clipboard.text == standup.join_url, timeout=5000)
    first.actions()[1].trigger()
    assert opened[-1].startswith("https://outlook.office365.com/owa/?itemid=")


def test_nothing_of_it_while_the_feature_is_off(model: AppModel) -> None:
    tray = Tray(model)
    tray.menu.aboutToShow.emit()
    assert texts(tray.menu)[0] == "&Meet now"
    assert "next:" not in tray.icon.toolTip()


def test_without_calendar_consent_the_menu_offers_to_grant_it(
    make_model: functools.partial[AppModel], fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    fake.calendar.add(fake.signed_in_user, "Review", now() + timedelta(minutes=30))
    model = make_model()
    with qtbot.waitSignal(model.state_changed, timeout=10_000):
        model.start()
    sign_in(model, qtbot)  # the meetings permission only
    apply_settings(model, qtbot, calendar_on(model.config))
    qtbot.waitUntil(lambda: bool(model.state.upcoming.stale_because), timeout=15_000)
    tray = Tray(model)
    tray.menu.aboutToShow.emit()
    grant = tray.menu.actions()[0]
    assert grant.text() == "Grant calendar permission…"
    with qtbot.waitSignal(model.sign_in_started, timeout=10_000) as started:
        grant.trigger()
    job = started.args[0]
    qtbot.waitUntil(lambda: job.is_settled, timeout=20_000)
    asked = fake.requests_to("GET", "/authorize")[-1]
    assert "Calendars.ReadBasic" in asked.query["scope"][0]
    qtbot.waitUntil(lambda: not model.state.upcoming.stale_because, timeout=15_000)
    assert [m.subject for m in model.state.upcoming.items] == ["Review"]
