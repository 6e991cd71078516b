"""What the tray app shows: the tray (or a window instead) and the windows it opens.

:class:`TrayApp` coordinates the views: they render the app state and send intents,
which the app model carries out.  Start-up is in :mod:`meettray.ui.shell.main`, answers
to other processes in :mod:`meettray.ui.shell.ipc_handler`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from meettray.accounts import MEETINGS
from meettray.config import MAIN_ACCOUNT
from meettray.errors import MeettrayError
from meettray.ui.app_model import intents as i
from meettray.ui.app_model.jobs import Delivered, Failed, Outcome, SignInJob
from meettray.ui.app_model.model import AppModel
from meettray.ui.app_model.notices import Level, Notice, tr
from meettray.ui.app_model.profiles import whose
from meettray.ui.app_model.state import AppState

if TYPE_CHECKING:
    from meettray.accounts import DeviceCodePrompt
    from meettray.config import Config
    from meettray.meetings import MeetingRequest
    from meettray.platform.notifications import DBusNotifier
    from meettray.ui.views.dialogs import ErrorDialog, FallbackWindow
    from meettray.ui.views.history_window import HistoryWindow
    from meettray.ui.views.reminder_window import ReminderWindow
    from meettray.ui.views.schedule_dialog import ScheduleDialog
    from meettray.ui.views.settings_dialog import SettingsDialog
    from meettray.ui.views.signin_dialog import SignInDialog
    from meettray.upcoming import Upcoming

log = logging.getLogger(__name__)


class Hotkeys(Protocol):
    """What the windows use of the shell's hotkey manager (it lives a layer above)."""

    status_changed: Any  # a Qt signal: the hotkeys' state changed
    problems: dict[str, str]

    def describe(self, action: str) -> str: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...


#: How long to wait for a system tray before showing a window instead (a tray that
#: comes later still takes over: the window then closes).
TRAY_GRACE_MS = 1000
#: How often to look for a tray (it keeps looking after the window is shown).
TRAY_POLL_MS = 250


class TrayApp(QObject):
    """Everything on screen.  Windows are created the first time they are needed."""

    def __init__(
        self,
        model: AppModel,
        *,
        hotkeys: Hotkeys | None = None,
        tray_grace_ms: int = TRAY_GRACE_MS,
        icon: QSystemTrayIcon | None = None,
    ) -> None:
        """``icon``: the tray icon shown at start-up, before the rest was loaded."""
        super().__init__()
        self.model = model
        self.dispatch = model.dispatch
        self.state: AppState = model.state
        self.hotkeys = hotkeys
        self.window: FallbackWindow | None = None
        self.schedule_dialog: ScheduleDialog | None = None
        self.history_window: HistoryWindow | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.sign_in_dialog: SignInDialog | None = None
        #: The error details window on screen (kept here: a window nobody holds is freed).
        self.error_dialog: ErrorDialog | None = None
        from meettray.ui.views.tray import Tray

        self.tray = Tray(model, icon=icon)
        self.tray.schedule_requested.connect(self.show_schedule)
        self.tray.history_requested.connect(self.show_history)
        self.tray.settings_requested.connect(self.show_settings)
        self.tray.sign_in_requested.connect(lambda: self.sign_in(device_code=False))
        # Bound methods, never a lambda holding this object: see accounts_menu.fill_accounts.
        self.tray.account_sign_in_requested.connect(self._sign_in_account)
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
        model.device_code_ready.connect(self._device_code)
        model.state_changed.connect(self._state_changed)
        model.sign_in_started.connect(self._sign_in_started)
        model.window_requested.connect(self._window_requested)
        model.reminder_due.connect(self.show_reminder)
        #: The full-screen reminder on screen (kept here: a window nobody holds is freed).
        self.reminder_window: ReminderWindow | None = None
        if hotkeys is not None:
            hotkeys.status_changed.connect(self._hotkeys_changed)

    def show_reminder(self, item: Upcoming) -> None:
        """The full-screen reminder (``[calendar] full_screen_reminder``); a newer one
        replaces one still on screen."""
        from meettray.results import utc_now
        from meettray.ui.views.reminder_window import ReminderWindow

        if self.reminder_window is not None:
            self.reminder_window.close()
        window = ReminderWindow(item, self.dispatch, utc_now())
        window.closed.connect(lambda: self._reminder_closed(window))
        self.reminder_window = window
        window.present()

    def _reminder_closed(self, window: ReminderWindow) -> None:
        if self.reminder_window is window:
            self.reminder_window = None

    def _check_tray(self) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray_poll.stop()
            self.tray.show()
            self._tray_shown = True
            if self.window is not None:
                self.window.close()
                self.window = None
            self.tray.window_shows_notices = False
            log.info("tray ready")
            return
        self._grace_left -= TRAY_POLL_MS
        if self._grace_left < 0 and self.window is None:
            self._show_window()

    def _show_window(self) -> None:
        """No tray: say so plainly and offer the same actions in a window."""
        from meettray.ui.views.dialogs import FallbackWindow

        log.warning("no system tray available: showing a window instead")
        self.window = FallbackWindow()
        self.tray.window_shows_notices = True
        self.window.meet_now_requested.connect(lambda: self.dispatch(i.MeetNow(source="window")))
        self.window.meet_now_as_requested.connect(
            lambda name: self.dispatch(i.MeetNow(preset=name, source="window"))
        )
        self.window.schedule_requested.connect(self.show_schedule)
        self.window.history_requested.connect(self.show_history)
        self.window.join_clipboard_requested.connect(lambda: self.dispatch(i.JoinClipboard()))
        self.window.settings_requested.connect(self.show_settings)
        self.window.sign_in_requested.connect(lambda: self.sign_in(device_code=False))
        self.window.sign_out_requested.connect(lambda: self.dispatch(i.SignOut()))
        self.window.account_sign_in_requested.connect(self._sign_in_account)
        self.window.error_details_requested.connect(self.show_error)
        self.window.quit_requested.connect(self.quit)
        self.model.notify.connect(self._window_status)
        self._render_window(self.state)
        self.window.show()
        log.info("window ready")

    def _window_status(self, notice: Notice) -> None:
        if self.window is not None:
            self.window.show_status(notice.title, notice.text, urgent=notice.level >= Level.WARNING)

    def _render_window(self, state: AppState) -> None:
        """The no-tray window shows what the tray's menu would: every action."""
        if self.window is None:
            return
        from meettray.ui.views.accounts_menu import fill_accounts, meet_now_text, preset_text
        from meettray.ui.views.tray import fill_recent

        window = self.window
        fill_recent(window.recent, state, self.dispatch)
        presets = state.config.presets
        window.meet_now.setText(meet_now_text(state))
        window.set_presets(presets, [preset_text(preset, state) for preset in presets])
        several = state.several_accounts  # each profile signs in and out in Accounts
        can_sign_in = state.config.account.mode == "delegated" and not state.demo and not several
        window.show_account(state.account is not None, can_sign_in=can_sign_in)
        fill_accounts(window.accounts, state, self.dispatch)
        window.accounts_button.setVisible(several)
        window.show_last_error(state.problem)

    # -- windows -------------------------------------------------------------------------------

    def _window_requested(self, intent: i.OpenSchedule | i.OpenHistory) -> None:
        if isinstance(intent, i.OpenSchedule):
            self.show_schedule(intent)
        else:
            self.show_history()
            assert self.history_window is not None
            self.history_window.search.setText(intent.search)

    def show_schedule(self, prefill: i.OpenSchedule | None = None) -> None:
        """Schedule…; ``prefill``: filled in as a link asked (never sent by itself)."""
        from meettray.ui.views.schedule_dialog import ScheduleDialog

        if self.schedule_dialog is None or self.schedule_dialog.meeting is not None:
            # {date} and {time} are the meeting's, filled from its start (not the click's).
            config = self.state.config
            dialog = ScheduleDialog(subject_template=config.meeting.subject,
                                    presets=config.presets)  # fmt: skip
            dialog.create_requested.connect(self._schedule)
            dialog.copy_requested.connect(lambda meeting: self.dispatch(i.Copy(meeting)))
            dialog.open_requested.connect(lambda meeting: self.dispatch(i.OpenMeeting(meeting)))
            dialog.options_requested.connect(lambda meeting: self.dispatch(i.OpenOptions(meeting)))
            dialog.grant_calendar_requested.connect(self._grant_calendar)
            self.schedule_dialog = dialog
        self.schedule_dialog.prepare()
        if prefill is not None:
            from meettray.ui.views.link_prefill import fill_schedule

            fill_schedule(self.schedule_dialog, prefill)
        _raise(self.schedule_dialog)

    def _schedule(self, request: MeetingRequest) -> None:
        dialog = self.schedule_dialog
        assert dialog is not None  # it asked
        job = self.dispatch(i.Schedule(request))
        assert job is not None  # a Schedule is never ignored

        def settled(outcome: Outcome) -> None:
            if isinstance(outcome, Delivered):
                dialog.show_result(outcome.meeting, outcome.created.warnings)
            else:
                dialog.show_error(job.error or MeettrayError("No meeting was created."))

        job.settled.connect(settled)

    def _grant_calendar(self) -> None:
        from meettray.accounts import CALENDAR, MEETINGS

        self.sign_in(device_code=False, scopes=(MEETINGS, CALENDAR))

    def show_history(self) -> None:
        from meettray.ui.views.history_window import HistoryWindow

        if self.history_window is None:
            d = self.dispatch
            window = HistoryWindow(self.model)
            window.copy_requested.connect(lambda m, details: d(i.Copy(m, details=details)))
            window.open_requested.connect(lambda m: d(i.OpenMeeting(m)))
            window.options_requested.connect(lambda m: d(i.OpenOptions(m)))
            window.remove_requested.connect(lambda m: d(i.Forget(m)))
            window.cancel_requested.connect(lambda m: d(i.Cancel(m)))
            self.history_window = window
        self.history_window.model.show_accounts({a.name: a.label for a in self.state.accounts})
        _raise(self.history_window)

    def show_settings(self) -> None:
        from meettray.ui.views.settings_dialog import SettingsDialog

        state = self.state
        if self.settings_dialog is None or not self.settings_dialog.isVisible():
            dialog = SettingsDialog(state.config)
            dialog.save_requested.connect(self._save_settings)
            # General's account is [account], "main", whichever Meet now uses.
            dialog.sign_in_requested.connect(
                lambda device: self.sign_in(device_code=device, account=MAIN_ACCOUNT)
            )
            dialog.sign_out_requested.connect(lambda: self.dispatch(i.SignOut(MAIN_ACCOUNT)))
            dialog.account_sign_in_requested.connect(self._sign_in_account)
            dialog.account_sign_out_requested.connect(self._sign_out_account)
            dialog.gnome_shortcut_requested.connect(self._add_gnome_shortcut)
            dialog.hotkey_editing.connect(self._hotkey_editing)  # issue 28: grabs pause
            self.settings_dialog = dialog
        self._show_accounts(self.settings_dialog, state)
        self._hotkeys_changed()
        _raise(self.settings_dialog)

    @staticmethod
    def _show_accounts(dialog: SettingsDialog, state: AppState) -> None:
        """General's account ([account], "main") and the Accounts tab's every profile."""
        main = state.account_status(MAIN_ACCOUNT)
        dialog.show_account(main.person if main else state.account, state.cache_status,
                            signing_in=main.signing_in if main else state.signing_in)  # fmt: skip
        dialog.accounts.show_accounts(state.accounts)

    def use_notifier(self, notifier: DBusNotifier) -> None:
        """Desktop notifications over D-Bus (a click opens the meeting)."""
        self.tray.use_notifier(notifier)

    def use_hotkeys(self, hotkeys: Hotkeys) -> None:
        """The global hotkeys, once registered (after the icon is up)."""
        self.hotkeys = hotkeys
        hotkeys.status_changed.connect(self._hotkeys_changed)
        self._hotkeys_changed()

    def _hotkeys_changed(self) -> None:
        if self.hotkeys is not None and self.settings_dialog is not None:
            self.settings_dialog.show_hotkeys(self.hotkeys.describe)
            self.settings_dialog.offer_gnome_shortcut(self._gnome_without_hotkey())

    def _hotkey_editing(self, editing: bool) -> None:
        """A hotkey field has the focus: the global hotkeys let go of their keys meanwhile."""
        if self.hotkeys is not None:
            if editing:
                self.hotkeys.pause()
            else:
                self.hotkeys.resume()

    def _gnome_without_hotkey(self) -> bool:
        """GNOME on Wayland, where the desktop could not bind Meet now (no portal there
        before GNOME 48): its own keyboard settings can."""
        from meettray.platform.gnome_shortcut import is_gnome

        return (
            self.hotkeys is not None
            and bool(self.hotkeys.problems["meet_now"])
            and is_gnome()
            and QApplication.platformName().startswith("wayland")
        )

    def _add_gnome_shortcut(self) -> None:
        dialog = self.settings_dialog
        assert dialog is not None  # it asked
        job = self.dispatch(i.AddGnomeShortcut())
        assert job is not None

        def settled(outcome: Outcome) -> None:
            if isinstance(outcome, Failed):
                dialog.show_error(outcome.error)
            else:
                dialog.gnome_shortcut_added()

        job.settled.connect(settled)

    def _save_settings(self, config: Config) -> None:
        dialog = self.settings_dialog
        assert dialog is not None  # it asked
        job = self.dispatch(i.SaveSettings(config))
        assert job is not None

        def settled(outcome: Outcome) -> None:
            if isinstance(outcome, Failed):
                dialog.show_error(outcome.error)
            else:
                dialog.accept()

        job.settled.connect(settled)

    def sign_in(
        self, *, device_code: bool, scopes: Sequence[str] = (MEETINGS,), account: str | None = None
    ) -> None:
        """Start a sign-in of profile ``account`` (``None``: the default one); one under way
        for it already is brought forward instead."""
        status = self.state.account_status(account or self.state.config.default_account())
        if status.signing_in if status is not None else self.state.signing_in:
            self._show_sign_in_dialog()
            return
        parent = None
        if not device_code and sys.platform == "win32":
            # WAM's dialog belongs to a window of ours (not a console the tray has not got):
            # the sign-in window, shown first, so the broker's dialog comes up over it.
            self._show_sign_in_dialog()
            assert self.sign_in_dialog is not None
            parent = broker_parent(self.sign_in_dialog)
        self.dispatch(i.SignIn(device_code=device_code, scopes=tuple(scopes),
                               parent_window=parent, account=account))  # fmt: skip

    def _sign_in_account(self, name: str) -> None:
        self.sign_in(device_code=False, account=name)

    def _sign_out_account(self, name: str) -> None:
        self.dispatch(i.SignOut(account=name))

    def show_error(self, error: MeettrayError) -> None:
        """The details of a failure, in a window of its own (one at a time, the newest)."""
        from meettray.ui.views.dialogs import ErrorDialog

        if self.error_dialog is not None:
            self.error_dialog.close()
        # Held here until it closes: a window no Python object holds is freed at once,
        # before it is ever shown.
        # Over the window it came from (compositors place a dialog over its parent).
        dialog = self.error_dialog = ErrorDialog(error, QApplication.activeWindow())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._error_dialog_closed(dialog))
        _raise(dialog)  # not modal: the tray goes on answering clicks meanwhile

    def _error_dialog_closed(self, dialog: ErrorDialog) -> None:
        if self.error_dialog is dialog:
            self.error_dialog = None

    def close(self) -> None:
        """Stop looking for a tray and take the icon down (quitting, or a test's end)."""
        self._tray_poll.stop()
        self.tray.icon.hide()
        if self.window is not None:
            self.window.close()
            self.window = None

    def quit(self) -> None:
        QApplication.quit()

    @property
    def in_tray(self) -> bool:
        """Whether the icon is in a system tray (else the fallback window is up)."""
        return self._tray_shown

    def show_yourself(self) -> None:
        """Another ``meettray`` was started: show the window, or the tray's menu."""
        if self.window is not None:
            _raise(self.window)
        elif self._tray_shown:
            self.tray.popup_menu()

    # -- the model's events ------------------------------------------------------------

    def _device_code(self, prompt: DeviceCodePrompt) -> None:
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.show_device_code(prompt)

    def _show_sign_in_dialog(self) -> None:
        from meettray.ui.views.signin_dialog import SignInDialog

        if self.sign_in_dialog is None:
            settings = self.settings_dialog
            parent = settings if settings is not None and settings.isVisible() else None
            self.sign_in_dialog = SignInDialog(parent)
            self.sign_in_dialog.cancel_requested.connect(lambda: self.dispatch(i.CancelSignIn()))
        _raise(self.sign_in_dialog)

    def _sign_in_started(self, job: SignInJob) -> None:
        """Any sign-in shows its progress, with a Cancel button, until it ends."""
        self._show_sign_in_dialog()
        dialog = self.sign_in_dialog

        def settled(_outcome: Outcome) -> None:
            if job.error is None or job.cancelled:
                self._close_sign_in_dialog(dialog)
                if job.error is None and job.account is not None:  # said, for screen readers
                    self._tell(
                        Notice(
                            tr("Signed in") + whose(self.state.config, job.profile),
                            tr("Signed in as {user}").format(user=job.account.username),
                            Level.SUCCESS,
                        )
                    )
            else:  # told, always: a timeout or a refusal is not the person's cancel
                self._sign_in_failed(job.error, whose(self.state.config, job.profile))

        job.settled.connect(settled)

    def _close_sign_in_dialog(self, dialog: SignInDialog | None) -> None:
        if dialog is not None and dialog.isVisible():
            dialog.finish()
        if self.sign_in_dialog is dialog:
            self.sign_in_dialog = None

    def _tell(self, notice: Notice) -> None:
        """A notice of the views' own, where the model's go: the tray, or the window."""
        self.tray.show_notice(notice)
        self._window_status(notice)

    def _sign_in_failed(self, error: MeettrayError, account: str = "") -> None:
        """In the sign-in window when it is open, else as a notification: always told."""
        dialog = self.sign_in_dialog
        if dialog is not None and dialog.isVisible():
            dialog.show_error(error)
            self.sign_in_dialog = None  # the next sign-in gets a fresh window
        else:
            self.tray.show_notice(
                Notice(tr("Sign-in failed") + account, error.message, Level.ERROR, error=error)
            )

    def _state_changed(self, state: AppState) -> None:
        before, self.state = self.state, state
        self._render_window(state)
        if self.settings_dialog is not None and self.settings_dialog.isVisible():
            self._show_accounts(self.settings_dialog, state)
        if self.history_window is not None and state.accounts != before.accounts:
            self.history_window.model.show_accounts({a.name: a.label for a in state.accounts})
        if (
            state.history_version != before.history_version
            and self.history_window is not None
            and self.history_window.isVisible()
        ):
            self.history_window.refresh()


def broker_parent(widget: QWidget, platform: str = sys.platform) -> int | None:
    """The native handle the OS broker's dialog is to belong to: ``widget``'s window on
    Windows (an HWND); elsewhere ``None`` (msal's own default)."""
    if platform != "win32":
        return None
    return int(widget.window().winId())


def _raise(widget: QWidget) -> None:
    widget.show()
    widget.raise_()
    widget.activateWindow()
