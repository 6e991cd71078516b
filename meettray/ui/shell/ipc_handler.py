"""Answers to other meettray processes: the requests of :mod:`meettray.ipc`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from meettray.errors import MeettrayError
from meettray.ipc import Outcome, Request, TrayStatus, display_name
from meettray.ui.app_model.operations import Delivered
from meettray.ui.views.app import TrayApp

if TYPE_CHECKING:
    from meettray.ui.shell.hotkey_manager import HotkeyManager
    from meettray.ui.shell.ipc_server import Respond


class IpcHandler:
    """Carries out what ``meettray now``, ``meettray`` and ``doctor`` ask the running tray."""

    def __init__(self, tray_app: TrayApp, hotkeys: HotkeyManager | None = None) -> None:
        self.tray_app = tray_app
        self.hotkeys = hotkeys

    def handle_request(self, request: Request, respond: Respond) -> None:
        if request.command == "ping":
            respond(Outcome(ok=True))
        elif request.command == "show":
            self.tray_app.show_yourself()
            respond(Outcome(ok=True))
        elif request.command == "status":
            respond(Outcome(ok=True, status=self.status()))
        else:  # "now": the protocol admits no other command
            # Its own operation: the answer is this request's, never another's.
            op = self.tray_app.controller.create(
                what="Meet now for the command line",
                subject=request.subject,
                external_id=request.external_id,
                preset=request.preset,
                tell_failure=False,  # the command prints it
                interactive=False,  # nobody at the tray to sign in: the command says so
            )
            op.done.connect(lambda delivered: respond(delivered_outcome(delivered)))
            op.failed.connect(lambda error: respond(failure_outcome(error)))

    def status(self) -> TrayStatus:
        hotkeys = self.hotkeys
        account = self.tray_app.controller.account
        return TrayStatus(
            tray=self.tray_app.in_tray,
            backend=hotkeys.backend.name if hotkeys else "none",
            hotkeys={action: hotkeys.state(action) for action in hotkeys.problems}
            if hotkeys
            else {},
            account=account.username if account else None,
            display=display_name(),
        )


def delivered_outcome(delivered: Delivered) -> Outcome:
    """A made meeting as the answer to send, with what *its* copy came to."""
    copied = delivered.copy.copied
    return Outcome(
        ok=True,
        meeting=delivered.meeting.as_json(),
        warnings=delivered.created.warnings,
        copied=copied,
        message="" if copied else delivered.copy.message,
    )


def failure_outcome(error: MeettrayError) -> Outcome:
    return Outcome(
        ok=False,
        message=error.message,
        detail=error.detail,
        request_id=error.request_id,
        exit_code=error.exit_code,
    )
