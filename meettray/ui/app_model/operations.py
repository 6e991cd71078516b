"""One object per request: it finishes exactly once, with a typed outcome.

Every action the tray app carries out for someone (Meet now, Schedule, a
request from another ``meettray`` process, sign-in, cancel, remove, saving
settings) returns an operation.  Whoever asked connects to *that* object's
signals, so an answer can never reach the wrong request, and nothing about a
request lives in state that several requests share (modelled on
qutebrowser's ``usertypes.Question`` and Vorta's jobs).

Operations live on the GUI thread; their signals are emitted there.  An
operation never finishes inside the call that created it, so connecting to
it right after that call returns never misses the outcome.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from meettray.accounts import Account
from meettray.errors import MeettrayError
from meettray.meetings import Meeting, MeetingRequest
from meettray.platform.clipboard import CopyOutcome
from meettray.results import Created

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivered:
    """A meeting that exists, and what its clipboard write came to (observed, not assumed)."""

    created: Created
    copy: CopyOutcome

    @property
    def meeting(self) -> Meeting:
        return self.created.meeting


def as_meettray_error(exc: Exception) -> MeettrayError:
    """Any exception as a MeettrayError with a plain message (bugs included)."""
    if isinstance(exc, MeettrayError):
        return exc
    return MeettrayError(
        "Something unexpected went wrong; the details are in the log file.",
        detail=f"{type(exc).__name__}: {exc}",
    )


class Operation(QObject):
    """The life of one request.  Subclasses add a typed ``done`` signal."""

    #: The request failed; the error's message is for the person.
    failed = Signal(MeettrayError)
    #: Emitted once, after ``done`` or ``failed``.
    finished = Signal()

    def __init__(self, what: str, parent: QObject | None = None) -> None:
        """``parent``: the object that runs it.  Worker threads hold references to an
        operation while it runs; with a parent, dropping the last of them on a worker never
        destroys it there (Qt objects die on their own thread): it is deleted on the GUI
        thread once it has finished and its outcome has been delivered."""
        super().__init__(parent)
        #: What was asked, for the log ("Meet now from the hotkey").
        self.what = what
        self.error: MeettrayError | None = None
        self._finished = False
        if parent is not None:
            self.finished.connect(self.deleteLater)

    @property
    def is_finished(self) -> bool:
        return self._finished

    def fail(self, error: MeettrayError) -> None:
        self._settle()
        self.error = error
        self.failed.emit(error)
        self.finished.emit()

    def _settle(self) -> None:
        if self._finished:  # a bug in the caller: two outcomes for one request
            raise RuntimeError(f"{self.what}: finished twice")
        self._finished = True


class MeetingOperation(Operation):
    """Creating a meeting: Meet now (any trigger) or a scheduled one."""

    done = Signal(Delivered)

    def __init__(
        self,
        what: str,
        *,
        request: MeetingRequest | None = None,
        subject: str | None = None,
        external_id: str | None = None,
        preset: str | None = None,
        tell_failure: bool = True,
        interactive: bool = True,
        parent: QObject | None = None,
    ) -> None:
        """``request``: a scheduled meeting; ``None`` is Meet now (built when it runs,
        so a queued one starts when it is made).  ``external_id``: the createOrGet id
        another process chose (``None``: a new one).  ``preset``: Meet now's preset
        (``None``: the default one).  ``tell_failure``: the controller
        shows a failure as a notification (a dialog or another process shows its own).
        ``interactive``: someone at the desktop asked, so a missing sign-in is started
        and the meeting made afterwards."""
        super().__init__(what, parent)
        self.request = request
        self.subject = subject
        self.external_id = external_id
        self.preset = preset
        self.tell_failure = tell_failure
        self.interactive = interactive
        self.result: Delivered | None = None
        # The controller's bookkeeping while the operation runs.
        self.created: Created | None = None
        self.copy_outcome: CopyOutcome | None = None
        self.copy_started = False
        self.waited_for_sign_in = False

    def succeed(self, delivered: Delivered) -> None:
        self._settle()
        self.result = delivered
        self.done.emit(delivered)
        self.finished.emit()


class SignInOperation(Operation):
    """A sign-in (browser or device code); cancelled by the person, it fails quietly."""

    done = Signal(Account)

    def __init__(self, what: str, parent: QObject | None = None) -> None:
        super().__init__(what, parent)
        self.account: Account | None = None
        #: The person cancelled: nothing to tell them.
        self.cancelled = False

    def succeed(self, account: Account) -> None:
        self._settle()
        self.account = account
        self.done.emit(account)
        self.finished.emit()


class ActionOperation(Operation):
    """An action with nothing to hand back: cancel, remove from history, save settings."""

    done = Signal()

    def succeed(self) -> None:
        self._settle()
        self.done.emit()
        self.finished.emit()
