"""Answers to other meettray processes: the requests of :mod:`meettray.instance`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from meettray.errors import MeettrayError
from meettray.instance import HotkeyState, Outcome, Request, TrayStatus
from meettray.platform.clipboard import CopyOutcome
from meettray.ui.app import TrayApp

if TYPE_CHECKING:
    from meettray.service import Created
    from meettray.ui.hotkey_manager import HotkeyManager
    from meettray.ui.instance_server import Respond


class RemoteControl:
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
        elif request.command == "now":

            def reply(outcome: Created | Exception) -> None:
                respond(outcome_of(outcome, self.tray_app.controller.last_copy))

            self.tray_app.controller.meet_now(
                source="command line", subject=request.subject, reply=reply
            )

    def status(self) -> TrayStatus:
        hotkeys = self.hotkeys
        account = self.tray_app.controller.account
        return TrayStatus(
            tray=self.tray_app.in_tray,
            backend=hotkeys.backend.name if hotkeys else "none",
            hotkeys={
                action: HotkeyState(detail=hotkeys.describe(action), ok=not problem)
                for action, problem in hotkeys.problems.items()
            }
            if hotkeys
            else {},
            account=account.username if account else None,
        )


def outcome_of(outcome: Created | Exception, copy: CopyOutcome | None = None) -> Outcome:
    """A Meet now result as the answer to send, with what the copy came to."""
    from meettray.service import Created

    if isinstance(outcome, Created):
        copied = copy is not None and copy.copied
        return Outcome(
            ok=True,
            meeting=outcome.meeting.as_json(),
            warnings=outcome.warnings,
            copied=copied,
            message="" if copied or copy is None else copy.message,
        )
    error = outcome if isinstance(outcome, MeettrayError) else MeettrayError(str(outcome))
    return Outcome(
        ok=False,
        message=error.message,
        detail=error.detail,
        request_id=error.request_id,
        exit_code=error.exit_code,
    )
