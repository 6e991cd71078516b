"""Answers to other meettray processes: the requests of :mod:`meettray.ipc`.

A ``now`` is dispatched as the same intent a click is, from the command's
origin; its job is this request's alone.  The command hears twice from it:
at ``link_ready`` (the link is on the clipboard, often with no network), and
at ``settled`` (the meeting as asked, with its warnings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meettray.errors import MeettrayError
from meettray.ipc import Outcome, Request, TrayStatus, display_name
from meettray.meetings import Meeting
from meettray.platform.clipboard import CopyOutcome
from meettray.ui.app_model import intents as i
from meettray.ui.app_model.jobs import Delivered, Done, Job, MeetingJob
from meettray.ui.app_model.jobs import Outcome as JobOutcome
from meettray.ui.app_model.model import AppModel
from meettray.ui.views.app import TrayApp

if TYPE_CHECKING:
    from meettray.ui.shell.hotkey_manager import HotkeyManager
    from meettray.ui.shell.ipc_server import Respond


class IpcHandler:
    """Carries out what ``meettray now``, ``meettray`` and ``doctor`` ask the running tray."""

    def __init__(
        self, model: AppModel, tray_app: TrayApp, hotkeys: HotkeyManager | None = None
    ) -> None:
        self.model = model
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
        elif request.command == "link":  # read again here: no other process is trusted
            link = i.FollowLink(request.link or "", external_id=request.external_id)
            self._answer(self.model.dispatch(link), respond)
        else:  # "now": the protocol admits no other command
            intent = i.MeetNow(preset=request.preset, subject=request.subject,
                               origin=i.Origin.COMMAND, source="command line",
                               external_id=request.external_id,
                               account=request.account)  # fmt: skip
            job = self.model.dispatch(intent)
            assert isinstance(job, MeetingJob)  # a command's Meet now is never debounced
            self._answer(job, respond)

    @staticmethod
    def _answer(job: Job | None, respond: Respond) -> None:
        """A job's answers: a meeting's link, then its final outcome; ``None`` (a window
        opened) at once."""
        if job is None:
            respond(Outcome(ok=True))
            return
        if isinstance(job, MeetingJob):
            job.link_ready.connect(lambda meeting, copy: respond(link_outcome(meeting, copy)))
        job.settled.connect(lambda outcome: respond(settled_outcome(outcome)))

    def status(self) -> TrayStatus:
        state = self.model.state
        hotkeys = self.hotkeys
        return TrayStatus(
            tray=self.tray_app.in_tray,
            backend=hotkeys.backend.name if hotkeys else "none",
            hotkeys=dict(state.hotkeys),
            account=state.account.username if state.account else None,
            display=display_name(),
        )


def link_outcome(meeting: Meeting, copy: CopyOutcome) -> Outcome:
    """``now``'s first answer: the link, and what *its* copy came to."""
    return Outcome(ok=True, meeting=meeting.as_json(), copied=copy.copied,
                   message="" if copy.copied else copy.message, final=False)  # fmt: skip


def settled_outcome(outcome: JobOutcome) -> Outcome:
    """``now``'s final answer: the meeting as it ended up, or why there is none."""
    if isinstance(outcome, Delivered):
        return delivered_outcome(outcome)
    if isinstance(outcome, Done):  # not a meeting job's outcome
        return Outcome(ok=True)
    return failure_outcome(outcome.error)


def delivered_outcome(delivered: Delivered) -> Outcome:
    """A made meeting as the answer to send, with what *its* copy came to."""
    copied = delivered.copy.copied
    return Outcome(
        ok=True,
        meeting=delivered.meeting.as_json(),
        warnings=delivered.created.warnings,
        not_applied=tuple(item.as_json() for item in delivered.created.not_applied),
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
