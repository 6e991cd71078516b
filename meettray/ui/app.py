"""The tray app: wires the controller, the tray (or a window), dialogs and the local socket."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon, QWidget

from meettray import instance, paths
from meettray.errors import ExitCode, MeettrayError
from meettray.instance import HotkeyState, Outcome, Request, TrayStatus
from meettray.meetings import Meeting
from meettray.ui.clipboard import QtClipboard
from meettray.ui.controller import AppController
from meettray.ui.icons import icon
from meettray.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from meettray.service import Created
    from meettray.ui.history_window import HistoryWindow
    from meettray.ui.hotkey_manager import HotkeyManager
    from meettray.ui.instance_server import Respond
    from meettray.ui.schedule_dialog import ScheduleDialog
    from meettray.ui.settings_dialog import SettingsDialog
    from meettray.ui.signin_dialog import SignInDialog
    from meettray.ui.windows import FallbackWindow

log = logging.getLogger(__name__)

#: How long to wait for a system tray before showing a window instead.
TRAY_GRACE_MS = 5000
#: How often to look for a tray (it keeps looking after the window is shown).
TRAY_POLL_MS = 250


class TrayApp(QObject):
    """Everything on screen.  Windows are created the first time they are needed."""

    def __init__(
        self,
        controller: AppController,
        *,
        hotkeys: HotkeyManager | None = None,
        tray_grace_ms: int = TRAY_GRACE_MS,
    ) -> None:
        super().__init__()
        self.controller = controller
        self.hotkeys = hotkeys
        self.window: FallbackWindow | None = None
        self.schedule_dialog: ScheduleDialog | None = None
        self.history_window: HistoryWindow | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.sign_in_dialog: SignInDialog | None = None
        self._schedule_ticket = -1
        self._settings_ticket = -1
        from meettray.ui.tray import Tray

        self.tray = Tray(controller)
        self.tray.schedule_requested.connect(self.show_schedule)
        self.tray.history_requested.connect(self.show_history)
        self.tray.settings_requested.connect(self.show_settings)
        self.tray.sign_in_requested.connect(lambda: self.sign_in(device_code=False))
        self.tray.error_details_requested.connect(self.show_error)
        self.tray.quit_requested.connect(self.quit)
        # Panels often start after us at login, and Qt does not dock an icon shown before
        # the tray exists: poll for it, and fall back to a window after a grace period.
        self._tray_shown = False
        self._grace_left = tray_grace_ms
        self._tray_poll = QTimer(self, interval=TRAY_POLL_MS)
        self._tray_poll.timeout.connect(self._check_tray)
        self._tray_poll.start()
        self._check_tray()
        controller.meeting_created.connect(self._created)
        controller.failed.connect(self._failed)
        controller.device_code_ready.connect(self._device_code)
        controller.sign_in_finished.connect(self._sign_in_finished)
        controller.history_changed.connect(self._history_changed)
        controller.state_changed.connect(self._state_changed)
        controller.settings_saved.connect(self._settings_saved)
        controller.sign_in_started.connect(self._show_sign_in_dialog)
        if hotkeys is not None:
            hotkeys.status_changed.connect(self._hotkeys_changed)

    def _check_tray(self) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray_poll.stop()
            self.tray.show()
            self._tray_shown = True
            if self.window is not None:
                self.window.close()
                self.window = None
            log.info("tray ready")
            return
        self._grace_left -= TRAY_POLL_MS
        if self._grace_left < 0 and self.window is None:
            self._show_window()

    def _show_window(self) -> None:
        """No tray: say so plainly and offer the same actions in a window."""
        from meettray.ui.windows import FallbackWindow

        log.warning("no system tray available: showing a window instead")
        c = self.controller
        self.window = FallbackWindow()
        self.window.meet_now_requested.connect(lambda: c.meet_now(source="window"))
        self.window.schedule_requested.connect(self.show_schedule)
        self.window.history_requested.connect(self.show_history)
        self.window.settings_requested.connect(self.show_settings)
        self.window.quit_requested.connect(self.quit)
        c.notify.connect(self._window_status)
        self.window.show()
        log.info("window ready")

    def _window_status(self, title: str, text: str, _meeting: object) -> None:
        if self.window is not None:
            self.window.status.setText(f"{title}\n{text}")

    # -- windows -------------------------------------------------------------------------------

    def show_schedule(self) -> None:
        from meettray.meetings import render_subject
        from meettray.service import utc_now
        from meettray.ui.schedule_dialog import ScheduleDialog

        if self.schedule_dialog is None or self.schedule_dialog.meeting is not None:
            subject = render_subject(self.controller.config.meeting.subject, utc_now())
            dialog = ScheduleDialog(default_subject=subject)
            dialog.create_requested.connect(self._schedule)
            dialog.copy_requested.connect(self.controller.copy)
            dialog.open_requested.connect(self.controller.open_meeting)
            dialog.grant_calendar_requested.connect(self._grant_calendar)
            self.schedule_dialog = dialog
        _raise(self.schedule_dialog)

    def _schedule(self, request: Any) -> None:
        self._schedule_ticket = self.controller.schedule(request)

    def _grant_calendar(self) -> None:
        from meettray.accounts import CALENDAR, MEETINGS

        self.sign_in(device_code=False, scopes=(MEETINGS, CALENDAR))

    def show_history(self) -> None:
        from meettray.ui.history_window import HistoryWindow

        if self.history_window is None:
            c = self.controller
            window = HistoryWindow(lambda: c.service.history if c.service else None)
            window.copy_requested.connect(lambda m, details: c.copy(m, details=details))
            window.open_requested.connect(c.open_meeting)
            window.remove_requested.connect(c.remove_from_history)
            window.cancel_requested.connect(c.cancel_meeting)
            self.history_window = window
        _raise(self.history_window)

    def show_settings(self) -> None:
        from meettray.ui.settings_dialog import SettingsDialog

        c = self.controller
        if self.settings_dialog is None or not self.settings_dialog.isVisible():
            dialog = SettingsDialog(c.config)
            dialog.save_requested.connect(self._save_settings)
            dialog.sign_in_requested.connect(lambda device: self.sign_in(device_code=device))
            dialog.sign_out_requested.connect(c.sign_out)
            self.settings_dialog = dialog
        self.settings_dialog.show_account(c.account, c.cache_status, signing_in=c.signing_in)
        self._hotkeys_changed()
        _raise(self.settings_dialog)

    def _hotkeys_changed(self) -> None:
        if self.hotkeys is not None and self.settings_dialog is not None:
            self.settings_dialog.show_hotkeys(self.hotkeys.describe)

    def _save_settings(self, config: Any) -> None:
        self._settings_ticket = self.controller.save_settings(config)

    def sign_in(self, *, device_code: bool, scopes: Any = None) -> None:
        c = self.controller
        if c.signing_in:
            self._show_sign_in_dialog()
        elif scopes:
            c.sign_in(device_code=device_code, scopes=scopes)
        else:
            c.sign_in(device_code=device_code)

    def show_error(self, error: MeettrayError) -> None:
        from meettray.ui.windows import ErrorDialog

        ErrorDialog(error).exec()

    def quit(self) -> None:
        QApplication.quit()

    # -- controller events -----------------------------------------------------------------------

    def _created(self, ticket: int, meeting: Meeting, warnings: tuple[str, ...]) -> None:
        if self.schedule_dialog is not None and ticket == self._schedule_ticket:
            self.schedule_dialog.show_result(meeting, warnings)

    def _failed(self, ticket: int, error: MeettrayError) -> None:
        if self.schedule_dialog is not None and ticket == self._schedule_ticket:
            self.schedule_dialog.show_error(error)
        elif self.settings_dialog is not None and ticket == self._settings_ticket:
            self.settings_dialog.show_error(error)
        elif self.sign_in_dialog is not None and self.sign_in_dialog.isVisible():
            QMessageBox.warning(self.sign_in_dialog, "Sign-in failed", error.message)

    def _device_code(self, prompt: Any) -> None:
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.show_device_code(prompt)

    def _show_sign_in_dialog(self) -> None:
        """Any sign-in shows its progress, with a Cancel button."""
        from meettray.ui.signin_dialog import SignInDialog

        if self.sign_in_dialog is None:
            self.sign_in_dialog = SignInDialog()
            self.sign_in_dialog.cancel_requested.connect(self.controller.cancel_sign_in)
        _raise(self.sign_in_dialog)

    def _sign_in_finished(self, _account: object) -> None:
        if self.sign_in_dialog is not None and self.sign_in_dialog.isVisible():
            self.sign_in_dialog.finish()
        self.sign_in_dialog = None
        self._state_changed()

    def _state_changed(self) -> None:
        c = self.controller
        if self.settings_dialog is not None and self.settings_dialog.isVisible():
            self.settings_dialog.show_account(c.account, c.cache_status, signing_in=c.signing_in)

    def _history_changed(self) -> None:
        if self.history_window is not None and self.history_window.isVisible():
            self.history_window.refresh()

    def _settings_saved(self) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.accept()

    # -- the local socket -------------------------------------------------------------------------

    def handle_request(self, request: Request, respond: Respond) -> None:
        """A request from another meettray process (see :mod:`meettray.instance`)."""
        if request.command == "ping":
            respond(Outcome(ok=True))
        elif request.command == "show":
            if self.window is not None:
                _raise(self.window)
            elif self._tray_shown:
                self.tray.popup_menu()
            respond(Outcome(ok=True))
        elif request.command == "status":
            respond(Outcome(ok=True, status=self._status()))
        elif request.command == "now":

            def reply(outcome: Created | Exception) -> None:
                respond(_outcome(outcome))

            self.controller.meet_now(source="command line", subject=request.subject, reply=reply)

    def _status(self) -> TrayStatus:
        hotkeys = self.hotkeys
        account = self.controller.account
        return TrayStatus(
            tray=self._tray_shown,
            backend=hotkeys.backend.name if hotkeys else "none",
            hotkeys={
                action: HotkeyState(detail=hotkeys.describe(action), ok=not problem)
                for action, problem in hotkeys.problems.items()
            }
            if hotkeys
            else {},
            account=account.username if account else None,
        )


def _outcome(outcome: Created | Exception) -> Outcome:
    from meettray.service import Created

    if isinstance(outcome, Created):
        return Outcome(
            ok=True,
            meeting=outcome.meeting.as_json(),
            warnings=outcome.warnings,
            copied=True,
        )
    error = outcome if isinstance(outcome, MeettrayError) else MeettrayError(str(outcome))
    return Outcome(
        ok=False,
        message=error.message,
        detail=error.detail,
        request_id=error.request_id,
        exit_code=error.exit_code,
    )


def _raise(widget: QWidget) -> None:
    widget.show()
    widget.raise_()
    widget.activateWindow()


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


def main() -> int:
    """``meettray-tray``: the tray app without a console window (a gui-script on Windows)."""
    from meettray.cli import main as cli_main

    return cli_main(sys.argv[1:])


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


def run(args: argparse.Namespace) -> int:
    """``meettray`` without a command: the tray app."""
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

    demo = bool(args.demo)
    answer = instance.ask(Request("show"), demo=demo, timeout=5)
    if answer is not None:
        if not answer.ok:  # a tray of another version, say
            print(f"meettray is already running, but: {answer.message}", file=sys.stderr)  # noqa: T201
            return ExitCode.UNEXPECTED
        print("meettray is already running; showing its menu.", file=sys.stderr)  # noqa: T201
        return ExitCode.OK
    log_file = logs.setup(verbose=args.verbose)
    qt_started = route_qt_messages()
    config, config_problem = load_config_or_defaults(args.config)
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
        server.request_received.connect(tray_app.handle_request)
        server.listen()
        controller.start()  # sign-in, Graph connection, history: on a worker thread
        QGuiApplication.clipboard().ownsClipboard()  # Qt's X11 clipboard set up before a click
        hotkeys = HotkeyManager(create_backend(QGuiApplication.platformName()), controller)
        log.info("hotkey backend: %s", hotkeys.backend.name)
        tray_app.hotkeys = hotkeys
        hotkeys.status_changed.connect(tray_app._hotkeys_changed)
        hotkeys.apply()
        late["hotkeys"] = hotkeys
        late["watcher"] = _watch_settings(config.path, controller)
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
        controller.shutdown()
        if demo_env is not None:
            demo_env.stop()
