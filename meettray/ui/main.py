"""The tray app's composition root: builds the service's controller, the tray, the
hotkeys and the socket server from explicit parameters, and owns the process
plumbing (signals, the excepthook, Qt's messages, the cycle collector).

Start-up shows the icon first, with nothing loaded but Qt and the icon: this
module imports only Qt at the top, and everything else (the single-instance
check, settings, logging, history, sign-in, hotkeys) comes on the first turns
of the event loop, with sign-in and the network on a worker thread.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QFileSystemWatcher, QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from meettray.errors import ExitCode
from meettray.ui.icons import icon, tray_icon

if TYPE_CHECKING:
    from meettray.config import Config
    from meettray.ui.app import TrayApp
    from meettray.ui.controller import AppController

log = logging.getLogger(__name__)


def _watch_settings(path: Path | None, controller: AppController) -> QFileSystemWatcher | None:
    """Apply a settings file changed outside the app (by hand, or another meettray)."""
    if path is None:
        return None
    from meettray import paths

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
        from PySide6.QtWidgets import QMessageBox  # 1 MiB of Qt types: load when shown

        QMessageBox.critical(
            None,
            "meettray",
            "meettray hit an unexpected problem and carried on. If something does not work, "
            f"restart meettray.{where}",
        )

    sys.excepthook = hook


def route_qt_messages(setup_log: Callable[[], object] = lambda: None) -> Callable[[], None]:
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
            _replay_qt_messages()
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


#: Qt's messages from before the log was set up; :func:`_replay_qt_messages` logs them.
_HELD_QT_MESSAGES: list[logging.LogRecord] = []


def _replay_qt_messages() -> None:
    while _HELD_QT_MESSAGES:
        record = _HELD_QT_MESSAGES.pop(0)
        logging.getLogger(record.name).handle(record)


def has_display() -> bool:
    """Whether a GUI can start here (Qt would abort without one on Linux)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def show_icon_early() -> QSystemTrayIcon:
    """The tray icon, on screen before anything else is loaded (when a tray is there yet)."""
    early = QSystemTrayIcon(tray_icon())
    early.setToolTip("meettray: starting…")
    if QSystemTrayIcon.isSystemTrayAvailable():
        early.show()
    return early


def run(*, config_path: Path | None, demo: bool = False, verbose: int = 0) -> int:
    """``meettray`` without a command: the tray app, until it quits; its exit status.

    ``config_path`` is ``--config``; ``None`` follows :func:`meettray.paths.config_file`.
    """
    if not has_display():
        print(  # noqa: T201
            "meettray: no desktop session was found (DISPLAY and WAYLAND_DISPLAY are unset), "
            "so the tray app cannot start. The command line works without one: "
            "try 'meettray now'.",
            file=sys.stderr,
        )
        return ExitCode.NO_DESKTOP

    def setup_log() -> None:
        from meettray import logs

        logs.setup(verbose=verbose)

    qt_started = route_qt_messages(setup_log)
    # argv[0] becomes the X11 WM_CLASS instance: "meettray" however we were started.
    app = QApplication.instance() or QApplication(["meettray"])
    assert isinstance(app, QApplication)
    qt_started()
    app.setApplicationName("meettray")
    app.setApplicationDisplayName("meettray")
    app.setDesktopFileName("meettray")
    app.setQuitOnLastWindowClosed(False)
    startup = _Startup(app, show_icon_early(), config_path=config_path, demo=demo, verbose=verbose)
    QTimer.singleShot(0, startup.begin)
    try:
        return int(app.exec())
    finally:
        startup.close()


class _Startup:
    """What comes after the icon, in order, and what is closed at the end."""

    def __init__(
        self,
        app: QApplication,
        early_icon: QSystemTrayIcon,
        *,
        config_path: Path | None,
        demo: bool,
        verbose: int,
    ) -> None:
        self.app = app
        self.early_icon: QSystemTrayIcon | None = early_icon
        self.config_path = config_path
        self.demo = demo
        self.verbose = verbose
        self.controller: AppController | None = None
        self.late: dict[str, Any] = {}

    def begin(self) -> None:
        """The first turn of the event loop: one instance, the log, settings, the tray."""
        from meettray import instance, logs, paths
        from meettray.config import load_config_or_defaults
        from meettray.instance import Request

        answer = instance.ask(Request("show"), demo=self.demo, timeout=5)
        if answer is not None:
            assert self.early_icon is not None
            self.early_icon.hide()
            if not answer.ok:  # a tray of another version, say
                print(f"meettray is already running, but: {answer.message}", file=sys.stderr)  # noqa: T201
                self.app.exit(ExitCode.UNEXPECTED)
            else:
                print("meettray is already running; showing its menu.", file=sys.stderr)  # noqa: T201
                self.app.exit(ExitCode.OK)
            return
        paths.secure_existing_dirs()  # older versions created some folders 0755
        config_path = self.config_path or paths.config_file(demo=self.demo)
        log_file = logs.setup(verbose=self.verbose)
        _replay_qt_messages()
        config, config_problem = load_config_or_defaults(config_path)
        if config_problem:
            log.warning("%s", config_problem)
        for warning in config.warnings:
            log.warning("%s", warning)
        self.app.setWindowIcon(icon())
        install_excepthook(log_file)
        self.late["wakeup"] = quit_on_signals(self.app) if sys.platform != "win32" else None
        collect_garbage_on_gui_thread(self.app)
        self._build(config, config_problem)

    def _build(self, config: Config, config_problem: str | None) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from meettray import instance
        from meettray.platform.autostart import system_autostart
        from meettray.ui.app import TrayApp
        from meettray.ui.clipboard import QtClipboard
        from meettray.ui.controller import AppController
        from meettray.ui.instance_server import InstanceServer
        from meettray.ui.remote import RemoteControl
        from meettray.ui.tasks import TaskRunner

        if self.demo:
            from meettray.demo.runtime import DemoEnvironment

            self.late["demo"] = DemoEnvironment()
        clipboard = self.late["clipboard"] = QtClipboard()
        self.app.aboutToQuit.connect(clipboard.hand_off)
        controller = self.controller = AppController(
            config,
            runner=TaskRunner(),
            clipboard=clipboard,
            open_url=lambda url: QDesktopServices.openUrl(QUrl(url)),
            demo=self.late.get("demo"),
            autostart=None if self.demo else system_autostart(),
        )
        tray_app = self.late["tray_app"] = TrayApp(controller, icon=self.early_icon)
        self.early_icon = None  # the tray owns it now
        # Claim the socket in the same turn as the single-instance check: a second meettray
        # started now finds this one, and 'meettray now' is answered from here on.
        server = self.late["server"] = InstanceServer(instance.server_name(demo=self.demo))
        remote = self.late["remote"] = RemoteControl(tray_app)
        server.request_received.connect(remote.handle_request)
        server.listen()
        controller.start()  # sign-in, Graph connection, history: on a worker thread
        QTimer.singleShot(0, lambda: self._finish(tray_app, controller, config, config_problem))

    def _finish(
        self,
        tray_app: TrayApp,
        controller: AppController,
        config: Config,
        config_problem: str | None,
    ) -> None:
        """The next turn: hotkeys, the settings watcher, notifications."""
        from PySide6.QtGui import QGuiApplication

        from meettray.hotkeys.base import create_backend
        from meettray.ui.app import TRAY_GRACE_MS
        from meettray.ui.hotkey_manager import HotkeyManager

        late = self.late
        remote = late["remote"]
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

    def close(self) -> None:
        late = self.late
        late.pop("wakeup", None)
        late.pop("watcher", None)
        if "server" in late:
            late["server"].close()
        if "hotkeys" in late:
            late["hotkeys"].close()
        if late.get("notifier") is not None:
            late["notifier"].close()
        if self.controller is not None:
            self.controller.shutdown()
        if late.get("demo") is not None:
            late["demo"].stop()
