"""The tray app's process plumbing: signals, the excepthook, Qt's own messages and
Python's cycle collector.  Used by the composition root (:mod:`meettray.ui.shell.main`).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from meettray.errors import ExitCode

log = logging.getLogger(__name__)


def quit_on_signals(app: QApplication) -> object:
    """Quit cleanly on SIGTERM/SIGINT (logout, service managers, Ctrl+C in a terminal).

    Python runs signal handlers only between bytecodes, and Qt's loop runs C++;
    a wake-up socket watched by Qt brings control back at once, without polling.
    """
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: None)  # the wake-up byte does the work
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def woken() -> None:
        numbers = reader.recv(64)  # the wake-up fd carries each signal's number
        log.info("signal received: quitting")
        # Ctrl+C is "interrupted", 130, as for every command (README); SIGTERM is a stop.
        app.exit(128 + signal.SIGINT if signal.SIGINT in numbers else 0)

    notifier.activated.connect(woken)
    return (reader, writer, notifier)  # the caller keeps these alive


def collect_garbage_on_gui_thread(app: QApplication, interval_ms: int = 5000) -> QTimer:
    """Run Python's cycle collector from the event loop instead of wherever it strikes.

    Left automatic, it runs on whichever thread happens to allocate (a worker
    thread in the middle of a sign-in), and a window or timer in a freed cycle
    would be destroyed off the GUI thread, which Qt does not survive.  The same
    thresholds decide when and how deep to collect.
    """
    import gc

    gc.disable()

    def collect() -> None:
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] <= thresholds[0]:
            return
        generation = 2 if counts[2] > thresholds[2] else 1 if counts[1] > thresholds[1] else 0
        gc.collect(generation)

    timer = QTimer(app, interval=interval_ms)
    timer.timeout.connect(collect)
    timer.start()
    return timer


def install_excepthook(log_file: object) -> None:
    """Log any uncaught exception and tell the person, instead of dying."""

    def hook(kind: type[BaseException], value: BaseException, trace: TracebackType | None) -> None:
        log.critical("unexpected error", exc_info=(kind, value, trace))
        if QApplication.instance() is None or issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, trace)
            return
        where = f"\n\nDetails are in {log_file}." if log_file else ""
        from PySide6.QtWidgets import QMessageBox  # 1 MiB of Qt types: load when shown

        QMessageBox.critical(
            None,
            "meettray",
            "meettray hit an unexpected problem and carried on. If something does not work, "
            f"restart meettray.{where}",
        )

    sys.excepthook = hook


#: The tray's answers come from Graph and the identity platform: JSON, which requests
#: reads as UTF-8 without guessing (RFC 8259).  Its guesser, charset_normalizer, cost an
#: idle tray 2.4 MiB (measured) for nothing.
_UNUSED_BY_THE_TRAY = "charset_normalizer"


def leave_out_charset_guessing() -> bool:
    """Keep requests' optional encoding guesser out of the tray's process (before requests
    is imported); whether it is left out.  requests supports running without one (its
    ``apparent_encoding`` is then "utf-8") and says so in a warning, silenced here."""
    import warnings

    if "requests" in sys.modules:
        return _UNUSED_BY_THE_TRAY not in sys.modules or sys.modules[_UNUSED_BY_THE_TRAY] is None
    sys.modules.setdefault(_UNUSED_BY_THE_TRAY, None)  # type: ignore[arg-type]  # import: no
    warnings.filterwarnings(
        "ignore", message="Unable to find acceptable character detection dependency"
    )
    return sys.modules[_UNUSED_BY_THE_TRAY] is None


def now_command(*, demo: bool = False) -> str:
    """'meettray now' as this person can type it: the name they started meettray by, when
    plain 'meettray' is not on their PATH (scripts/run.sh runs it from the checkout)."""
    import shutil

    from meettray.platform.autostart import shell_argument as quote

    started = sys.argv[0] if sys.argv else ""
    if os.path.basename(started) in ("meettray", "meettray.exe"):
        found = shutil.which("meettray")
        same = found is not None and os.path.realpath(found) == os.path.realpath(started)
        name = "meettray" if same else quote(started)
    elif started.endswith("__main__.py"):  # python -m meettray
        name = f"{quote(sys.executable)} -m meettray"
    else:
        name = "meettray"
    return f"{name}{' --demo' if demo else ''} now"


def route_qt_messages(
    setup_log: Callable[[], object] = lambda: None, *, now_hint: str = "meettray now"
) -> Callable[[], None]:
    """Send Qt's own messages to the log; returns the call that marks Qt as started.

    Before that call, a fatal message means Qt found no usable display (a
    ``DISPLAY`` where no X server answers, a dead Wayland socket): Qt would
    abort with advice to reinstall.  meettray says what is wrong instead, and
    exits with ``ExitCode.NO_DESKTOP``.  Messages that come before the log is
    set up (the icon is shown first) are held until it is; a fatal one calls
    ``setup_log`` first, so that Qt's own words reach the log for support.
    """
    from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }
    started = False
    held = _HELD_QT_MESSAGES

    def handler(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        level = levels.get(kind, logging.WARNING)
        if kind == QtMsgType.QtFatalMsg and not logging.getLogger().hasHandlers():
            setup_log()
            replay_qt_messages()
        if logging.getLogger().hasHandlers():
            qt_log.log(level, "%s", message)
        else:
            held.append(qt_log.makeRecord("qt", level, "", 0, "%s", (message,), None))
        if kind == QtMsgType.QtFatalMsg and not started:
            shown = [
                f"{n}={os.environ[n]}" for n in ("WAYLAND_DISPLAY", "DISPLAY") if os.environ.get(n)
            ]
            where = " and ".join(shown) or "the configured display"
            print(  # noqa: T201
                f"meettray: no desktop answers at {where}, so the tray app cannot start. "
                f"The command line works without one: try '{now_hint}'.",
                file=sys.stderr,
            )
            logging.shutdown()
            os._exit(ExitCode.NO_DESKTOP)  # Qt would abort() once this returns

    def mark_started() -> None:
        nonlocal started
        started = True

    qInstallMessageHandler(handler)
    return mark_started


#: Qt's messages from before the log was set up; :func:`_replay_qt_messages` logs them.
_HELD_QT_MESSAGES: list[logging.LogRecord] = []


def replay_qt_messages() -> None:
    while _HELD_QT_MESSAGES:
        record = _HELD_QT_MESSAGES.pop(0)
        logging.getLogger(record.name).handle(record)


def has_display() -> bool:
    """Whether a GUI can start here (Qt would abort without one on Linux)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
