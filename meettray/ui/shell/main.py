"""The tray app's composition root: builds the app model, the tray, the
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
import time
from pathlib import Path
from typing import TYPE_CHECKING

# First, before PySide6 is imported anywhere else: see its docstring (10 MiB, 0.4 s).
from meettray.ui.shell import pyside_sources  # noqa: F401  # isort: skip

from PySide6.QtCore import QFileSystemWatcher, QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from meettray import lock
from meettray.errors import ExitCode
from meettray.ui.shell.process import (
    collect_garbage_on_gui_thread,
    has_display,
    install_excepthook,
    leave_out_charset_guessing,
    now_command,
    quit_on_signals,
    replay_qt_messages,
    route_qt_messages,
)
from meettray.ui.views.icons import icon, tray_icon

if TYPE_CHECKING:
    from meettray.config import Config
    from meettray.demo.runtime import DemoEnvironment
    from meettray.platform.notifications import DBusNotifier, NotifierConnection
    from meettray.service import MeetingService
    from meettray.ui.app_model.model import AppModel
    from meettray.ui.app_model.tasks import TaskRunner
    from meettray.ui.shell.clipboard import QtClipboard
    from meettray.ui.shell.hotkey_manager import HotkeyManager
    from meettray.ui.shell.ipc_handler import IpcHandler
    from meettray.ui.shell.ipc_server import _PipeServer, _UnixServer
    from meettray.ui.views.app import TrayApp

log = logging.getLogger(__name__)


def _watch_settings(path: Path | None, model: AppModel) -> QFileSystemWatcher | None:
    """Apply a settings file changed outside the app (by hand, or another meettray)."""
    if path is None:
        return None
    from meettray import paths
    from meettray.ui.app_model.intents import ReloadSettings

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
    settle.timeout.connect(lambda: model.dispatch(ReloadSettings()))
    # An edit between start-up's reading and this watch would go unseen: read once more
    # (off the GUI thread; applied only if it differs).
    model.dispatch(ReloadSettings())
    return watcher


def _claim(*, demo: bool) -> lock.InstanceLock | str | int:
    """Become the one tray before anything else starts: the lock, or why there is no
    socket (a reason to tell), or the exit status when another tray runs."""
    try:
        claimed = lock.claim_instance(demo=demo)
    except OSError as exc:  # no private folder (planted by someone else, or a link)
        return f"meettray found no private folder for its socket ({exc})"
    if claimed is not None:
        return claimed
    from meettray import ipc  # only now: a second meettray pays for the protocol

    # Another tray holds the lock: it may still be starting (give it a few seconds to
    # answer), or be quitting (then the lock comes free).
    for _ in range(20):
        try:
            answer = ipc.ask(ipc.Request("show"), demo=demo, timeout=5)
        except ipc.NoAnswer as exc:
            print(f"meettray is already running, but {exc}.", file=sys.stderr)  # noqa: T201
            return int(ExitCode.UNEXPECTED)
        if answer is not None:
            if not answer.ok:  # a tray of another version, say
                print(f"meettray is already running, but: {answer.message}", file=sys.stderr)  # noqa: T201
                return int(ExitCode.UNEXPECTED)
            print("meettray is already running; showing its menu.", file=sys.stderr)  # noqa: T201
            return int(ExitCode.OK)
        time.sleep(0.25)
        if (claimed := lock.claim_instance(demo=demo)) is not None:
            return claimed  # the other one has quit meanwhile
    print("meettray is already starting.", file=sys.stderr)  # noqa: T201
    return int(ExitCode.OK)


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
            f"try '{now_command(demo=demo)}'.",
            file=sys.stderr,
        )
        return ExitCode.NO_DESKTOP

    leave_out_charset_guessing()  # before anything imports requests
    claim = _claim(demo=demo)
    if isinstance(claim, int):  # another tray runs: it was asked to show itself
        return claim

    def setup_log() -> None:
        from meettray import logs

        logs.setup(verbose=verbose)

    qt_started = route_qt_messages(setup_log, now_hint=now_command(demo=demo))
    # argv[0] becomes the X11 WM_CLASS instance: "meettray" however we were started.
    app = QApplication.instance() or QApplication(["meettray"])
    assert isinstance(app, QApplication)
    qt_started()
    app.setApplicationName("meettray")
    app.setApplicationDisplayName("meettray")
    app.setDesktopFileName("meettray")
    app.setQuitOnLastWindowClosed(False)
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        from meettray.platform.dock import keep_out_of_the_dock

        keep_out_of_the_dock()  # a pip-installed tray: no Dock icon, as the .app has
    early_icon = show_icon_early()  # its "starting" tooltip has no words to translate
    from meettray.i18n import catalog
    from meettray.ui.views.translation import install as speak

    # LANGUAGE/LC_ALL/LANG: words, dates, and RTL mirroring, before any menu or window
    # (reading the catalog took 58 ms: after the icon, python -X importtime).
    speak(app, catalog())
    startup = _Startup(app, early_icon, config_path=config_path, demo=demo, verbose=verbose)
    startup.claim = claim
    QTimer.singleShot(0, startup.begin)
    try:
        status = int(app.exec())
    finally:
        startup.close()
    return _leave(status)


def _leave(status: int) -> int:
    """The exit status; a worker still stuck in a call that never returns (a desktop
    prompt nobody answers) must not keep a quitting tray alive: at exit, Qt's thread
    pool would wait for it for ever.  The waits in shutdown came first."""
    from PySide6.QtCore import QThreadPool

    if QThreadPool.globalInstance().activeThreadCount():
        log.warning("a background task did not finish in time: quitting without it")
        logging.shutdown()
        os._exit(status)
    return status


def build_service(config: Config, **options: object) -> MeetingService:
    """The model's service factory.  It runs on the service's own thread: the network stack
    (msal, requests) is imported there, after the icon is up, never by the views."""
    from meettray.service import build_service as build

    return build(config, **options)  # type: ignore[arg-type]


class _Parts:
    """What start-up made, for :meth:`_Startup.close` to take down in order.  A plain
    class: this module is loaded before the icon shows, and dataclasses (with inspect)
    took 30 ms of that (python -X importtime)."""

    def __init__(
        self,
        *,
        runner: TaskRunner,
        clipboard: QtClipboard,
        model: AppModel,
        tray_app: TrayApp,
        server: _UnixServer | _PipeServer | None,
        remote: IpcHandler,
        demo: DemoEnvironment | None,
    ) -> None:
        self.runner = runner
        self.clipboard = clipboard
        self.model = model
        self.tray_app = tray_app
        self.server = server
        self.remote = remote
        self.demo = demo
        self.wakeup: object = None
        self.hotkeys: HotkeyManager | None = None
        self.settings_watcher: QFileSystemWatcher | None = None
        self.notifier: DBusNotifier | None = None


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
        self.parts: _Parts | None = None
        #: The single-instance lock, or why there is no socket for other processes.
        self.claim: lock.InstanceLock | str = ""

    def begin(self) -> None:
        """The first turn of the event loop; a tray that cannot start quits (exit 1) and
        lets go of its lock, never hangs holding it with no window and no socket."""
        try:
            self._begin()
        except Exception:
            log.exception("the tray app could not start")
            print("meettray: the tray app could not start (details in the log).",  # noqa: T201
                  file=sys.stderr)  # fmt: skip
            self.release_claim()
            self.app.exit(int(ExitCode.UNEXPECTED))

    def release_claim(self) -> None:
        if isinstance(self.claim, lock.InstanceLock):
            self.claim.release()

    def _begin(self) -> None:
        """One instance, the log, settings, the tray."""
        from meettray import logs, paths
        from meettray.config import load_config_or_defaults

        paths.secure_existing_files()  # older versions left some folders 0755, files 0644
        config_path = self.config_path or paths.config_file(demo=self.demo)
        log_file = logs.setup(verbose=self.verbose)
        replay_qt_messages()
        config, config_problem = load_config_or_defaults(config_path)
        if config_problem:
            log.warning("%s", config_problem)
        for warning in config.warnings:
            log.warning("%s", warning)
        self.app.setWindowIcon(icon())
        install_excepthook(log_file)
        wakeup = quit_on_signals(self.app) if sys.platform != "win32" else None
        collect_garbage_on_gui_thread(self.app)
        parts = self.parts = self._build(config)
        parts.wakeup = wakeup
        QTimer.singleShot(0, lambda: self._finish(parts, config, config_problem))

    def _build(self, config: Config) -> _Parts:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from meettray import ipc
        from meettray.platform.autostart import system_autostart
        from meettray.ui.app_model.model import AppModel
        from meettray.ui.app_model.tasks import TaskRunner
        from meettray.ui.shell.clipboard import QtClipboard
        from meettray.ui.shell.ipc_handler import IpcHandler
        from meettray.ui.shell.ipc_server import InstanceServer
        from meettray.ui.views.app import TrayApp

        demo: DemoEnvironment | None = None
        if self.demo:
            from meettray.demo.runtime import DemoEnvironment

            demo = DemoEnvironment()
        runner = TaskRunner()
        clipboard = QtClipboard(runner)
        self.app.aboutToQuit.connect(clipboard.hand_off)
        model = AppModel(
            config,
            runner=runner,
            clipboard=clipboard,
            clipboard_reader=clipboard,
            open_url=lambda url: QDesktopServices.openUrl(QUrl(url)),
            service_factory=build_service,
            demo=demo,
            autostart=None if self.demo else system_autostart(),
            now_command=now_command(demo=demo is not None),
        )
        tray_app = TrayApp(model, icon=self.early_icon)
        self.early_icon = None  # the tray owns it now
        # The lock is held (run() took it before the icon): the socket is this tray's, and
        # 'meettray now' is answered from here on.
        remote = IpcHandler(model, tray_app)
        server = None
        if isinstance(self.claim, lock.InstanceLock):
            server = InstanceServer(ipc.server_name(demo=self.demo))
            server.request_received.connect(remote.handle_request)
            server.listen()
        else:
            log.warning("%s", self.claim)
        if sys.platform == "darwin":  # links come as Apple Events there (CFBundleURLTypes)
            from meettray.ui.app_model.intents import FollowLink
            from meettray.ui.shell.url_events import LinkEvents

            LinkEvents(self.app, lambda link: model.dispatch(FollowLink(link)))
        model.start()  # sign-in, Graph connection, history: on the service's own thread
        return _Parts(runner=runner, clipboard=clipboard, model=model, tray_app=tray_app,
                      server=server, remote=remote, demo=demo)  # fmt: skip

    def _finish(self, parts: _Parts, config: Config, config_problem: str | None) -> None:
        """The next turn: hotkeys, the settings watcher, notifications."""
        from PySide6.QtGui import QGuiApplication

        from meettray.hotkeys.base import create_backend
        from meettray.ui.app_model.notices import Level, Notice
        from meettray.ui.shell.hotkey_manager import HotkeyManager
        from meettray.ui.views.app import TRAY_GRACE_MS

        model, tray_app = parts.model, parts.tray_app
        QGuiApplication.clipboard().ownsClipboard()  # Qt's X11 clipboard set up before a click
        hotkeys = parts.hotkeys = HotkeyManager(
            create_backend(QGuiApplication.platformName()), model
        )
        log.info("hotkey backend: %s", hotkeys.backend.name)
        tray_app.use_hotkeys(hotkeys)
        parts.remote.hotkeys = hotkeys
        parts.settings_watcher = _watch_settings(config.path, model)
        hotkeys.apply()
        if sys.platform.startswith("linux"):
            from meettray.platform.notifications import connect_notifier

            parts.runner.run(
                connect_notifier,
                lambda connection: self._use_notifier(parts, connection),
                lambda exc: log.info("no notification server: %s", exc),
            )
        if config_problem:  # once the tray can show it
            problem = Notice("Settings file problem", config_problem, Level.WARNING)
            QTimer.singleShot(TRAY_GRACE_MS // 2, model, lambda: model.notify.emit(problem))
        if isinstance(self.claim, str) and self.claim:
            no_socket = Notice(
                "meettray now will not reach this tray",
                f"{self.claim}. The tray works; 'meettray now' makes meetings by itself.",
                Level.WARNING,
            )
            QTimer.singleShot(TRAY_GRACE_MS // 2, model, lambda: model.notify.emit(no_socket))

    def _use_notifier(self, parts: _Parts, connection: NotifierConnection | None) -> None:
        if connection is None:
            return
        from meettray.platform.notifications import DBusNotifier
        from meettray.ui.app_model.tasks import own_thread_runner
        from meettray.ui.views.icons import icon_file

        # A thread of its own: a notification server that never answers holds up no other
        # work (each call gives up after the bus's timeout).
        runner = own_thread_runner(self.app)
        parts.notifier = DBusNotifier(connection, runner, icon_file())
        parts.tray_app.use_notifier(parts.notifier)
        log.info("notifications: the desktop's notification server")

    def close(self) -> None:
        parts = self.parts
        if parts is None:
            self.release_claim()
            return
        parts.wakeup = None
        parts.settings_watcher = None
        if parts.server is not None:
            parts.server.close()
        if isinstance(self.claim, lock.InstanceLock):
            self.claim.release()
        if parts.hotkeys is not None:
            parts.hotkeys.close()
        if parts.notifier is not None:
            parts.notifier.close()
        parts.model.shutdown()
        if parts.demo is not None:
            parts.demo.stop()
