"""Upcoming meetings in the tray with two accounts: each signed-in account's calendar
read with its own sign-in (the fake's two tenants), one list in time order, each
meeting naming its account; an account signed out takes its meetings with it."""

from __future__ import annotations

import dataclasses
import functools
from datetime import timedelta

from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from meettray.accounts import CALENDAR_SCOPES, MEETINGS
from meettray.config import Config
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.ui.app_model.intents import SignIn, SignOut
from meettray.ui.app_model.model import AppModel
from meettray.ui.views.tray import Tray

from .accounts import two_profiles
from .conftest import calendar_on, now, refreshed, sign_in


def texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_both_calendars_in_one_list_each_meeting_naming_its_account(
    make_model: functools.partial[AppModel], config: Config, fake: FakeMicrosoft365,
    qtbot: QtBot,
) -> None:  # fmt: skip
    alex = fake.tenant("fabrikam").person
    assert alex is not None
    start = now()
    fake.calendar.add(fake.signed_in_user, "Contoso stand-up", start + timedelta(minutes=30))
    fake.calendar.add(alex, "Fabrikam review", start + timedelta(minutes=60))
    fake.calendar.add(fake.signed_in_user, "Contoso planning", start + timedelta(minutes=90))
    model = make_model(config=calendar_on(two_profiles(config, fake)))
    model.start()
    qtbot.waitUntil(lambda: model.accounts.people.keys() == {"main", "fabrikam"}, timeout=15_000)
    calendar = SignIn(scopes=(MEETINGS, *CALENDAR_SCOPES))
    sign_in(model, qtbot, calendar)
    sign_in(model, qtbot, dataclasses.replace(calendar, account="fabrikam"))
    refreshed(model, qtbot)
    qtbot.waitUntil(lambda: len(model.state.upcoming.items) == 3, timeout=15_000)
    items = model.state.upcoming.items
    assert [(m.subject, m.profile) for m in items] == [
        ("Contoso stand-up", "main"), ("Fabrikam review", "fabrikam"),
        ("Contoso planning", "main"),
    ]  # fmt: skip
    assert items[1].account == alex.upn  # read with Alex's own token, from his calendar
    assert not model.state.upcoming.stale_because
    tray = Tray(model)
    tray.menu.aboutToShow.emit()
    shown = texts(tray.menu)
    assert shown[0].startswith("Contoso stand-up · ")
    assert shown[0].endswith(" · Contoso")
    assert shown[1].startswith("Fabrikam review · ")
    assert shown[1].endswith(" · Fabrikam")

    model.dispatch(SignOut(account="fabrikam"))
    qtbot.waitUntil(
        lambda: (
            [m.subject for m in model.state.upcoming.items]
            == ["Contoso stand-up", "Contoso planning"]
        ),
        timeout=15_000,
    )
