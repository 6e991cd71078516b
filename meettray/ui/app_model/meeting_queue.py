"""Meetings made one at a time, each link copied the moment it exists.

Every creation (Meet now from any trigger, Schedule…, ``meettray now``
through the socket) is a :class:`~meettray.ui.app_model.jobs.MeetingJob`
queued here.  One is in flight at a time, so each gets its own outcome: its
meeting, its warnings, and what *its* clipboard write came to.  Its two
stages: ``link_ready`` once the link's copy is observed (a prepared meeting's
with no network), ``settled`` once the meeting is as asked.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal

from meettray.config import UiConfig
from meettray.formatting import ClipboardPayload, clipboard_payload
from meettray.meetings import Meeting
from meettray.platform.clipboard import CopyOutcome
from meettray.results import Created
from meettray.ui.app_model.intents import MeetNow, Schedule
from meettray.ui.app_model.jobs import Delivered, MeetingJob, as_meettray_error

if TYPE_CHECKING:
    from meettray.errors import MeettrayError
    from meettray.service import MeetingService
    from meettray.ui.app_model.service_owner import ServiceOwner

log = logging.getLogger(__name__)


class ClipboardWriter(Protocol):
    def copy(self, payload: ClipboardPayload, done: Callable[[CopyOutcome], None]) -> None:
        """Place the payload; ``done`` gets what was observed, on the GUI thread.

        A write that did not take is not a copy.  ``done`` may be called before
        this returns (Qt's own clipboard) or later (a helper process).
        """
        ...


class MeetingQueue(QObject):
    """Runs queued meeting jobs in order; the model decides what to tell."""

    #: The job's link is copied (or refused): the model updates its state first.
    link_ready = Signal(MeetingJob, Meeting, CopyOutcome)
    #: The job's meeting is as asked: the model settles the job and tells.
    delivered = Signal(MeetingJob, Delivered)
    #: The job failed; it is *not* settled: the model settles it, or keeps it for
    #: after a sign-in (:meth:`add` again).
    failed = Signal(MeetingJob, object)
    #: A creation started or ended (the busy icon).
    busy_changed = Signal()
    #: From the owner's thread the moment the meeting exists (queued to the GUI thread,
    #: so it arrives before the command's own result).
    _created_early = Signal(MeetingJob, Meeting)

    def __init__(
        self,
        owner: ServiceOwner,
        clipboard: ClipboardWriter,
        ui_settings: Callable[[], UiConfig],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._owner = owner
        self.clipboard = clipboard
        self._ui_settings = ui_settings
        self._waiting: deque[MeetingJob] = deque()
        self.current: MeetingJob | None = None
        self._created_early.connect(self._link_arrived)

    @property
    def busy(self) -> bool:
        """A meeting is being made, or is waiting its turn."""
        return self.current is not None or bool(self._waiting)

    def add(self, jobs: Iterable[MeetingJob]) -> None:
        self._waiting.extend(jobs)
        self._next()

    def _next(self) -> None:
        if self.current is not None or not self._waiting:
            return
        job = self.current = self._waiting.popleft()
        job.start()
        log.info("%s", job.what)
        intent = job.intent

        def work(service: MeetingService) -> Created:
            if isinstance(intent, Schedule):
                return service.create(
                    intent.request, on_created=lambda m: self._created_early.emit(job, m)
                )
            assert isinstance(intent, MeetNow)
            request = service.instant_request(intent.subject, intent.preset)
            return service.create(
                request,
                external_id=intent.external_id,
                on_created=lambda m: self._created_early.emit(job, m),
                # Meet now takes the prepared meeting, ``meettray now`` too: taken for its
                # id, so should this tray die, the command finds it by that id.
                use_spare=True,
            )

        self._owner.run(
            work, lambda created: self._created(job, created), lambda e: self._failed(job, e),
            context=self,
        )  # fmt: skip
        self.busy_changed.emit()  # the busy icon is drawn while the request is on its way

    def _link_arrived(self, job: MeetingJob, meeting: Meeting) -> None:
        """The meeting exists: its link goes on the clipboard before anything else."""
        if job.copy_started or job.is_settled:
            return
        job.copy_started = True
        payload = clipboard_payload(meeting, self._ui_settings())
        self.clipboard.copy(payload, lambda outcome: self._copied(job, meeting, outcome))

    def _copied(self, job: MeetingJob, meeting: Meeting, outcome: CopyOutcome) -> None:
        if not outcome.copied:
            log.warning("link not copied: %s", outcome.message)
        if job.is_settled:
            return
        # The app's state first (Recent holds it), then the job's own stage: whoever
        # listens to the job (``meettray now``) finds the app already showing it.
        self.link_ready.emit(job, meeting, outcome)
        job.reach_link(meeting, outcome)
        self._deliver_when_complete(job)

    def _created(self, job: MeetingJob, created: Created) -> None:
        job.created = created
        self._link_arrived(job, created.meeting)  # nothing if the copy began already
        self._deliver_when_complete(job)

    def _deliver_when_complete(self, job: MeetingJob) -> None:
        """Both the meeting as asked and its copy's outcome are known: it is delivered."""
        if job.created is None or job.copy_outcome is None or job.is_settled:
            return
        delivered = Delivered(job.created, job.copy_outcome)
        self.current = None
        self.delivered.emit(job, delivered)
        self.busy_changed.emit()
        self._next()

    def _failed(self, job: MeetingJob, exc: Exception) -> None:
        self.current = None
        error: MeettrayError = as_meettray_error(exc)
        self.failed.emit(job, error)
        self.busy_changed.emit()
        self._next()
