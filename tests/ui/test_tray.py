"""The tray menu and icon reflect the model's state and emit intents."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.meetings import Meeting
from meettray.ui.app_model.intents import MeetNow
from meettray.ui.app_model.model import AppModel
from meettray.ui.app_model.notices import Level, Notice
from meettray.ui.views.banner import Banner
from meettray.ui.views.tray import Tray, menu_label

from .conftest import Clock, RecordingClipboard, apply_settings


def texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_menu_has_every_action(model: AppModel) -> None:
    tray = Tray(model)
    tray.menu.aboutToShow.emit()
    assert texts(tray.menu) == [
        "&Meet now",
        "Meet now &as",
        "&Schedule…",
        "&Recent",
        "&History…",
        "&Join the meeting on the clipboard",
        "Signed in as adele@contoso.example",
        "Sign &out",
        "S&ettings…",
        "&Quit",
    ]


def test_meet_now_as_lists_the_presets_and_makes_the_one_chosen(
    model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    tray = Tray(model)
    tray.menu.aboutToShow.emit()
    (presets,) = [a.menu() for a in tray.menu.actions() if a.text() == "Meet now &as"]
    assert isinstance(presets, QMenu)
    assert texts(presets) == ["Quick meeting (default)", "Incident bridge", "Customer call"]
    customer = presets.actions()[2]
    assert customer.toolTip() == (
        "60 min · lobby: organization · presenters: organizer · Meeting chat: limited · "
        "Who can admit from the lobby: organizerAndCoOrganizers"
    )

    with qtbot.waitSignal(model.meetings.delivered, timeout=10_000) as made:
        customer.trigger()

    meeting = made.args[1].meeting
    assert meeting.subject == "Customer call"
    stored = fake.meetings[meeting.id]
    assert stored["allowedPresenters"] == "organizer"
    assert stored["allowMeetingChat"] == "limited"


def test_click_creates_a_meeting_and_recent_copies_again(
    model: AppModel, clipboard: RecordingClipboard, qtbot: QtBot
) -> None:
    tray = Tray(model)
    with qtbot.waitSignal(model.meetings.delivered, timeout=10_000) as created:
        tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    meeting = created.args[1].meeting
    qtbot.waitUntil(lambda: bool(model.state.recent), timeout=5000)

    tray.menu.aboutToShow.emit()
    recent = next(a for a in tray.menu.actions() if a.text() == "&Recent").menu()
    assert isinstance(recent, QMenu)
    assert recent.isEnabled()
    (entry,) = recent.actions()
    assert entry.text() == menu_label(meeting)
    clipboard.copies.clear()
    submenu = entry.menu()
    assert isinstance(submenu, QMenu)
    copy = submenu.actions()[0]
    assert copy.text() == "&Copy link"
    copy.trigger()
    assert clipboard.text == meeting.join_url


def test_click_opens_the_menu_when_so_configured(model: AppModel, qtbot: QtBot) -> None:
    apply_settings(model, qtbot, dataclasses.replace(
        model.config, ui=dataclasses.replace(model.config.ui, click_action="menu")
    ))  # fmt: skip
    tray = Tray(model)
    tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    assert not model.state.creating
    assert tray.menu.isVisible()
    tray.menu.hide()


def test_tooltip_shows_busy_and_error(
    model: AppModel, fake: FakeMicrosoft365, clock: Clock, qtbot: QtBot
) -> None:
    tray = Tray(model)
    assert "Click for a new meeting link — adele@contoso.example" in tray.icon.toolTip()
    assert "\n" not in tray.icon.toolTip()  # an SNI title is one line
    fake.latency = 0.5
    with qtbot.waitSignal(model.meetings.delivered, timeout=10_000):
        model.dispatch(MeetNow())
        assert "Creating a meeting…" in tray.icon.toolTip()
    fake.signed_in_user.guest = True
    clock.now += 10
    op = model.dispatch(MeetNow())
    assert op is not None
    with qtbot.waitSignal(op.settled, timeout=10_000):
        pass
    assert op.error is not None
    assert "Last attempt failed: You are not allowed" in tray.icon.toolTip()
    tray.menu.aboutToShow.emit()
    assert "Last error: &details…" in texts(tray.menu)


def test_demo_is_marked(model: AppModel) -> None:
    tray = Tray(model)
    tray.render(dataclasses.replace(model.state, demo=True))  # the view renders a state
    assert tray.icon.toolTip().startswith("meettray (demo)")
    tray.menu.aboutToShow.emit()
    assert texts(tray.menu)[0] == "meettray demo — links are not real"


def test_menu_label_escapes_ampersands(model: AppModel) -> None:
    from meettray.graph.wire import meeting_from_graph
    from meettray.results import utc_now

    meeting = meeting_from_graph(
        {"id": "m", "joinWebUrl": "https://teams.microsoft.com/l/x", "subject": "R&D " + "x" * 60},
        status=200,
        account="",
        created_at=utc_now(),
    )
    label = menu_label(meeting)
    assert label.startswith("R&&D ")
    assert "…" in label


def _meeting(n: int) -> Meeting:
    from meettray.graph.wire import meeting_from_graph
    from meettray.results import utc_now

    return meeting_from_graph(
        {"id": f"m{n}", "joinWebUrl": f"https://teams.microsoft.com/l/{n}", "subject": f"Sync {n}"},
        status=200,
        account="",
        created_at=utc_now(),
    )


def banner_of(tray: Tray) -> Banner | None:
    return tray.banner


def test_messages_reuse_one_banner_and_its_click_opens_the_latest_meeting(
    model: AppModel, opened: list[str], qtbot: QtBot
) -> None:
    tray = Tray(model)
    assert banner_of(tray) is None  # nothing made before the first message
    model.notify.emit(Notice("Link copied", "first", Level.SUCCESS, meeting=_meeting(1)))
    banner = banner_of(tray)
    assert isinstance(banner, Banner)
    qtbot.addWidget(banner)
    model.notify.emit(
        Notice("Link copied", "second & <b>plain</b>", Level.SUCCESS, meeting=_meeting(2))
    )
    assert tray.banner is banner  # one window, reused
    assert banner.isVisible()
    assert (banner.title.text(), banner.text.text()) == ("Link copied", "second & <b>plain</b>")
    assert banner.text.textFormat() == Qt.TextFormat.PlainText

    QTest.mouseClick(banner, Qt.MouseButton.LeftButton)

    assert opened == ["https://teams.microsoft.com/l/2"]
    assert not banner.isVisible()


def test_a_failure_banner_offers_the_error_details(model: AppModel, qtbot: QtBot) -> None:
    from meettray.errors import GraphError

    tray = Tray(model)
    error = GraphError("Microsoft Graph refused.", status=403)
    model.notify.emit(Notice("No meeting was created", error.message, Level.ERROR, error=error))
    assert tray.banner is not None
    qtbot.addWidget(tray.banner)
    with qtbot.waitSignal(tray.error_details_requested) as details:
        QTest.mouseClick(tray.banner, Qt.MouseButton.LeftButton)
    assert details.args == [error]  # this notice's error, not whatever failed last


def test_banner_sits_beside_the_icon_inside_the_screen(qtbot: QtBot) -> None:
    banner = Banner()
    qtbot.addWidget(banner)
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    area = screen.availableGeometry()
    top_right_icon = QRect(area.right() - 30, area.top(), 24, 24)
    banner.show_message("Link copied", "https://teams.microsoft.com/l/1", near=top_right_icon)
    frame = banner.geometry()
    assert frame.top() > top_right_icon.bottom()  # below a top panel's icon
    assert area.contains(frame)
    bottom_left_icon = QRect(area.left(), area.bottom() - 24, 24, 24)
    banner.show_message("Link copied", "again", near=bottom_left_icon)
    assert banner.geometry().bottom() < bottom_left_icon.top()  # above a bottom panel's icon
    assert area.contains(banner.geometry())
    banner.show_message("Link copied", "no icon position", near=QRect())
    assert area.contains(banner.geometry())
    assert banner.geometry().right() > area.center().x()  # the top right corner


def test_messages_disappear_on_their_own(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from meettray.ui.views import banner as module

    monkeypatch.setattr(module, "TIMEOUT_MS", 50)
    banner = Banner()
    qtbot.addWidget(banner)
    banner.show_message("Link copied", "soon gone")
    assert banner.isVisible()
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=2000)


def test_recent_entries_can_be_told_apart(model: AppModel) -> None:
    """Was: two meetings with one subject made in one minute had the same entry."""
    from meettray.graph.wire import meeting_from_graph
    from meettray.results import utc_now

    now = utc_now()

    def made(n: int) -> Meeting:
        body = {
            "id": f"m{n}",
            "joinWebUrl": "https://teams.microsoft.com/l/x",
            "subject": "Sync",
            "joinMeetingIdSettings": {"joinMeetingId": f"12345678{n}012"},
        }
        return meeting_from_graph(body, status=200, account="", created_at=now)

    first, second = menu_label(made(1)), menu_label(made(2))
    assert first != second
    assert first.endswith("ID …1012")


def test_a_long_title_ends_in_an_ellipsis(qtbot: QtBot) -> None:
    banner = Banner()
    qtbot.addWidget(banner)
    title = "Link copied — " + "Quarterly planning with the whole organisation " * 3
    banner.show_message(title, "https://teams.microsoft.com/l/1")
    assert banner.title.text().endswith("…")
    assert banner.title.text() != title
    assert "Quarterly planning" in banner.title.toolTip()  # the whole of it, on hover


def test_a_state_change_while_the_menu_is_open_updates_it_in_place(
    model: AppModel, qtbot: QtBot
) -> None:
    """Was: the open menu was cleared and built again; on X11 it then closed (seen when the
    account arrived at start-up, while the person had it open)."""
    from PySide6.QtCore import QPoint

    tray = Tray(model)
    tray.menu.popup(QPoint(100, 100))
    qtbot.waitExposed(tray.menu)
    before = tray.menu.actions()

    op = model.dispatch(MeetNow())  # busy: Meet now and its presets are off meanwhile
    assert op is not None
    assert tray.menu.actions() == before  # the same actions, not new ones
    assert [a.text() for a in before][:2] == ["Creating a meeting…", "Meet now &as"]
    assert not before[0].isEnabled()
    assert not before[1].isEnabled()
    with qtbot.waitSignal(op.settled, timeout=10_000):
        pass
    assert before[0].text() == "&Meet now"
    assert before[0].isEnabled()
    tray.menu.hide()
