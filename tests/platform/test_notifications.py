"""The tray's notifications over a real D-Bus, to a notification server written here.

The server plays Plasma's or GNOME's: it records every Notify, answers with
an id, and invokes the ``default`` action as a click on the notification does.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.meetings import Meeting
from meettray.ui.app_model.intents import CopyLast, MeetNow
from meettray.ui.app_model.model import AppModel
from meettray.ui.views.tray import Tray

pytest.importorskip("jeepney", reason="needs jeepney and a D-Bus session bus (Linux)")
pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="needs a D-Bus session bus (Linux)"
)

from ..dbus_service import FakeDBusService  # noqa: E402 - after the skip: jeepney is Linux-only
from ..ui.conftest import RecordingClipboard  # noqa: E402


class FakeNotificationServer(FakeDBusService):
    def __init__(self, address: str, capabilities: tuple[str, ...] = ("body", "actions")) -> None:
        from meettray.platform.notifications import SERVICE

        self.capabilities = list(capabilities)
        self.notified: list[tuple[Any, ...]] = []
        self._next_id = 0
        super().__init__(address, SERVICE)

    def handle(self, member: str, interface: str, message: Any) -> None:
        from jeepney import new_method_return

        if member == "GetServerInformation":
            answer = ("fake", "meettray tests", "1.0", "1.2")
            self.send(new_method_return(message, "ssss", answer))
        elif member == "GetCapabilities":
            self.send(new_method_return(message, "as", (self.capabilities,)))
        elif member == "Notify":
            replaces = int(message.body[1])
            self.notified.append(message.body)
            if not replaces:
                self._next_id += 1
            self.send(new_method_return(message, "u", (replaces or self._next_id,)))

    def click(self, notification: int, action: str = "default") -> None:
        from jeepney import DBusAddress, new_signal

        from meettray.platform.notifications import INTERFACE, PATH

        signal = new_signal(DBusAddress(PATH, interface=INTERFACE), "ActionInvoked", "us",
                            (notification, action))  # fmt: skip
        self.send(signal)


class SilentNotificationServer(FakeNotificationServer):
    """KDE's or sway's bus with a notification service that takes Notify and never answers."""

    def handle(self, member: str, interface: str, message: Any) -> None:
        if member == "Notify":
            self.notified.append(message.body)
            return
        super().handle(member, interface, message)


@pytest.fixture
def server() -> Iterator[tuple[str, FakeNotificationServer]]:
    from ..dbus_service import private_bus

    with private_bus() as address:
        fake_server = FakeNotificationServer(address)
        yield address, fake_server
        fake_server.connection.close()


def test_a_click_on_the_notification_opens_the_meeting(
    server: tuple[str, FakeNotificationServer],
    model: AppModel,
    opened: list[str],
    qtbot: QtBot,
) -> None:
    from meettray.platform.notifications import DBusNotifier, connect_notifier
    from meettray.ui.app_model.tasks import TaskRunner

    address, fake_server = server
    connection = connect_notifier(address)
    assert connection is not None
    notifier = DBusNotifier(connection, TaskRunner(), "/icons/meettray-64.png")
    tray = Tray(model)
    tray.use_notifier(notifier)
    try:
        with qtbot.waitSignal(model.meetings.delivered, timeout=10_000) as created:
            model.dispatch(MeetNow())
        meeting: Meeting = created.args[1].meeting
        qtbot.waitUntil(lambda: len(fake_server.notified) == 1, timeout=5000)
        app, replaces, icon, title, _body, actions, hints, _timeout = fake_server.notified[0]
        assert (app, replaces, icon) == ("meettray", 0, "/icons/meettray-64.png")
        assert title.startswith("Link copied")
        assert actions == ["default", "Open"]  # a click on it means "open"
        assert hints["desktop-entry"] == ("s", "meettray")
        # The server's answer (the id) reaches the notifier a moment after the server got
        # the call; a person's click comes later than that.
        qtbot.waitUntil(lambda: notifier.shown == 1, timeout=5000)

        fake_server.click(1)
        qtbot.waitUntil(lambda: opened == [meeting.join_url], timeout=5000)

        model.dispatch(CopyLast())  # the next notification replaces this one
        qtbot.waitUntil(lambda: len(fake_server.notified) == 2, timeout=5000)
        assert fake_server.notified[1][1] == 1
        fake_server.click(1, action="other")  # not the default action: nothing opens
        fake_server.click(1)  # signals arrive in order: had "other" opened, it would show first
        qtbot.waitUntil(lambda: len(opened) == 2, timeout=5000)
        assert opened == [meeting.join_url, meeting.join_url]
    finally:
        notifier.close()


def test_a_reminder_has_join_and_copy_link_buttons_that_work(
    server: tuple[str, FakeNotificationServer],
    reading: AppModel,
    fake: FakeMicrosoft365,
    opened: list[str],
    clipboard: RecordingClipboard,
    qtbot: QtBot,
) -> None:
    from meettray.platform.notifications import DBusNotifier, connect_notifier
    from meettray.ui.app_model.tasks import TaskRunner

    from ..ui.conftest import now, refreshed

    address, fake_server = server
    start = now() + timedelta(minutes=30)
    event = fake.calendar.add(fake.signed_in_user, "Review", start)
    refreshed(reading, qtbot)
    connection = connect_notifier(address)
    assert connection is not None
    notifier = DBusNotifier(connection, TaskRunner())
    tray = Tray(reading)
    tray.use_notifier(notifier)
    try:
        assert len(reading.upcoming.check_reminders(start - timedelta(seconds=50))) == 1
        qtbot.waitUntil(lambda: len(fake_server.notified) == 1, timeout=5000)
        _app, _replaces, _icon, title, _body, actions, _hints, _timeout = fake_server.notified[0]
        assert title == "Review in 1 min"
        assert actions == ["default", "Open", "join", "Join", "copy", "Copy link"]
        qtbot.waitUntil(lambda: notifier.shown == 1, timeout=5000)

        fake_server.click(1, action="copy")
        fake_server.click(1, action="join")
        qtbot.waitUntil(lambda: opened == [event.join_url], timeout=5000)
        assert clipboard.text == event.join_url  # the copy came first: signals keep order
        assert reading.upcoming.check_reminders(start - timedelta(seconds=30)) == []  # once
    finally:
        notifier.close()


def test_one_notification_at_a_time_and_only_the_newest_waiting_one(
    server: tuple[str, FakeNotificationServer], qtbot: QtBot
) -> None:
    """Each Notify is a D-Bus round trip off the GUI thread: a burst sends the first and
    the last, in order, and the GUI thread never waits for either."""
    from meettray.platform.notifications import DBusNotifier, connect_notifier
    from meettray.ui.app_model.tasks import TaskRunner

    address, fake_server = server
    connection = connect_notifier(address)
    assert connection is not None
    runner = TaskRunner()
    notifier = DBusNotifier(connection, runner)
    refused: list[str] = []
    try:
        for n in range(3):
            notifier.notify(f"title {n}", "text", refused=functools.partial(refused.append, str(n)))
        qtbot.waitUntil(lambda: len(fake_server.notified) == 2, timeout=5000)
        runner.wait(5000)
        assert [body[3] for body in fake_server.notified] == ["title 0", "title 2"]
        assert fake_server.notified[1][1] == 1  # the second replaces the first
        assert refused == []
    finally:
        notifier.close()


@pytest.mark.parametrize("markup", [True, False])
def test_the_body_is_text_even_where_the_server_renders_markup(markup: bool, qtbot: QtBot) -> None:
    """A subject from Graph like '<a href="file:///etc/passwd">' must not become a link."""
    from meettray.platform.notifications import DBusNotifier, connect_notifier
    from meettray.ui.app_model.tasks import TaskRunner

    from ..dbus_service import private_bus

    hostile = '<a href="file:///etc/passwd">click</a> <img src="file:///etc/hosts"> & more'
    with private_bus() as address:
        caps = ("body", "body-markup", "actions") if markup else ("body", "actions")
        fake_server = FakeNotificationServer(address, caps)
        connection = connect_notifier(address)
        assert connection is not None
        notifier = DBusNotifier(connection, TaskRunner())
        try:
            notifier.notify("Link copied — <b>bold</b>", hostile)
            qtbot.waitUntil(lambda: len(fake_server.notified) == 1, timeout=5000)
        finally:
            notifier.close()
            fake_server.connection.close()
    body = fake_server.notified[0][4]
    if markup:
        assert body == (
            '&lt;a href="file:///etc/passwd"&gt;click&lt;/a&gt; '
            '&lt;img src="file:///etc/hosts"&gt; &amp; more'
        )
    else:
        assert body == hostile  # a server without markup shows it as it is


def test_a_peer_that_introspects_us_or_forges_a_click_changes_nothing(
    server: tuple[str, FakeNotificationServer],
    model: AppModel,
    opened: list[str],
    qtbot: QtBot,
) -> None:
    """GNOME's AppIndicator extension introspects every bus name, ours included; it
    used to reach the click handler as a signal, raise, and show "unexpected problem".
    (Any warning or error logged fails the test: see the conftest.)"""
    from jeepney import DBusAddress, MessageType, new_method_call, new_signal
    from jeepney.io.blocking import open_dbus_connection

    from meettray.platform.notifications import INTERFACE, PATH, DBusNotifier, connect_notifier
    from meettray.ui.app_model.tasks import TaskRunner

    address, fake_server = server
    connection = connect_notifier(address)
    assert connection is not None
    notifier = DBusNotifier(connection, TaskRunner())
    tray = Tray(model)
    tray.use_notifier(notifier)
    peer = open_dbus_connection(bus=address)
    try:
        with qtbot.waitSignal(model.meetings.delivered, timeout=10_000):
            model.dispatch(MeetNow())
        qtbot.waitUntil(lambda: len(fake_server.notified) == 1, timeout=5000)
        qtbot.waitUntil(lambda: notifier.shown == 1, timeout=5000)
        us = connection.bus.unique_name
        introspect = new_method_call(DBusAddress("/", bus_name=us,
                                                 interface="org.freedesktop.DBus.Introspectable"),
                                     "Introspect")  # fmt: skip
        answer = peer.send_and_get_reply(introspect, timeout=5)
        assert answer.header.message_type == MessageType.method_return
        forged = new_signal(DBusAddress(PATH, interface=INTERFACE), "ActionInvoked", "us",
                            (1, "default"))  # fmt: skip
        peer.send(forged)  # not the notification server: no click
        fake_server.click(1)  # the server's own click: opens, after the forged one was read
        qtbot.waitUntil(lambda: len(opened) == 1, timeout=5000)
        qtbot.wait(200)
        assert len(opened) == 1
    finally:
        peer.close()
        notifier.close()


def test_no_notification_server_means_qt_keeps_the_balloon() -> None:
    from meettray.platform.notifications import connect_notifier

    from ..dbus_service import private_bus

    with private_bus() as address:
        assert connect_notifier(address) is None


@pytest.mark.logs("notification not shown", "no system tray available")
def test_a_notification_server_that_never_answers_holds_up_nothing(
    model: AppModel, fake: object, qtbot: QtBot
) -> None:
    """Was: on KDE and sway with no notification server answering, the GUI thread froze 25 s
    per notice in Qt's showMessage, and 'meettray now' right after a click took 37-50 s.
    Now the notification waits on a thread of its own, and 'now' is answered meanwhile;
    once the bus gives up, meettray's own banner shows the notice."""
    from meettray.ipc import Outcome, Request
    from meettray.platform.notifications import DBusNotifier, connect_notifier
    from meettray.ui.app_model.tasks import own_thread_runner
    from meettray.ui.shell.ipc_handler import IpcHandler
    from meettray.ui.views.app import TrayApp

    from ..dbus_service import private_bus

    with private_bus() as address:
        silent = SilentNotificationServer(address)
        connection = connect_notifier(address)
        assert connection is not None
        notifier = DBusNotifier(connection, own_thread_runner())
        app = TrayApp(model, tray_grace_ms=60_000)
        app.use_notifier(notifier)
        try:
            click = model.dispatch(MeetNow(source="tray click"))
            assert click is not None
            qtbot.waitUntil(lambda: len(silent.notified) == 1, timeout=10_000)  # in flight

            unanswered_when_told: list[bool] = []
            answers: list[Outcome] = []

            def respond(outcome: Outcome) -> None:
                answers.append(outcome)
                unanswered_when_told.append(notifier.shown == 0 and len(silent.notified) == 1)

            IpcHandler(model, app).handle_request(Request("now", subject="Right after"), respond)
            qtbot.waitUntil(lambda: len(answers) == 2, timeout=10_000)
            assert answers[1].ok, answers[1].message
            assert unanswered_when_told == [True, True]  # told while the server said nothing

            # The bus gives up on the first notice (5 s): the tray's own banner shows it.
            qtbot.waitUntil(lambda: app.tray.banner is not None
                            and app.tray.banner.isVisible(), timeout=15_000)  # fmt: skip
        finally:
            app.close()
            notifier.close()
            silent.connection.close()
