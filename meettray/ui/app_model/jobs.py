"""A job owns its run: one object per request, with a state and one typed outcome.

Every intent the tray app carries out for someone (Meet now from any
trigger, Schedule, a request from another ``meettray`` process, sign-in,
cancel, remove, saving settings) is a job.  Whoever asked listens to *that*
job, so an answer can never reach the wrong request, and nothing about a
request lives in state that several requests share (modelled on Textual's
``Worker`` and qutebrowser's ``Question``).

A :class:`MeetingJob` has two stages: :attr:`MeetingJob.link_ready` the
moment its link is on the clipboard (or was refused by it), and
:attr:`Job.settled` once the meeting is as asked (its PATCH made or given up),
with one :data:`Outcome`.  Jobs live on the GUI thread; their signals are
emitted there, and never inside the call that created the job, so connecting
right after that call never misses an outcome.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from meettray.accounts import Account
from meettray.errors import MeettrayError
from meettray.meetings import Meeting
from meettray.platform.clipboard import CopyOutcome
from meettray.results import Created

log = logging.getLogger(__name__)


class JobState(enum.Enum):
    WAITING = "waiting"
    RUNNING = "running"
    #: A meeting job's link is on the clipboard (or was refused); its settings may still
    #: be on their way to Graph.
    LINK_READY = "link ready"
    SETTLED = "settled"


@dataclass(frozen=True)
class Delivered:
    """A meeting that exists, and what its clipboard write came to (observed, not assumed)."""

    created: Created
    copy: CopyOutcome

    @property
    def meeting(self) -> Meeting:
        return self.created.meeting


@dataclass(frozen=True)
class Failed:
    """The request failed; ``error.message`` is for the person."""

    error: MeettrayError


@dataclass(frozen=True)
class NeedsSignIn:
    """Nobody is signed in, and nobody at the desktop asked (a command's request)."""

    error: MeettrayError


@dataclass(frozen=True)
class Done:
    """An action finished; ``value`` is what it hands back (an account for a sign-in)."""

    value: object = None


#: What a job settles with.
Outcome = Delivered | Failed | NeedsSignIn | Done


def as_meettray_error(exc: BaseException) -> MeettrayError:
    """Any exception as a MeettrayError with a plain message (bugs included)."""
    if isinstance(exc, MeettrayError):
        return exc
    return MeettrayError(
        "Something unexpected went wrong; the details are in the log file.",
        detail=f"{type(exc).__name__}: {exc}",
    )


class Job(QObject):
    """The life of one request: waiting, running, settled once."""

    #: The job's :class:`JobState` changed.
    state_changed = Signal(object)
    #: Emitted once, with the :data:`Outcome`.
    settled = Signal(object)

    def __init__(self, what: str, parent: QObject | None = None) -> None:
        """``parent``: the object that runs it.  Worker threads may hold references to a
        job while it runs; with a parent, dropping the last of them on a worker never
        destroys it there (Qt objects die on their own thread): it is deleted on the GUI
        thread once it has settled and its outcome has been delivered."""
        super().__init__(parent)
        #: What was asked, for the log ("Meet now from the hotkey").
        self.what = what
        self.state = JobState.WAITING
        self.outcome: Outcome | None = None
        if parent is not None:
            self.settled.connect(self.deleteLater)

    @property
    def is_settled(self) -> bool:
        return self.state is JobState.SETTLED

    @property
    def error(self) -> MeettrayError | None:
        """The failure it settled with, if it did."""
        if isinstance(self.outcome, (Failed, NeedsSignIn)):
            return self.outcome.error
        return None

    def _move(self, state: JobState) -> None:
        if self.state is JobState.SETTLED:  # a bug in the caller: two outcomes for one job
            raise RuntimeError(f"{self.what}: settled twice")
        self.state = state
        self.state_changed.emit(state)

    def start(self) -> None:
        if self.state is JobState.WAITING:
            self._move(JobState.RUNNING)

    def settle(self, outcome: Outcome) -> None:
        self._move(JobState.SETTLED)
        self.outcome = outcome
        self.settled.emit(outcome)

    def fail(self, error: MeettrayError) -> None:
        self.settle(Failed(error))


class MeetingJob(Job):
    """Creating a meeting: Meet now (any trigger) or a scheduled one."""

    #: The link is on the clipboard (or the clipboard refused it: see the outcome).
    link_ready = Signal(Meeting, CopyOutcome)

    def __init__(self, what: str, intent: object, parent: QObject | None = None) -> None:
        """``intent``: the :class:`~meettray.ui.app_model.intents.MeetNow` or
        :class:`~meettray.ui.app_model.intents.Schedule` it carries out."""
        super().__init__(what, parent)
        self.intent = intent
        #: Set at :attr:`link_ready`.
        self.meeting: Meeting | None = None
        self.copy_outcome: CopyOutcome | None = None
        # The meeting queue's bookkeeping while the job runs.
        self.created: Created | None = None
        self.copy_started = False
        self.waited_for_sign_in = False
        #: The profile whose meeting it makes (set by the model; ``None``: the default).
        self.account: str | None = None

    def reach_link(self, meeting: Meeting, copy: CopyOutcome) -> None:
        self.meeting, self.copy_outcome = meeting, copy
        self._move(JobState.LINK_READY)
        self.link_ready.emit(meeting, copy)


class SignInJob(Job):
    """A sign-in (browser or device code); cancelled by the person, it fails quietly."""

    def __init__(self, what: str, parent: QObject | None = None, *, profile: str = "main") -> None:
        super().__init__(what, parent)
        #: The person cancelled: nothing to tell them.
        self.cancelled = False
        #: The profile it signs in.
        self.profile = profile

    @property
    def account(self) -> Account | None:
        if isinstance(self.outcome, Done) and isinstance(self.outcome.value, Account):
            return self.outcome.value
        return None


class ActionJob(Job):
    """An action with nothing to hand back: cancel, remove from history, save settings."""
