"""One operation per request: each answer belongs to its request, each failure is told.

Each test here is a defect found in review, reproduced first against the
controller that matched answers to requests through shared state.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from meettray.config import Config
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.errors import MeettrayError
from meettray.formatting import ClipboardPayload
from meettray.ipc import Outcome, Request
from meettray.platform.clipboard import CopyOutcome
from meettray.ui.app_model.controller import AppController
from meettray.ui.app_model.operations import ActionOperation
from meettray.ui.shell.ipc_handler import IpcHandler
from meettray.ui.views.app import TrayApp
from meettray.ui.views.tray import Tray

from .conftest import RecordingClipboard


def test_an_operation_finishes_once() -> None:
    op = ActionOperation("remove")
    outcomes: list[str] = []
    op.done.connect(lambda: outcomes.append("done"))
    op.failed.connect(lambda error: outcomes.append(error.message))
    op.finished.connect(lambda: outcomes.append("finished"))
    op.succeed()
    with pytest.raises(RuntimeError, match="finished twice"):
        op.fail(MeettrayError("late"))
    assert outcomes == ["done", "finished"]
    assert op.is_finished


class RefuseFirstClipboard(RecordingClipboard):
    """Refuses the first copy, takes the rest; answers later, as wl-copy does."""

    def copy(self, payload: ClipboardPayload, done: Callable[[CopyOutcome], None]) -> None:
        from PySide6.QtCore import QTimer

        if not self.copies and not self.refuse:
            self.refuse = "Not copied: the compositor refused."
            QTimer.singleShot(50, lambda: done(CopyOutcome(False, self.refuse)))
            self.copies.append(("", None))  # counted, not taken
            return
        self.copies.append((payload.text, payload.html))
        QTimer.singleShot(50, lambda: done(CopyOutcome(True, "Copied to the clipboard.")))


@pytest.mark.logs("link not copied", "no system tray available")
def test_each_command_line_request_answers_with_its_own_copy(
    make_controller: functools.partial[AppController], fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    """Was: A's copy was refused, yet A answered copied=True, which was B's outcome."""
    controller = make_controller(clipboard=RefuseFirstClipboard())
    with qtbot.waitSignal(controller.state_changed, timeout=10_000):
        controller.start()
    with qtbot.waitSignal(controller.signed_in, timeout=20_000):
        controller.sign_in()
    remote = IpcHandler(TrayApp(controller, tray_grace_ms=0))
    answers: dict[str, Outcome] = {}

    def ask(subject: str) -> None:
        remote.handle_request(
            Request("now", subject=subject), lambda o: answers.__setitem__(subject, o)
        )

    ask("A")
    ask("B")
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=15_000)
    a, b = answers["A"], answers["B"]
    assert a.meeting is not None
    assert b.meeting is not None
    assert (a.meeting["subject"], b.meeting["subject"]) == ("A", "B")
    assert a.meeting["id"] != b.meeting["id"]
    assert a.copied is False
    assert "compositor refused" in a.message
    assert b.copied is True
    assert b.message == ""


@pytest.mark.logs("link not copied")
def test_a_refused_copy_is_told_even_with_notifications_off(
    controller: AppController, clipboard: RecordingClipboard, qtbot: QtBot
) -> None:
    """Was: silent, because "has a meeting" was taken for success."""
    controller.config = dataclasses.replace(
        controller.config, ui=dataclasses.replace(controller.config.ui, notifications=False)
    )
    tray = Tray(controller, own_banner=True)
    clipboard.refuse = "Not copied: the compositor refused."
    with qtbot.waitSignal(controller.meeting_created, timeout=10_000):
        controller.meet_now()
    banner = tray.banner
    assert banner is not None
    qtbot.addWidget(banner)
    assert banner.isVisible()
    assert banner.title.text().startswith("Link not copied")

    banner.hide()
    clipboard.refuse = ""
    qtbot.waitUntil(lambda: bool(controller.recent), timeout=5000)
    controller.copy(controller.recent[0])
    assert clipboard.copies
    assert not banner.isVisible()  # good news stays quiet when notifications are off


def test_a_failed_sign_in_is_shown_in_the_sign_in_window(
    make_controller: functools.partial[AppController], fake: FakeMicrosoft365, qtbot: QtBot
) -> None:
    """Was: sign_in_finished(None) closed the window before the failure could be shown,
    so a Conditional Access block just closed it."""
    fake.signed_in_user.sign_in_error = 53003
    controller = make_controller()
    app = TrayApp(controller, tray_grace_ms=60_000)
    told: list[MeettrayError] = []
    controller.sign_in_failed.connect(told.append)

    op = app.controller.sign_in()
    dialog = app.sign_in_dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(op.failed, timeout=20_000):
        pass

    assert len(told) == 1
    assert "Conditional Access" in told[0].message or "blocked" in told[0].message.lower()
    assert dialog.isVisible()  # still open, saying why
    assert dialog.message.text().startswith("Sign-in failed.")
    assert told[0].message in dialog.message.text()
    assert dialog.cancel.text() == "Close"
    assert not op.cancelled


def test_an_account_saved_while_the_service_starts_is_the_one_used(
    make_controller: functools.partial[AppController],
    config: Config,
    fake: FakeMicrosoft365,
    qtbot: QtBot,
    tmp_path: object,
) -> None:
    """Was: the build already running kept the old account, and the saved one was lost."""
    from pathlib import Path

    fake.latency = 0.3  # the start-up's discovery takes a while
    controller = make_controller()
    controller.config = dataclasses.replace(config, path=Path(str(tmp_path)) / "saved.toml")
    controller.start()
    changed = dataclasses.replace(
        controller.config,
        account=dataclasses.replace(controller.config.account, tenant="contoso.example"),
    )
    with qtbot.waitSignal(controller.save_settings(changed).done, timeout=10_000):
        pass
    building_still = controller.service is None  # the first build is still under way
    qtbot.waitUntil(lambda: controller.service is not None, timeout=20_000)
    assert building_still
    service = controller.service
    assert service is not None
    assert service.config.account.tenant == "contoso.example"
