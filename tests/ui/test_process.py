"""The tray app's process plumbing: the excepthook, Qt's messages, the cycle collector."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot


@pytest.mark.logs("unexpected error")
def test_uncaught_errors_are_logged_and_shown_not_fatal(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sys

    from PySide6.QtWidgets import QMessageBox

    from meettray.ui.shell.process import install_excepthook

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: shown.append(text))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored afterwards
    install_excepthook("/logs/meettray.log")

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())

    assert "carried on" in shown[0]
    assert "/logs/meettray.log" in shown[0]
    assert any(r.levelname == "CRITICAL" and r.exc_info for r in caplog.records)


def test_qt_messages_from_before_the_log_exists_reach_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The icon is shown before logging is set up; Qt's words then are kept, not lost
    and not printed on the terminal."""
    import logging

    from PySide6.QtCore import qInstallMessageHandler, qWarning

    from meettray.ui.shell import process

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])  # as at start-up: no handler yet
    monkeypatch.setattr(logging, "lastResort", None)
    process.route_qt_messages()
    try:
        qWarning("early words from Qt")
    finally:
        qInstallMessageHandler(None)
    kept: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            kept.append(f"{record.name}: {record.getMessage()}")

    root.addHandler(Keep())
    process.replay_qt_messages()
    assert kept == ["qt: early words from Qt"]


def test_cycles_are_collected_on_the_gui_thread(qtbot: QtBot, qapp: Any) -> None:
    """Garbage made on a worker thread is freed on the GUI thread, where Qt objects live."""
    import gc
    import threading

    from meettray.ui.shell.process import collect_garbage_on_gui_thread

    freed_on: list[str] = []

    class Node:
        def __del__(self) -> None:
            freed_on.append(threading.current_thread().name)

    def make_garbage() -> None:
        for _ in range(5000):
            node = Node()
            node.me = node  # type: ignore[attr-defined]  # a cycle: only the collector frees it

    timer = collect_garbage_on_gui_thread(qapp, interval_ms=10)
    try:
        worker = threading.Thread(target=make_garbage, name="worker")
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: len(freed_on) == 5000, timeout=5000)
    finally:
        timer.stop()
        gc.enable()
    assert set(freed_on) == {threading.main_thread().name}


STUCK_WORKER = """
import logging, sys, threading
from PySide6.QtCore import QRunnable, QThreadPool
from PySide6.QtWidgets import QApplication
from meettray.ui.shell.main import _leave

logging.basicConfig(stream=sys.stderr, level=logging.INFO)
app = QApplication(["meettray"])
never = threading.Event()

class Stuck(QRunnable):
    def run(self):
        never.wait()  # a desktop prompt nobody answers

QThreadPool.globalInstance().start(Stuck())
sys.exit(_leave(5))
"""


def test_a_worker_that_never_returns_does_not_keep_a_quitting_tray_alive() -> None:
    """Qt's thread pool waits for its threads at exit, for ever: after shutdown's own
    waits, the tray leaves with its status and says why."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", STUCK_WORKER], capture_output=True, text=True,
                          timeout=30, env=env, check=False)  # fmt: skip

    assert done.returncode == 5
    assert "a background task did not finish in time: quitting without it" in done.stderr


@pytest.mark.posix
@pytest.mark.parametrize(("signal_name", "status"), [("SIGINT", 130), ("SIGTERM", 0)])
def test_ctrl_c_on_the_tray_exits_130_and_a_stop_0(
    user_dirs: Any, signal_name: str, status: int
) -> None:
    """The README's exit status for Ctrl+C is 130, the tray's too (it was 0)."""
    import os
    import signal
    import subprocess
    import sys

    from ..conftest import wait_for

    log = user_dirs / "state" / "meettray" / "log" / "meettray.log"
    app = subprocess.Popen(
        [sys.executable, "-m", "meettray", "--demo"],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":404"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert wait_for(lambda: log.exists() and "window ready" in log.read_text(), timeout=30)
        app.send_signal(getattr(signal, signal_name))
        assert app.wait(15) == status
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
