"""The tray app's composition root: builds the service's controller, the tray, the
hotkeys and the socket server from explicit parameters, and owns the process
plumbing (signals, the excepthook, Qt's messages, the cycle collector).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from meettray import instance, paths
from meettray.errors import ExitCode
from meettray.instance import Request
from meettray.ui.app import TRAY_GRACE_MS, TrayApp
from meettray.ui.clipboard import QtClipboard
from meettray.ui.controller import AppController
from meettray.ui.icons import icon
from meettray.ui.remote import RemoteControl
from meettray.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


def _watch_settings(path: Path | None, controller: AppController) -> QFileSystemWatcher | None:
    """Apply a settings file changed outside the app (by hand, or another meettray)."""
    if path is None:
        return None
    watcher = QFileSystemWatcher()
    # Editors and save_config() replace the file: watch its folder as well.
    paths.ensure_private_dir(path.parent)
    watcher.addPath(str(path.parent))
    if path.exists():
        watcher.addPath(str(path))
    settle = QTimer(watcher, singleShot=True, interval=300)

    def changed() -> None:
        if path.exists() and str(path) not in watcher.files():
            watcher.addPath(str(path))
        settle.start()

    watcher.directoryChanged.connect(changed)
    watcher.fileChanged.connect(changed)
    settle.timeout.connect(controller.reload_settings)
    return watcher


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
        reader.recv(64)
        log.info("signal received: quitting")
        app.quit()

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
        QMessageBox.critical(
            None,
            "meettray",
            "meettray hit an unexpected problem and carried on. If something does not work, "
            f"restart meettray.{where}",
        )

    sys.excepthook = hook


def route_qt_messages() -> Callable[[], None]:
    """Send Qt's own messages to the log; returns the call that marks Qt as started.

    Before that call, a fatal message means Qt found no usable display (a
    ``DISPLAY`` where no X server answers, a dead Wayland socket): Qt would
    abort with advice to reinstall.  meettray says what is wrong instead, and
    exits with ``ExitCode.NO_DESKTOP``.
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

    def handler(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        qt_log.log(levels.get(kind, logging.WARNING), "%s", message)
        if kind == QtMsgType.QtFatalMsg and not started:
            shown = [
                f"{n}={os.environ[n]}" for n in ("WAYLAND_DISPLAY", "DISPLAY") if os.environ.get(n)
            ]
            where = " and ".join(shown) or "the configured display"
            print(  # noqa: T201
                f"meettray: no desktop answers at {where}, so the tray app cannot start. "
                "The command line works without one: try 'meettray now'.",
                file=sys.stderr,
            )
            logging.shutdown()
            os._exit(ExitCode.NO_DESKTOP)  # Qt would abort() once this returns

    def mark_started() -> None:
        nonlocal started
        started = True

    qInstallMessageHandler(handler)
    return mark_started


def has_display() -> bool:
    """Whether a GUI can start here (Qt would abort without one on Linux)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(*, config_path: Path, demo: bool = False, verbose: int = 0) -> int:
    """``meettray`` without a command: the tray app, until it quits; its exit status."""
    from meettray import logs
    from meettray.config import load_config_or_defaults

    if not has_display():
        print(  # noqa: T201
            "meettray: no desktop session was found (DISPLAY and WAYLAND_DISPLAY are unset), "
            "so the tray app cannot start. The command line works without one: "
            "try 'meettray now'.",
            file=sys.stderr,
        )
        return ExitCode.NO_DESKTOP

    answer = instance.ask(Request("show"), demo=demo, timeout=5)
    if answer is not None:
        if not answer.ok:  # a tray of another version, say
            print(f"meettray is already running, but: {answer.message}", file=sys.stderr)  # noqa: T201
            return ExitCode.UNEXPECTED
        print("meettray is already running; showing its menu.", file=sys.stderr)  # noqa: T201
        return ExitCode.OK
    log_file = logs.setup(verbose=verbose)
    qt_started = route_qt_messages()
    config, config_problem = load_config_or_defaults(config_path)
    if config_problem:
        log.warning("%s", config_problem)
    for warning in config.warnings:
        log.warning("%s", warning)

    # argv[0] becomes the X11 WM_CLASS instance: "meettray" however we were started.
    app = QApplication.instance() or QApplication(["meettray"])
    assert isinstance(app, QApplication)
    qt_started()
    app.setApplicationName("meettray")
    app.setApplicationDisplayName("meettray")
    app.setDesktopFileName("meettray")
    app.setWindowIcon(icon())
    app.setQuitOnLastWindowClosed(False)
    install_excepthook(log_file)
    wakeup = quit_on_signals(app) if sys.platform != "win32" else None
    collect_garbage_on_gui_thread(app)

    from meettray.platform.autostart import system_autostart

    demo_env = None
    if demo:
        from meettray.demo.runtime import DemoEnvironment

        demo_env = DemoEnvironment()
    clipboard = QtClipboard()
    controller = AppController(
        config,
        runner=TaskRunner(),
        clipboard=clipboard,
        open_url=lambda url: QDesktopServices.openUrl(QUrl(url)),
        demo=demo_env,
        autostart=None if demo else system_autostart(),
    )
    # The icon first; everything else on the first turn of the event loop.
    tray_app = TrayApp(controller)
    late: dict[str, Any] = {}

    def finish_starting() -> None:
        from meettray.hotkeys.base import create_backend
        from meettray.ui.hotkey_manager import HotkeyManager
        from meettray.ui.instance_server import InstanceServer

        server = late["server"] = InstanceServer(instance.server_name(demo=demo))
        remote = late["remote"] = RemoteControl(tray_app)
        server.request_received.connect(remote.handle_request)
        server.listen()
        controller.start()  # sign-in, Graph connection, history: on a worker thread
        QGuiApplication.clipboard().ownsClipboard()  # Qt's X11 clipboard set up before a click
        hotkeys = HotkeyManager(create_backend(QGuiApplication.platformName()), controller)
        log.info("hotkey backend: %s", hotkeys.backend.name)
        tray_app.use_hotkeys(hotkeys)
        remote.hotkeys = hotkeys
        hotkeys.apply()
        late["hotkeys"] = hotkeys
        late["watcher"] = _watch_settings(config.path, controller)
        if sys.platform.startswith("linux"):
            from meettray.platform.notifications import DBusNotifier
            from meettray.ui.icons import icon_file

            notifier = late["notifier"] = DBusNotifier.for_session(icon_file())
            if notifier is not None:
                tray_app.use_notifier(notifier)
                log.info("notifications: the desktop's notification server")
        if config_problem:  # once the tray can show it
            QTimer.singleShot(
                TRAY_GRACE_MS // 2,
                lambda: controller.notify.emit("Settings file problem", config_problem, None),
            )

    QTimer.singleShot(0, finish_starting)
    app.aboutToQuit.connect(clipboard.hand_off)
    try:
        return int(app.exec())
    finally:
        del wakeup
        late.pop("watcher", None)
        if "server" in late:
            late["server"].close()
        if "hotkeys" in late:
            late["hotkeys"].close()
        if late.get("notifier") is not None:
            late["notifier"].close()
        controller.shutdown()
        if demo_env is not None:
            demo_env.stop()
