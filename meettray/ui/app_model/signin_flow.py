"""Sign-in in the background: one at a time, always cancellable, every outcome told."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from meettray.accounts import MEETINGS, Account, Cancellation, DeviceCodePrompt
from meettray.choices import MAIN_ACCOUNT
from meettray.errors import MeettrayError, SignInCancelled
from meettray.ui.app_model.jobs import Done, SignInJob, as_meettray_error

if TYPE_CHECKING:
    from meettray.ui.app_model.service_owner import ServiceOwner

log = logging.getLogger(__name__)


class SignInFlow(QObject):
    """Starts sign-ins and reports each through its :class:`SignInJob`.

    One sign-in at a time per profile, each on that profile's service.  The wait for
    the person runs aside from the service's owner thread (see
    :meth:`ServiceOwner.run_aside`): it may take minutes, and meetings for other
    accounts, history pages and settings go on meanwhile."""

    #: A sign-in began (the person asked, or Meet now found nobody signed in).
    started = Signal(SignInJob)
    #: Device-code sign-in: the code to show.
    device_code_ready = Signal(DeviceCodePrompt)

    def __init__(self, owner: ServiceOwner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._owner = owner
        #: The sign-ins under way, by profile.
        self._current: dict[str, tuple[SignInJob, Cancellation]] = {}

    @property
    def current(self) -> SignInJob | None:
        """A sign-in under way (the first asked), if any."""
        return next((job for job, _cancel in self._current.values()), None)

    @property
    def signing_in(self) -> frozenset[str]:
        """The profiles whose sign-in is under way."""
        return frozenset(self._current)

    def sign_in(
        self,
        *,
        device_code: bool = False,
        scopes: Sequence[str] = (MEETINGS,),
        parent_window: int | None = None,
        account: str = MAIN_ACCOUNT,
    ) -> SignInJob:
        """Start a sign-in for profile ``account``, or return the one under way for it."""
        if (under_way := self._current.get(account)) is not None:
            return under_way[0]
        what = "device-code sign-in" if device_code else "sign-in"
        job = SignInJob(f"{what} ({account})", self, profile=account)
        job.start()
        cancel = Cancellation()
        self._current[account] = (job, cancel)
        self.started.emit(job)

        def fail(exc: Exception) -> None:
            self._failed(job, cancel, exc)

        def finished(answer: Account | None) -> None:
            self._finished(job, answer)

        if device_code:

            def begun(answer: DeviceCodePrompt | Account | None) -> None:
                if isinstance(answer, DeviceCodePrompt):
                    self._show_code(job, answer, cancel)
                else:
                    finished(answer)

            self._owner.run(
                lambda service: service.begin_device_code(scopes)
                if service.signs_in else service.account(),  # application mode: its user
                begun, fail, context=self, account=account,
            )  # fmt: skip
        else:
            self._owner.run_aside(
                lambda service: service.sign_in_browser(scopes, cancel=cancel,
                                                        parent_window=parent_window)
                if service.signs_in else service.account(),  # application mode: its user
                finished, fail, context=self, account=account,
            )  # fmt: skip
        return job

    def _show_code(self, job: SignInJob, prompt: DeviceCodePrompt, cancel: Cancellation) -> None:
        self.device_code_ready.emit(prompt)
        self._owner.run_aside(
            lambda service: service.finish_device_code(prompt, cancel=cancel),
            lambda account: self._finished(job, account),
            lambda exc: self._failed(job, cancel, exc),
            context=self,
            account=job.profile,
        )

    def cancel(self, account: str | None = None) -> None:
        """Cancel the sign-in of profile ``account`` (``None``: every one under way)."""
        for name, (_job, cancel) in list(self._current.items()):
            if account is None or name == account:
                cancel.cancel()

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
        if (under_way := self._current.get(job.profile)) is not None and under_way[0] is job:
            del self._current[job.profile]
