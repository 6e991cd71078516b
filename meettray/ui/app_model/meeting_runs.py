"""Each meeting job's run: its work on the service's queue, its link copied the moment
the meeting exists.

Every creation (Meet now from any trigger, Schedule…, ``meettray now``
through the socket) is a :class:`~meettray.ui.app_model.jobs.MeetingJob`
started here.  Its work goes straight to the :class:`ServiceOwner`'s serial
queue, so jobs run one at a time in the order asked, and each gets its own
outcome: its meeting, its warnings, and what *its* clipboard write came to.
Its two stages: ``link_ready`` once the link's copy is observed (a prepared
meeting's with no network), ``settled`` once the meeting is as asked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal

from meettray.config import UiConfig
from meettray.creation import Creation
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


class MeetingRuns(QObject):
    """Starts meeting jobs on the owner's queue; the model decides what to tell."""

    #: The job's link is copied (or refused): the model updates its state first.
    link_ready = Signal(MeetingJob, Meeting, CopyOutcome)
    #: The job's meeting is as asked: the model settles the job and tells.
    delivered = Signal(MeetingJob, Delivered)
    #: The job failed; it is *not* settled: the model settles it, or keeps it for
    #: after a sign-in (:meth:`start` again).
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
        #: The jobs started and not yet delivered or failed.
        self._running: set[MeetingJob] = set()
        self._created_early.connect(self._link_arrived)

    @property
    def busy(self) -> bool:
        """A meeting is being made, or is waiting its turn on the owner's queue."""
        return bool(self._running)

    def start(self, jobs: Iterable[MeetingJob]) -> None:
        for job in jobs:
            self._start(job)

    def _start(self, job: MeetingJob) -> None:
        self._running.add(job)
        job.start()
        log.info("%s", job.what)
        intent = job.intent

        def work(service: MeetingService) -> Created:
            if isinstance(intent, Schedule):
                creation = Creation.schedule(intent.request)
            else:
                assert isinstance(intent, MeetNow)
                # Meet now takes the prepared meeting, ``meettray now`` too: taken for its
                # id, so should this tray die, the command finds it by that id.
                request = service.instant_request(intent.subject, intent.preset)
                creation = Creation.meet_now(request, external_id=intent.external_id)
            return service.make(creation, on_link=lambda m: self._created_early.emit(job, m))

        self._owner.run(
            work, lambda created: self._created(job, created), lambda e: self._failed(job, e),
            context=self, account=job.account,
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
        self._running.discard(job)
        self.delivered.emit(job, delivered)
        self.busy_changed.emit()

    def _failed(self, job: MeetingJob, exc: Exception) -> None:
        self._running.discard(job)
        error: MeettrayError = as_meettray_error(exc)
        self.failed.emit(job, error)
        self.busy_changed.emit()
