"""What screen readers hear where no notification server answers: "Link copied", a
failure (at once) and "Signed in", from meettray's banner or its no-tray window."""

from __future__ import annotations

import functools

import pytest
from PySide6.QtGui import QAccessible
from pytestqt.qtbot import QtBot

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import GraphError
from meettray.ui.app_model.intents import MeetNow, SignIn
from meettray.ui.app_model.jobs import SignInJob
from meettray.ui.app_model.model import AppModel
from meettray.ui.app_model.notices import Level, Notice
from meettray.ui.views.announce import announcements
from meettray.ui.views.app import TrayApp
from meettray.ui.views.dialogs import FallbackWindow
from meettray.ui.views.tray import Tray


def test_link_copied_is_said_politely_with_the_banner(
    model: AppModel, fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    tray = Tray(model)
    with qtbot.waitSignal(announcements.made, timeout=10_000) as said:
        model.dispatch(MeetNow())
    text, urgent = said.args
    assert tray.banner is not None
    qtbot.addWidget(tray.banner)
    assert tray.banner.isVisible()
    assert text.startswith(f"{tray.banner.title.text()}. ")  # what the banner shows
    assert text.startswith("Link copied")
    assert "teams.microsoft.com" in text
    assert "\n" not in text
    assert urgent is False


def test_a_failure_is_said_at_once(model: AppModel, qtbot: QtBot) -> None:
    tray = Tray(model)
    error = GraphError("Microsoft Graph refused.", status=403)
    with qtbot.waitSignal(announcements.made) as said:
        model.notify.emit(Notice("No meeting was created", error.message, Level.ERROR))
    assert tray.banner is not None
    qtbot.addWidget(tray.banner)
    assert said.args == ["No meeting was created. Microsoft Graph refused.", True]


def test_signed_in_is_said(
    make_model: functools.partial[AppModel],
    fake: FakeMicrosoft365,
    qtbot: QtBot,
    request: pytest.FixtureRequest,
) -> None:
    model = make_model()
    app = TrayApp(model, tray_grace_ms=60_000)
    request.addfinalizer(app.close)
    heard: list[str] = []

    def hear(text: str, _urgent: bool) -> None:
        heard.append(text)

    announcements.made.connect(hear)
    request.addfinalizer(lambda: announcements.made.disconnect(hear))
    op = model.dispatch(SignIn())
    assert isinstance(op, SignInJob)
    qtbot.waitUntil(lambda: any(t.startswith("Signed in. ") for t in heard), timeout=20_000)
    assert op.error is None
    assert op.account is not None
    assert f"Signed in. Signed in as {op.account.username}" in heard
    assert app.tray.banner is not None
    qtbot.addWidget(app.tray.banner)


def test_the_window_without_a_tray_says_its_notices(
    qtbot: QtBot, request: pytest.FixtureRequest
) -> None:
    """With a reader listening (accessibility active), the event goes all the way to
    Qt's platform bridge without a warning."""
    window = FallbackWindow()
    qtbot.addWidget(window)
    window.show()
    was_active = QAccessible.isActive()
    QAccessible.setActive(True)
    request.addfinalizer(lambda: QAccessible.setActive(was_active))
    with qtbot.waitSignal(announcements.made) as said:
        window.show_status("Link not copied", "The compositor refused.", urgent=True)
    assert said.args == ["Link not copied. The compositor refused.", True]
