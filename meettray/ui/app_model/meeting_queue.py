"""Meetings made one at a time, each link copied the moment Graph answers.

Every creation (Meet now from any trigger, Schedule…, ``meettray now``
through the socket) is a :class:`~meettray.ui.app_model.operations.MeetingOperation`
queued here.  One is in flight at a time, so each gets its own outcome: its
meeting, its warnings, and what *its* clipboard write came to.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal

from meettray.config import UiConfig
from meettray.errors import MeettrayError
from meettray.formatting import ClipboardPayload, clipboard_payload
from meettray.meetings import Meeting
from meettray.platform.clipboard import CopyOutcome
from meettray.results import Created
from meettray.ui.app_model.operations import Delivered, MeetingOperation, as_meettray_error
from meettray.ui.app_model.tasks import TaskRunner

if TYPE_CHECKING:
    from meettray.service import MeetingService

log = logging.getLogger(__name__)


class ClipboardWriter(Protocol):
    def copy(self, payload: ClipboardPayload, done: Callable[[CopyOutcome], None]) -> None:
        """Place the payload; ``done`` gets what was observed, on the GUI thread.

        A write that did not take is not a copy.  ``done`` may be called before
        this returns (Qt's own clipboard) or later (a helper process).
        """
        ...


WithService = Callable[[Callable[["MeetingService"], None], Callable[[Exception], None]], None]


class MeetingQueue(QObject):
    """Runs queued meeting operations in order; the controller decides what to tell."""

    #: The operation is done (it has its Delivered): tell the person, refresh lists.
    delivered = Signal(MeetingOperation, Delivered)
    #: The operation failed; it is *not* finished: the controller fails it, or keeps it
    #: for after a sign-in (:meth:`add` again).
    failed = Signal(MeetingOperation, MeettrayError)
    #: A creation started or ended (the busy icon).
    busy_changed = Signal()
    #: From a worker thread the moment Graph answered (queued to the GUI thread, so it
    #: arrives before the job's own result).
    _link_ready = Signal(MeetingOperation, Meeting)

    def __init__(
        self,
        runner: TaskRunner,
        clipboard: ClipboardWriter,
        with_service: WithService,
        ui_settings: Callable[[], UiConfig],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self.clipboard = clipboard
        self._with_service = with_service
        self._ui_settings = ui_settings
        self._waiting: deque[MeetingOperation] = deque()
        self.current: MeetingOperation | None = None
        self._link_ready.connect(self._link_arrived)

    @property
    def busy(self) -> bool:
        """A meeting is being made, or is waiting its turn."""
        return self.current is not None or bool(self._waiting)

    def add(self, ops: Iterable[MeetingOperation]) -> None:
        self._waiting.extend(ops)
        self._next()

    def _next(self) -> None:
        if self.current is not None or not self._waiting:
            return
        op = self.current = self._waiting.popleft()
        log.info("%s", op.what)

        def run(service: MeetingService) -> None:
            def work() -> Created:
                request = op.request or service.instant_request(op.subject, op.preset)
                return service.create(
                    request,
                    external_id=op.external_id,
                    on_created=lambda m: self._link_ready.emit(op, m),
                    # Meet now takes the prepared meeting, ``meettray now`` too: taken for
                    # its id, so should this tray die, the command finds it by that id.
                    use_spare=op.request is None,
                )

            self._runner.run(
                work,
                lambda created: self._created(op, created),
                lambda e: self._failed(op, e),
                context=self,
            )

        self._with_service(run, lambda exc: self._failed(op, exc))
        self.busy_changed.emit()  # the busy icon is drawn while the request is on its way

    def _link_arrived(self, op: MeetingOperation, meeting: Meeting) -> None:
        """Graph answered: the link goes on the clipboard before history is written."""
        if op.copy_started:
            return
        op.copy_started = True
        payload = clipboard_payload(meeting, self._ui_settings())
        self.clipboard.copy(payload, lambda outcome: self._copied(op, outcome))

    def _copied(self, op: MeetingOperation, outcome: CopyOutcome) -> None:
        if not outcome.copied:
            log.warning("link not copied: %s", outcome.message)
        op.copy_outcome = outcome
        self._deliver_when_complete(op)

    def _created(self, op: MeetingOperation, created: Created) -> None:
        op.created = created
        self._link_arrived(op, created.meeting)  # nothing if the copy began already
        self._deliver_when_complete(op)

    def _deliver_when_complete(self, op: MeetingOperation) -> None:
        """Both the meeting and its copy's outcome are known: finish the operation."""
        if op.created is None or op.copy_outcome is None or op.is_finished:
            return
        delivered = Delivered(op.created, op.copy_outcome)
        self.current = None
        # The app's state first (Recent holds it), then the answer: whoever was answered
        # (``meettray now``, the tray's own click) finds the app already showing it.
        self.delivered.emit(op, delivered)
        op.succeed(delivered)
        self.busy_changed.emit()
        self._next()

    def _failed(self, op: MeetingOperation, exc: Exception) -> None:
        self.current = None
        self.failed.emit(op, as_meettray_error(exc))
        self.busy_changed.emit()
        self._next()
