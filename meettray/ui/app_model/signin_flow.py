"""Sign-in in the background: one at a time, always cancellable, every outcome told."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from meettray.accounts import MEETINGS, Account, Cancellation, DeviceCodePrompt
from meettray.errors import MeettrayError, SignInCancelled
from meettray.ui.app_model.operations import SignInOperation, as_meettray_error
from meettray.ui.app_model.tasks import TaskRunner

if TYPE_CHECKING:
    from meettray.service import MeetingService

log = logging.getLogger(__name__)

#: Runs an action with the service once it is ready, or calls the second argument with
#: the reason it never will be (see AppController.with_service).
WithService = Callable[[Callable[["MeetingService"], None], Callable[[Exception], None]], None]


class SignInFlow(QObject):
    """Starts sign-ins and reports each through its :class:`SignInOperation`."""

    #: A sign-in began (the person asked, or Meet now found nobody signed in).
    started = Signal(SignInOperation)
    #: Device-code sign-in: the code to show.
    device_code_ready = Signal(DeviceCodePrompt)

    def __init__(
        self, runner: TaskRunner, with_service: WithService, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._with_service = with_service
        #: The sign-in under way, if any.
        self.current: SignInOperation | None = None
        self._cancel: Cancellation | None = None

    def sign_in(
        self, *, device_code: bool = False, scopes: Sequence[str] = (MEETINGS,)
    ) -> SignInOperation:
        """Start a sign-in, or return the one under way (there is one at a time)."""
        if self.current is not None:
            return self.current
        what = "device-code sign-in" if device_code else "sign-in"
        op = self.current = SignInOperation(what, self)
        cancel = self._cancel = Cancellation()
        self.started.emit(op)

        def start(service: MeetingService) -> None:
            if not service.signs_in:  # application mode acts for its configured user
                self._runner.run(
                    service.account, lambda a: self._finished(op, a), fail, context=self
                )
            elif device_code:
                self._runner.run(
                    lambda: service.begin_device_code(scopes),
                    lambda prompt: self._show_code(service, op, prompt, cancel),
                    fail,
                    context=self,
                )
            else:
                self._runner.run(
                    lambda: service.sign_in_browser(scopes, cancel=cancel),
                    lambda account: self._finished(op, account),
                    fail,
                    context=self,
                )

        def fail(exc: Exception) -> None:
            self._failed(op, cancel, exc)

        self._with_service(start, fail)
        return op

    def _show_code(
        self,
        service: MeetingService,
        op: SignInOperation,
        prompt: DeviceCodePrompt,
        cancel: Cancellation,
    ) -> None:
        self.device_code_ready.emit(prompt)
        self._runner.run(
            lambda: service.finish_device_code(prompt, cancel=cancel),
            lambda account: self._finished(op, account),
            lambda exc: self._failed(op, cancel, exc),
            context=self,
        )

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()

    def _finished(self, op: SignInOperation, account: Account | None) -> None:
        self._end(op)
        if account is None:  # application mode with no configured user: a settings problem
            op.fail(MeettrayError("No account is configured for application mode."))
            return
        op.succeed(account)

    def _failed(self, op: SignInOperation, cancel: Cancellation, exc: Exception) -> None:
        self._end(op)
        error = as_meettray_error(exc)
        # Only the person's own cancel is quiet; a timeout or a refusal is told.
        op.cancelled = isinstance(error, SignInCancelled) and cancel.cancelled
        log.info("sign-in ended: %s", error.message)
        op.fail(error)

    def _end(self, op: SignInOperation) -> None:
        if self.current is op:
            self.current = None
            self._cancel = None
