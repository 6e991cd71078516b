"""Benchmarks that run inside a Qt process of their own (offscreen), printing JSON.

    python -m bench.inprocess stall CONFIG       row 5: longest event-loop gap, 20 meetings
    python -m bench.inprocess history ROWS REPS  row 6: Recent, search, History window
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def stall(config_path: str) -> dict[str, float]:
    """Row 5: create 20 meetings at once against a slow Graph; measure the worst gap."""
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from meettray.config import load_config
    from meettray.ui.app_model.model import AppModel
    from meettray.ui.app_model.tasks import TaskRunner

    app = QApplication(["bench"])

    from meettray.platform.clipboard import CopyOutcome
    from meettray.ui.shell.main import build_service

    class NoClipboard:
        def copy(self, payload: object, done: Any) -> None:
            done(CopyOutcome(True, "not copied: the benchmark has no clipboard"))

    model = AppModel(
        load_config(Path(config_path)),
        runner=TaskRunner(),
        clipboard=NoClipboard(),
        open_url=lambda url: True,
        service_factory=build_service,
    )
    ready = []
    model.state_changed.connect(lambda state: ready.append(state.service.value == "ready"))
    model.start()
    while not any(ready):
        app.processEvents()
        time.sleep(0.005)
    done: list[object] = []
    clock = QElapsedTimer()
    ticks: list[int] = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(clock.elapsed()))
    clock.start()
    timer.start()
    from meettray.ui.app_model.intents import MeetNow, Origin

    ops = [model.dispatch(MeetNow(origin=Origin.COMMAND, source="bench")) for _ in range(20)]
    for op in ops:  # as 20 'meettray now' at once: queued, each its own outcome
        assert op is not None
        op.settled.connect(done.append)
    while len(done) < 20:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    model.shutdown()
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    failures = sum(1 for op in ops if op is not None and op.error is not None)
    return {"max_gap_ms": max(gaps), "ticks": len(ticks), "failures": failures,
            "seconds": clock.elapsed() / 1000}  # fmt: skip


class _StoreSource:
    """History pages read on a worker thread, as the model reads them."""

    def __init__(self, store: Any) -> None:
        from meettray.ui.app_model.tasks import TaskRunner

        self.store = store
        self.runner = TaskRunner()

    def history_page(self, search: str, offset: int, limit: int, done: Any) -> None:
        from meettray.results import HistoryPage

        def read() -> HistoryPage:
            if offset == 0:
                return HistoryPage(*self.store.first_page(limit, search=search))
            return HistoryPage(self.store.recent(limit, search=search, offset=offset), None)

        self.runner.run(read, done, lambda exc: done(HistoryPage([], None, error=str(exc))))


def _until_loaded(app: Any, model: Any) -> None:
    """Turn the event loop until the model's page has arrived."""
    arrived: list[bool] = []
    model.loaded.connect(lambda: arrived.append(True))
    while not arrived:
        app.processEvents()
        time.sleep(0.0005)
    model.loaded.disconnect()


def history(rows: int, reps: int) -> dict[str, list[float]]:
    """Row 6: Recent menu build, a search, and opening the History window."""
    from PySide6.QtWidgets import QApplication

    from meettray.config import Config
    from meettray.history import HistoryStore
    from meettray.ui.app_model.model import AppModel
    from meettray.ui.app_model.service_owner import RECENT_COUNT
    from meettray.ui.app_model.tasks import TaskRunner
    from meettray.ui.shell.main import build_service
    from meettray.ui.views.history_window import HistoryWindow
    from meettray.ui.views.tray import Tray
    from tests.history_data import fill

    app = QApplication(["bench"])
    path = Path(tempfile.mkdtemp()) / "history.sqlite3"
    fill(path, rows)
    store = HistoryStore(path)
    model = AppModel(
        Config(), runner=TaskRunner(), clipboard=None, open_url=lambda url: True,  # type: ignore[arg-type]
        service_factory=build_service,
    )
    tray = Tray(model)
    source = _StoreSource(store)
    results: dict[str, list[float]] = {"recent": [], "search": [], "window": [],
                                       "typing_stall": []}  # fmt: skip
    for _ in range(reps):
        started = time.perf_counter()
        tray.render(dataclasses.replace(tray.state, recent=tuple(store.recent(RECENT_COUNT))))
        tray.menu.aboutToShow.emit()  # rebuilds the menu, Recent included
        results["recent"].append(time.perf_counter() - started)

        window = HistoryWindow(source)
        started = time.perf_counter()
        window.show()
        _until_loaded(app, window.model)
        results["window"].append(time.perf_counter() - started)
        started = time.perf_counter()
        window.model.reload("incident 9")
        _until_loaded(app, window.model)
        results["search"].append(time.perf_counter() - started)
        results["typing_stall"].append(_typing_stall(app, window, "incident 9"))
        window.close()
        window.deleteLater()
        app.processEvents()
    store.close()
    return results


def _typing_stall(app: Any, window: Any, query: str) -> float:
    """The longest gap between ticks of a 1 ms timer while ``query`` is typed into the
    History window's search field, 5 keys a second (each key outlasts the 150 ms pause
    that starts a search, so every key searches), until the last answer is shown."""
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer
    from PySide6.QtTest import QTest

    window.search.clear()
    window.model.reload("")
    _until_loaded(app, window.model)
    window.search.setFocus()
    clock = QElapsedTimer()
    ticks: list[int] = []
    timer = QTimer(interval=1)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(lambda: ticks.append(clock.nsecsElapsed()))
    for n, letter in enumerate(query):  # the keys arrive through the event loop, as typed
        QTimer.singleShot(200 * (n + 1), lambda c=letter: QTest.keyClick(window.search, c))
    clock.start()
    timer.start()
    shown: list[bool] = []
    window.model.loaded.connect(lambda: shown.append(window.model.search == query))
    while not any(shown):
        app.processEvents()
        time.sleep(0.0002)
    deadline = time.monotonic() + 0.2  # and a moment after the last answer is drawn
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.0002)
    timer.stop()
    window.model.loaded.disconnect()
    return max(b - a for a, b in zip(ticks, ticks[1:], strict=False)) / 1e9


if __name__ == "__main__":
    if sys.argv[1] == "stall":
        print(json.dumps(stall(sys.argv[2])))  # noqa: T201
    else:
        print(json.dumps(history(int(sys.argv[2]), int(sys.argv[3]))))  # noqa: T201
