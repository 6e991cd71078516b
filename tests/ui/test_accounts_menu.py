"""Several accounts in the tray's menu and the no-tray window: whose meeting Meet now makes,
each preset's account, and the Accounts submenu (sign each profile in or out, the default
checked), every entry with a mnemonic of its own."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu, QPushButton
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.ui.app_model.intents import MeetNow, Origin, SignOut
from meettray.ui.app_model.model import AppModel
from meettray.ui.app_model.notices import Notice
from meettray.ui.views.app import TrayApp
from meettray.ui.views.tray import Tray

from .accounts import FABRIKAM_PERSON, organizer
from .conftest import meet_now


def texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def submenu(menu: QMenu, text: str) -> QMenu:
    (found,) = [a.menu() for a in menu.actions() if a.text() == text]
    assert isinstance(found, QMenu)
    return found


def assert_mnemonics_unique(entries: list[str]) -> None:
    """Each entry that can be chosen has a mnemonic, and no two the same."""
    keys = [m.group(1).lower() for text in entries if (m := re.search(r"&([^&])", text))]
    assert len(keys) == len(set(keys)), entries


def test_the_menu_says_whose_meeting_and_offers_the_accounts(
    two_accounts: AppModel, qtbot: QtBot
) -> None:
    tray = Tray(two_accounts)
    tray.menu.aboutToShow.emit()
    assert texts(tray.menu) == [
        "&Meet now (Contoso)",
        "Meet now &as",
        "&Schedule…",
        "&Recent",
        "&History…",
        "&Join the meeting on the clipboard",
        "Acco&unts",
        "S&ettings…",
        "&Quit",
    ]
    assert_mnemonics_unique(texts(tray.menu))
    # The customer call is Fabrikam's: said, since Fabrikam is not the default.
    presets = submenu(tray.menu, "Meet now &as")
    assert texts(presets) == ["Quick meeting (default)", "Customer call (Fabrikam)"]

    accounts = submenu(tray.menu, "Acco&unts")
    assert texts(accounts) == [
        "&1 Contoso: adele@contoso.example",
        f"&2 Fabrikam: {FABRIKAM_PERSON}",
        "&3 Sign out of Contoso",
        "&4 Sign out of Fabrikam",
    ]
    assert [a.isChecked() for a in accounts.actions() if a.isCheckable()] == [True, False]
    assert_mnemonics_unique(texts(accounts))


def test_the_accounts_submenu_sets_the_default_and_signs_out(
    two_accounts: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    model = two_accounts
    tray = Tray(model)
    tray.menu.aboutToShow.emit()
    accounts = submenu(tray.menu, "Acco&unts")
    fabrikam = accounts.actions()[1]
    fabrikam.trigger()  # Fabrikam is the default from now on
    qtbot.waitUntil(lambda: model.config.ui.default_account == "fabrikam", timeout=10_000)

    tray.menu.aboutToShow.emit()
    assert texts(tray.menu)[0] == "&Meet now (Fabrikam)"
    # The customer call is the default profile's now: no account to name.
    assert texts(submenu(tray.menu, "Meet now &as")) == [
        "Quick meeting (default)",
        "Customer call",
    ]
    accounts = submenu(tray.menu, "Acco&unts")
    assert [a.isChecked() for a in accounts.actions() if a.isCheckable()] == [False, True]
    with qtbot.waitSignal(model.meetings.delivered, timeout=10_000) as made:
        tray.menu.actions()[0].trigger()
    assert organizer(fake, made.args[1].meeting) == FABRIKAM_PERSON

    sign_out = next(a for a in accounts.actions() if a.text() == "&3 Sign out of Contoso")
    sign_out.trigger()
    qtbot.waitUntil(lambda: not model.state.accounts[0].signed_in, timeout=10_000)
    assert model.state.accounts[1].signed_in  # Fabrikam's person stays
    tray.menu.aboutToShow.emit()
    assert texts(submenu(tray.menu, "Acco&unts")) == [
        "&1 Contoso: not signed in",
        f"&2 Fabrikam: {FABRIKAM_PERSON}",
        "&3 Sign in to Contoso…",
        "&4 Sign out of Fabrikam",
    ]


def test_sign_in_to_from_the_submenu_signs_that_profile_in(
    two_accounts: AppModel, qtbot: QtBot
) -> None:
    model = two_accounts
    app = TrayApp(model)
    out = model.dispatch(SignOut(account="fabrikam"))
    assert out is not None
    qtbot.waitUntil(lambda: out.is_settled, timeout=10_000)
    app.tray.menu.aboutToShow.emit()
    accounts = submenu(app.tray.menu, "Acco&unts")
    sign_in = next(a for a in accounts.actions() if a.text() == "&4 Sign in to Fabrikam…")
    sign_in.trigger()
    qtbot.waitUntil(lambda: model.state.accounts[1].signed_in, timeout=20_000)
    assert model.state.accounts[1].username == FABRIKAM_PERSON
    assert model.state.accounts[0].signed_in
    app.close()


@pytest.mark.logs("no system tray available")
def test_the_window_without_a_tray_offers_the_same(two_accounts: AppModel, qtbot: QtBot) -> None:
    app = TrayApp(two_accounts, tray_grace_ms=0)  # the offscreen platform has no tray
    qtbot.waitUntil(lambda: app.window is not None and app.window.isVisible(), timeout=5000)
    window = app.window
    assert window is not None
    shown = [b.text() for b in window.findChildren(QPushButton) if b.isVisibleTo(window)]
    assert shown == ["&Meet now (Contoso)", "Meet now &as", "&Schedule…", "&Recent",
                     "&History…", "&Join the meeting on the clipboard", "S&ettings…",
                     "Acco&unts", "&Quit"]  # fmt: skip
    assert_mnemonics_unique(shown)
    assert texts(window.presets) == ["Quick meeting (default)", "Customer call (Fabrikam)"]
    assert texts(window.accounts)[:2] == [
        "&1 Contoso: adele@contoso.example",
        f"&2 Fabrikam: {FABRIKAM_PERSON}",
    ]
    window.accounts.actions()[1].trigger()
    qtbot.waitUntil(lambda: window.meet_now.text() == "&Meet now (Fabrikam)", timeout=10_000)
    app.close()


def test_notices_and_history_name_the_account(
    two_accounts: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    model = two_accounts
    notices: list[Notice] = []
    model.notify.connect(notices.append)
    meet_now(model, qtbot, MeetNow(account="fabrikam", subject="Escalation", source="menu"))
    assert [n.title for n in notices] == ["Link copied (Fabrikam) — Escalation"]
    meet_now(model, qtbot, MeetNow(account="main", subject="Standup", origin=Origin.COMMAND))
    assert notices[-1].title == "Link copied (Contoso) — Standup"

    app = TrayApp(model)
    app.show_history()
    window = app.history_window
    assert window is not None
    table = window.model
    qtbot.waitUntil(lambda: table.rowCount() == 2, timeout=10_000)
    headers = [table.headerData(c, Qt.Orientation.Horizontal) for c in range(table.columnCount())]
    assert headers == ["Subject", "Start", "Created", "Link", "Account"]
    rows = {table.index(r, 0).data(): table.index(r, 4).data() for r in range(2)}
    assert rows == {"Escalation": "Fabrikam", "Standup": "Contoso"}
    window.close()
    app.close()


def test_with_one_account_nothing_names_it(model: AppModel, qtbot: QtBot) -> None:
    notices: list[Notice] = []
    model.notify.connect(notices.append)
    meet_now(model, qtbot, MeetNow(subject="Standup", source="menu"))
    assert [n.title for n in notices] == ["Link copied — Standup"]
    app = TrayApp(model)
    app.show_history()
    assert app.history_window is not None
    assert app.history_window.model.columnCount() == 4  # no Account column
    app.tray.menu.aboutToShow.emit()
    assert texts(app.tray.menu)[0] == "&Meet now"
    assert "Acco&unts" not in texts(app.tray.menu)
    app.history_window.close()
    app.close()
