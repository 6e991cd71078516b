"""The tray menu and icon reflect the controller's state and emit intents."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import QMenu, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.ui.controller import AppController
from meettray.ui.tray import Tray, menu_label

from .conftest import RecordingClipboard


def texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_menu_has_every_action(controller: AppController) -> None:
    tray = Tray(controller)
    tray.menu.aboutToShow.emit()
    assert texts(tray.menu) == [
        "Meet now",
        "Schedule…",
        "Recent",
        "History…",
        "Signed in as adele@contoso.example",
        "Sign out",
        "Settings…",
        "Quit",
    ]


def test_click_creates_a_meeting_and_recent_copies_again(
    controller: AppController, clipboard: RecordingClipboard, qtbot: QtBot
) -> None:
    tray = Tray(controller)
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000) as created:
        tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    meeting = created.args[1]
    qtbot.waitUntil(lambda: bool(controller.recent), timeout=5000)

    tray.menu.aboutToShow.emit()
    recent = next(a for a in tray.menu.actions() if a.text() == "Recent").menu()
    assert isinstance(recent, QMenu)
    assert recent.isEnabled()
    (entry,) = recent.actions()
    assert entry.text() == menu_label(meeting)
    clipboard.copies.clear()
    submenu = entry.menu()
    assert isinstance(submenu, QMenu)
    copy = submenu.actions()[0]
    assert copy.text() == "Copy link"
    copy.trigger()
    assert clipboard.text == meeting.join_url


def test_click_opens_the_menu_when_so_configured(controller: AppController) -> None:
    controller.config = dataclasses.replace(
        controller.config, ui=dataclasses.replace(controller.config.ui, click_action="menu")
    )
    tray = Tray(controller)
    tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    assert not controller.meet_now_running
    assert tray.menu.isVisible()
    tray.menu.hide()


def test_tooltip_shows_busy_and_error(
    controller: AppController, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    tray = Tray(controller)
    assert "Click for a new meeting link — adele@contoso.example" in tray.icon.toolTip()
    assert "\n" not in tray.icon.toolTip()  # an SNI title is one line
    fake.latency = 0.5
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000):
        controller.meet_now()
        assert "Creating a meeting…" in tray.icon.toolTip()
    fake.signed_in_user.guest = True
    controller._last_trigger = -10
    with qtbot.waitSignal(controller.failed, timeout=10_000):
        controller.meet_now()
    assert "Last attempt failed: You are not allowed" in tray.icon.toolTip()
    tray.menu.aboutToShow.emit()
    assert "Last error: details…" in texts(tray.menu)


def test_demo_is_marked(controller: AppController) -> None:
    controller.demo = object()  # type: ignore[assignment]
    tray = Tray(controller)
    assert tray.icon.toolTip().startswith("meettray (demo)")
    tray.menu.aboutToShow.emit()
    assert texts(tray.menu)[0] == "meettray demo — links are not real"
    controller.demo = None


def test_menu_label_escapes_ampersands(controller: AppController) -> None:
    from meettray.meetings import meeting_from_graph
    from meettray.service import utc_now

    meeting = meeting_from_graph(
        {"id": "m", "joinWebUrl": "https://x", "subject": "R&D " + "x" * 60},
        status=200,
        account="",
        created_at=utc_now(),
    )
    label = menu_label(meeting)
    assert label.startswith("R&&D ")
    assert "…" in label
