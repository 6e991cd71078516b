"""The app wiring: the no-tray fallback window, local-socket requests."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QPushButton
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.ui.app_model.intents import MeetNow
from meettray.ui.app_model.model import AppModel
from meettray.ui.app_model.notices import Level, Notice
from meettray.ui.views.app import TrayApp
from meettray.ui.views.tray import menu_label

from .conftest import Clock


@pytest.mark.logs("no system tray available")
def test_without_a_tray_a_window_offers_the_same_actions(
    model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    app = TrayApp(model, tray_grace_ms=0)  # the offscreen platform has no tray
    qtbot.waitUntil(lambda: app.window is not None and app.window.isVisible(), timeout=5000)
    assert app.window is not None
    buttons = [b.text() for b in app.window.findChildren(QPushButton)]
    assert buttons == ["&Meet now", "Meet now &as", "&Schedule…", "&Recent", "&History…",
                       "&Join the meeting on the clipboard", "S&ettings…", "Sign &in…",
                       "Sign &out", "Acco&unts", "&Last error: details…", "&Quit"]  # fmt: skip
    notes = [label.text() for label in app.window.findChildren(QLabel)]
    assert any("No system tray was found" in text for text in notes)
    window = app.window
    assert not window.recent.isEnabled()  # nothing made yet
    width = window.width()
    with qtbot.waitSignal(model.meetings.delivered, timeout=10_000) as created:
        window.meet_now_requested.emit()
    qtbot.waitUntil(lambda: "Link copied" in window.status.text(), timeout=5000)
    assert "teams.microsoft.com" in window.status.text()  # a short form of the link

    # Recent, as the tray's menu shows it.
    qtbot.waitUntil(lambda: len(window.recent.actions()) == 1, timeout=5000)
    entry = window.recent.actions()[0]
    assert entry.text() == menu_label(created.args[1].meeting)
    submenu = entry.menu()
    assert isinstance(submenu, QMenu)
    assert [a.text() for a in submenu.actions()] == [
        "&Copy link", "Copy link and &details", "&Open in Teams",
    ]  # fmt: skip

    # A long notice, a link with nowhere to wrap among it: shown whole, the window as wide.
    model.notify.emit(Notice("Long", "word " * 60 + "https://x.example/" + "y" * 300,
                                  Level.INFO))  # fmt: skip
    QApplication.sendPostedEvents()
    QApplication.processEvents()
    label = window.status
    assert window.width() == width
    needed = label.heightForWidth(label.width())  # -1 for a label that cannot wrap
    assert needed > 3 * label.fontMetrics().height()  # it wraps: many lines
    assert label.height() >= needed  # and the window grew to show them all
    assert label.text().replace("\u200b", "").endswith("y" * 300)  # the text is all there


def test_on_gnome_the_window_says_how_to_get_a_tray(qtbot: QtBot) -> None:
    from meettray.ui.views.dialogs import GNOME_TRAY, FallbackWindow

    gnome = FallbackWindow(gnome=True)
    other = FallbackWindow(gnome=False)
    qtbot.addWidget(gnome)
    qtbot.addWidget(other)
    assert any(GNOME_TRAY in label.text() for label in gnome.findChildren(QLabel))
    assert not any(GNOME_TRAY in label.text() for label in other.findChildren(QLabel))


@pytest.mark.logs("no system tray available")
def test_the_window_comes_within_a_second_of_finding_no_tray(model: AppModel, qtbot: QtBot) -> None:
    app = TrayApp(model)  # the default grace; the offscreen platform has no tray
    assert app.window is None  # a panel that starts after us still gets its chance
    qtbot.waitUntil(lambda: app.window is not None and app.window.isVisible(), timeout=1500)


@pytest.mark.logs("no system tray available")
def test_last_error_details_opens_a_window_that_says_what_went_wrong(
    model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    """Was: the details window was a local with no parent, freed before it ever showed;
    its test only saw a signal.  This one finds the window on screen and reads it."""
    from PySide6.QtWidgets import QPlainTextEdit

    from meettray.ui.views.dialogs import ErrorDialog

    app = TrayApp(model, tray_grace_ms=0)  # offscreen: no tray, the window at once
    fake.signed_in_user.guest = True
    job = model.dispatch(MeetNow())
    assert job is not None
    qtbot.waitUntil(lambda: job.is_settled, timeout=10_000)
    assert job.error is not None

    app.tray.menu.aboutToShow.emit()
    (details,) = [a for a in app.tray.menu.actions() if a.text() == "Last error: &details…"]
    details.trigger()
    import gc

    gc.collect()  # a window nobody holds would be freed here
    qtbot.wait(50)

    shown = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, ErrorDialog) and w.isVisible()]  # fmt: skip
    assert len(shown) == 1
    window = shown[0]
    qtbot.addWidget(window)
    texts = [label.text() for label in window.findChildren(QLabel)]
    assert job.error.message in texts
    (technical,) = window.findChildren(QPlainTextEdit)
    assert job.error.request_id in technical.toPlainText()  # for IT support
    window.close()
    qtbot.waitUntil(lambda: app.error_dialog is None, timeout=2000)


@pytest.mark.logs("no system tray available")
def test_the_window_without_a_tray_offers_presets_sign_out_and_the_last_error(
    model: AppModel, fake: FakeMicrosoft365, clock: Clock, qtbot: QtBot
) -> None:
    """Was: the no-tray window lacked Meet now as, Sign in/out and Last error."""
    from meettray.ui.views.dialogs import ErrorDialog

    app = TrayApp(model, tray_grace_ms=0)
    qtbot.waitUntil(lambda: app.window is not None and app.window.isVisible(), timeout=5000)
    window = app.window
    assert window is not None
    presets = [a.text() for a in window.presets.actions()]
    assert "Quick meeting (default)" in presets
    assert window.sign_out.isVisibleTo(window)  # signed in: Sign out is offered
    assert not window.error_details.isVisibleTo(window)  # nothing failed yet

    (customer,) = [a for a in window.presets.actions() if a.text().startswith("Customer")]
    customer.trigger()
    qtbot.waitUntil(lambda: bool(model.state.recent) and not model.state.creating, timeout=10_000)
    assert fake.meetings[model.state.recent[0].id]["subject"] == "Customer call"

    fake.signed_in_user.guest = True
    clock.now += 10  # past the double-click guard
    job = model.dispatch(MeetNow(source="window", subject="Refused"))
    assert job is not None
    qtbot.waitUntil(lambda: job.is_settled, timeout=10_000)
    assert window.error_details.isVisibleTo(window)
    window.error_details.click()
    shown = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, ErrorDialog) and w.isVisible()]  # fmt: skip
    assert len(shown) == 1
    qtbot.addWidget(shown[0])
    shown[0].close()


def test_the_broker_dialog_belongs_to_a_window_of_the_trays_own(qtbot: QtBot) -> None:
    """Issue 33: WAM was handed the console's handle, which a tray has not got.  On Windows
    the handle is the sign-in window's (its native id); elsewhere msal keeps its default."""
    from PySide6.QtWidgets import QDialog

    from meettray.ui.views.app import broker_parent

    window = QDialog()
    qtbot.addWidget(window)
    assert broker_parent(window, platform="linux") is None
    handle = broker_parent(window, platform="win32")
    assert handle == int(window.winId())
    assert handle != 0
