"""Sign-in in the background: one at a time, always cancellable, every outcome told."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from meettray.accounts import MEETINGS, Account, Cancellation, DeviceCodePrompt
from meettray.errors import MeettrayError, SignInCancelled
from meettray.ui.app_model.jobs import Done, SignInJob, as_meettray_error

if TYPE_CHECKING:
    from meettray.ui.app_model.service_owner import ServiceOwner

log = logging.getLogger(__name__)


class SignInFlow(QObject):
    """Starts sign-ins and reports each through its :class:`SignInJob`.

    The wait for the person runs aside from the service's owner thread (see
    :meth:`ServiceOwner.run_aside`): it may take minutes, and meetings for other
    accounts, history pages and settings go on meanwhile."""

    #: A sign-in began (the person asked, or Meet now found nobody signed in).
    started = Signal(SignInJob)
    #: Device-code sign-in: the code to show.
    device_code_ready = Signal(DeviceCodePrompt)

    def __init__(self, owner: ServiceOwner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._owner = owner
        #: The sign-in under way, if any.
        self.current: SignInJob | None = None
        self._cancel: Cancellation | None = None

    def sign_in(
        self,
        *,
        device_code: bool = False,
        scopes: Sequence[str] = (MEETINGS,),
        parent_window: int | None = None,
    ) -> SignInJob:
        """Start a sign-in, or return the one under way (there is one at a time)."""
        if self.current is not None:
            return self.current
        what = "device-code sign-in" if device_code else "sign-in"
        job = self.current = SignInJob(what, self)
        job.start()
        cancel = self._cancel = Cancellation()
        self.started.emit(job)

        def fail(exc: Exception) -> None:
            self._failed(job, cancel, exc)

        def finished(account: Account | None) -> None:
            self._finished(job, account)

        if device_code:

            def begun(answer: DeviceCodePrompt | Account | None) -> None:
                if isinstance(answer, DeviceCodePrompt):
                    self._show_code(job, answer, cancel)
                else:
                    finished(answer)

            self._owner.run(
                lambda service: service.begin_device_code(scopes)
                if service.signs_in else service.account(),  # application mode: its user
                begun, fail, context=self,
            )  # fmt: skip
        else:
            self._owner.run_aside(
                lambda service: service.sign_in_browser(scopes, cancel=cancel,
                                                        parent_window=parent_window)
                if service.signs_in else service.account(),  # application mode: its user
                finished, fail, context=self,
            )  # fmt: skip
        return job

    def _show_code(self, job: SignInJob, prompt: DeviceCodePrompt, cancel: Cancellation) -> None:
        self.device_code_ready.emit(prompt)
        self._owner.run_aside(
            lambda service: service.finish_device_code(prompt, cancel=cancel),
            lambda account: self._finished(job, account),
            lambda exc: self._failed(job, cancel, exc),
            context=self,
        )

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()

    def _finished(self, job: SignInJob, account: Account | None) -> None:
        self._end(job)
        if account is None:  # application mode with no configured user: a settings problem
            job.fail(MeettrayError("No account is configured for application mode."))
            return
        job.settle(Done(account))

    def _failed(self, job: SignInJob, cancel: Cancellation, exc: Exception) -> None:
        self._end(job)
        error = as_meettray_error(exc)
        # Only the person's own cancel is quiet; a timeout or a refusal is told.
        job.cancelled = isinstance(error, SignInCancelled) and cancel.cancelled
        log.info("sign-in ended: %s", error.message)
        job.fail(error)

    def _end(self, job: SignInJob) -> None:
        if self.current is job:
            self.current = None
            self._cancel = None
