"""The one way meettray runs work off the GUI thread.

:meth:`TaskRunner.run` hands a callable to a ``QThreadPool`` and delivers its
result, or the exception it raised, to a callback on the GUI thread.  Jobs
take plain arguments and touch no widget.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from meettray.errors import MeettrayError

log = logging.getLogger(__name__)
T = TypeVar("T")


class Pool(Protocol):
    """Where jobs run: a ``QThreadPool``, or a :class:`SerialQueue`."""

    def start(self, runnable: QRunnable, priority: int = 0) -> None: ...

    def waitForDone(self, msecs: int = -1) -> bool: ...


class SerialQueue:
    """One thread of its own and a queue: higher ``priority`` first, in the order asked
    within one priority, one job at a time.

    Not a ``QThreadPool`` of one thread: Qt hands a job to an idle thread at priority 0
    whatever was asked, so the next job of a higher priority overtook it (two
    ``meettray now`` were made in the wrong order).  A daemon thread: a call stuck for
    ever does not keep the process from quitting.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._queue: queue.PriorityQueue[tuple[int, int, QRunnable]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._done = threading.Condition()
        self._pending = 0
        self._thread: threading.Thread | None = None

    def start(self, runnable: QRunnable, priority: int = 0) -> None:
        with self._done:
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
                self._thread.start()
        self._queue.put((-priority, next(self._order), runnable))

    def _serve(self) -> None:
        while True:
            _priority, _order, runnable = self._queue.get()
            try:
                runnable.run()  # a _Job: it catches and delivers what the work raised
            finally:
                with self._done:
                    self._pending -= 1
                    self._done.notify_all()

    def waitForDone(self, msecs: int = -1) -> bool:
        """Until every job asked for has run (``msecs`` at most; -1: for ever)."""
        deadline = None if msecs < 0 else time.monotonic() + msecs / 1000
        with self._done:
            while self._pending:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._done.wait(left)
        return True


class _Job(QRunnable):
    """The work and where its outcome goes: a key and the runner's signal, never a Qt
    object of its own (a worker dropping the last reference to one would free it off
    its thread)."""

    def __init__(self, work: Callable[[], Any], key: int, finished: Any) -> None:
        super().__init__()
        self._work = work
        self._key = key
        self._finished = finished

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:  # delivered to the caller, who decides what to show
            # Ours, or the system's (a file, a socket, D-Bus): the caller says what it means.
            # Anything else is a bug: keep its traceback.
            if not isinstance(exc, (MeettrayError, OSError)):
                log.exception("background task failed")
            self._finished.emit(self._key, None, exc)
        else:
            self._finished.emit(self._key, result, None)
        self._work = _done  # the work's closure is let go of here, not kept with the job


def _done() -> None:
    return None


class TaskRunner(QObject):
    """Runs callables on a thread pool; callbacks run on the GUI thread."""

    #: A job's key and its result (any type) or the exception it raised; emitted on the
    #: worker, delivered on the GUI thread (the runner lives there).
    _finished = Signal(int, object, object)

    def __init__(self, pool: Pool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._keys = itertools.count()
        #: Each job's callbacks and asker, until its outcome is delivered.
        self._waiting: dict[int, tuple[Callable[[Any], None], Callable[[Exception], None],
                                       QObject | None]] = {}  # fmt: skip
        self._finished.connect(self._deliver)

    def run(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None],
        *,
        context: QObject | None = None,
        priority: int = 0,
    ) -> None:
        """Run ``work`` on the pool (on a :class:`SerialQueue`, queued work of a higher
        ``priority`` first); ``on_done`` or ``on_error`` on the GUI thread, unless
        ``context`` (the object whose callbacks they are) was freed meanwhile: then the
        result is dropped, never delivered into a freed object."""
        key = next(self._keys)
        self._waiting[key] = (on_done, on_error, context)
        self._pool.start(_Job(work, key, self._finished), priority)

    def _deliver(self, key: int, result: Any, error: Exception | None) -> None:
        on_done, on_error, context = self._waiting.pop(key)
        if context is not None and not shiboken6.isValid(context):
            log.debug("a result for a freed object dropped")
            return
        if error is not None:
            on_error(error)
        else:
            on_done(result)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every running job has finished (for shutdown and tests)."""
        return bool(self._pool.waitForDone(msecs))


def own_thread_runner(parent: QObject | None = None) -> TaskRunner:
    """A runner with one thread of its own, for work that may hang on someone else (a
    notification server that never answers): it holds up nothing else."""
    pool = QThreadPool(parent)
    pool.setMaxThreadCount(1)
    return TaskRunner(pool, parent)
