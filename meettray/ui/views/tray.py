"""The tray icon and its menu.  It renders the app state and sends intents."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QCursor, QGuiApplication
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from meettray.errors import MeettrayError
from meettray.formatting import recent_label
from meettray.meetings import Meeting
from meettray.results import utc_now
from meettray.ui.app_model import intents as i
from meettray.ui.app_model.notices import Level, Notice
from meettray.ui.app_model.state import AppState
from meettray.ui.views.accounts_menu import (
    fill_accounts,
    meet_now_text,
    preset_text,
    sign_in_asked,
)
from meettray.ui.views.icons import tray_icon
from meettray.ui.views.translation import tr
from meettray.ui.views.upcoming_menu import (
    add_upcoming,
    minute_ticks,
    notice_action,
    notice_actions,
    tooltip_line,
)

if TYPE_CHECKING:
    from meettray.config import Preset
    from meettray.platform.notifications import DBusNotifier
    from meettray.platform.tray_click import Reason
    from meettray.ui.app_model.model import AppModel
    from meettray.ui.views.banner import Banner

#: Sends an intent to the app model (``AppModel.dispatch``).
Dispatch = Callable[[i.Intent], object]

log = logging.getLogger(__name__)


def menu_label(meeting: Meeting) -> str:
    """``Subject · Mon 14:05 · ID …9012`` for the Recent menu (ampersands kept literal);
    see :func:`~meettray.formatting.recent_label`."""
    return recent_label(meeting).replace("&", "&&")


def fill_presets(menu: QMenu, state: AppState, dispatch: Dispatch, source: str) -> None:
    """ "Meet now as": one entry per preset, the default one marked."""
    menu.clear()
    menu.setToolTipsVisible(True)
    for preset in state.config.presets:
        action = _add(menu, preset_text(preset, state),
                      partial(dispatch, i.MeetNow(preset=preset.name, source=source)))  # fmt: skip
        action.setToolTip(preset_summary(preset))


def preset_summary(preset: Preset) -> str:
    """What a preset sets, in a line: ``120 min · lobby: organization · Record …: on``."""
    parts = [tr("{minutes} min").format(minutes=preset.duration_minutes)]
    if preset.lobby:
        parts.append(tr("lobby: {who}").format(who=preset.lobby))
    if preset.presenters:
        parts.append(tr("presenters: {who}").format(who=preset.presenters))
    parts += [preset.options.describe(name) for name in preset.options.chosen()]
    return " · ".join(parts)


def fill_recent(menu: QMenu, state: AppState, dispatch: Dispatch) -> None:
    """The Recent menu, as the tray and the no-tray window show it."""
    for action in menu.actions():  # clear() leaves the old submenus alive: free them
        if (submenu := action.menu()) is not None:
            submenu.deleteLater()
    menu.clear()
    menu.setEnabled(bool(state.recent))
    for meeting in state.recent:
        entry = menu.addMenu(menu_label(meeting))
        _add(entry, tr("&Copy link"), partial(dispatch, i.Copy(meeting)))
        _add(entry, tr("Copy link and &details"), partial(dispatch, i.Copy(meeting, details=True)))
        _add(entry, tr("&Open in Teams"), partial(dispatch, i.OpenMeeting(meeting)))


def _add(menu: QMenu, text: str, slot: Callable[[], object]) -> QAction:
    action = menu.addAction(text)
    action.triggered.connect(lambda _checked=False: slot())
    return action


class Tray(QObject):
    """The system tray icon.  Its menu's actions are intents for the windows and the model."""

    schedule_requested = Signal()
    history_requested = Signal()
    settings_requested = Signal()
    sign_in_requested = Signal()
    #: The Accounts submenu's "Sign in to …": the profile's name.
    account_sign_in_requested = Signal(str)
    error_details_requested = Signal(MeettrayError)
    quit_requested = Signal()

    def __init__(
        self,
        model: AppModel,
        parent: QObject | None = None,
        *,
        icon: QSystemTrayIcon | None = None,
    ) -> None:
        """``icon``: one already shown at start-up, to adopt."""
        super().__init__(parent)
        self._dispatch: Dispatch = model.dispatch
        self.state = model.state
        #: Desktop notifications over D-Bus, when a server answers (see use_notifier).
        self.notifier: DBusNotifier | None = None
        #: meettray's own message window where no notification server answers, made at
        #: the first message that needs it.  Never Qt's balloon: on X11 it took the next
        #: click on the icon for a click on the message, and on Wayland it is a D-Bus
        #: call on the GUI thread that froze the tray 25 s where no server answered.
        self.banner: Banner | None = None
        if icon is None:
            icon = QSystemTrayIcon(tray_icon())
        icon.setParent(self)
        self.icon = icon
        self.menu = QMenu()
        self.menu.aboutToShow.connect(self._rebuild)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        #: Whether the no-tray window is shown: its status line shows each notice, so
        #: the banner stays away (one notice on screen, one for a screen reader to say).
        self.window_shows_notices = False
        #: The notice on screen in the banner (a click acts on it).
        self._shown_notice: Notice | None = None
        model.state_changed.connect(self.render)
        model.notify.connect(self.show_notice)
        self._minutes = minute_ticks(self, lambda: self.state, lambda: self.render(self.state))
        self._rebuild()
        self.render(self.state)

    def show(self) -> None:
        self.icon.show()

    # -- state -------------------------------------------------------------------------------

    def render(self, state: AppState) -> None:
        """Show ``state``: the icon, its tooltip, and the open menu's busy entries."""
        self.state = state
        self._attach_menu()  # the click action may have changed
        demo = tr(" (demo)") if state.demo else ""
        if state.busy:
            look, tip = "busy", tr("Creating a meeting…") if state.creating else tr("Signing in…")
        elif (problem := state.problem) is not None:
            look, tip = "error", tr("Last attempt failed: {why}").format(why=problem.message)
        else:
            look = "normal"
            who = state.account.username if state.account else tr("not signed in")
            tip = tr("Click for a new meeting link — {who}").format(who=who)
        if upcoming := tooltip_line(state, utc_now()):
            tip = f"{upcoming} — {tip}"  # first: a host that cuts the title keeps it
        self.icon.setIcon(tray_icon(look))
        # One line: StatusNotifierItem hosts (Plasma, AppIndicator, waybar) show Qt's
        # tooltip as the item's tooltip title, where a line break does not belong.  The
        # item's Title property is not ours to set: Qt answers it (and Id) with the
        # application's name, and a title that changed would change the Id hosts remember
        # the item by; the next meeting is named here instead.
        self.icon.setToolTip(f"meettray{demo}: {tip}")
        if self.menu.isVisible():
            # Not rebuilt under the person's pointer: on X11 clearing an open menu closed
            # it a moment later (seen at start-up, when the account arrives).  What can
            # change while it is open is updated in place; the rest at the next opening.
            self._show_busy()

    def use_notifier(self, notifier: DBusNotifier) -> None:
        """Notify through the desktop's notification server instead of Qt's balloon."""
        self.notifier = notifier
        notifier.clicked.connect(self._notification_clicked)
        notifier.action_invoked.connect(partial(notice_action, dispatch=self._dispatch))

    def _notification_clicked(self, context: object) -> None:
        if isinstance(context, Notice):
            self._act_on(context)

    def _act_on(self, notice: Notice) -> None:
        """A click on a notice: open its meeting, or show its error's details."""
        if notice.meeting is not None:
            self._dispatch(i.OpenMeeting(notice.meeting))
        elif notice.error is not None:
            self.error_details_requested.emit(notice.error)

    def show_notice(self, notice: Notice) -> None:
        """Tell the person, as the notice's level asks (good news may be quiet).  Nothing
        waits for it: the notifier sends on a thread of its own."""
        if not notice.shown(self.state.config.ui.notifications):
            return
        if self.notifier is not None:
            # Sent off the GUI thread; where the server refuses, shown here instead.
            clickable = notice.meeting is not None or notice.error is not None
            self.notifier.notify(
                notice.title,
                notice.text,
                context=notice if clickable else None,
                refused=lambda: self._show_here(notice),
                actions=notice_actions(notice),
            )
            return
        self._show_here(notice)

    def _show_here(self, notice: Notice) -> None:
        if self.window_shows_notices:
            return
        self._shown_notice = notice
        if self.banner is None:
            from meettray.ui.views.banner import Banner

            self.banner = Banner()
            self.banner.clicked.connect(self._message_clicked)
        urgent = notice.level >= Level.WARNING  # a screen reader says it at once
        self.banner.show_message(
            notice.title, notice.text, near=self.icon.geometry(), urgent=urgent
        )

    def _message_clicked(self) -> None:
        if self._shown_notice is not None:
            self._act_on(self._shown_notice)

    # -- clicks ------------------------------------------------------------------------------

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        from meettray.platform.tray_click import reaction

        why = QSystemTrayIcon.ActivationReason
        names: dict[QSystemTrayIcon.ActivationReason, Reason] = {
            why.Trigger: "trigger", why.Context: "context"
        }  # fmt: skip
        react = reaction(
            names.get(reason, "unknown"), self.state.config.ui.click_action, _platform()
        )
        if react == "meet_now":
            self._dispatch(i.MeetNow(source="tray click"))
        elif react == "menu":
            self.popup_menu()

    def _attach_menu(self) -> None:
        """macOS opens an attached menu on every click: attach it only when a click
        should open it (see platform/tray_click.py)."""
        from meettray.platform.tray_click import attach_menu

        attach = attach_menu(_platform(), self.state.config.ui.click_action)
        wanted = self.menu if attach else None
        if self.icon.contextMenu() is not wanted:
            self.icon.setContextMenu(wanted)  # type: ignore[arg-type]  # None detaches it

    def popup_menu(self) -> None:
        self.menu.popup(QCursor.pos())

    # -- menu --------------------------------------------------------------------------------

    def _rebuild(self) -> None:
        state, dispatch = self.state, self._dispatch
        menu = self.menu
        for action in menu.actions():  # clear() leaves the old submenus alive: free them
            if (submenu := action.menu()) is not None:
                submenu.deleteLater()
        menu.clear()
        if state.demo:
            title = menu.addAction(tr("meettray demo — links are not real"))
            title.setEnabled(False)
        add_upcoming(menu, state, dispatch, utc_now())
        self._now_action = _add(menu, meet_now_text(state),
                                lambda: dispatch(i.MeetNow(source="menu")))  # fmt: skip
        self._presets_menu = menu.addMenu(tr("Meet now &as"))
        fill_presets(self._presets_menu, state, dispatch, "menu")
        self._show_busy()
        _add(menu, tr("&Schedule…"), self.schedule_requested.emit)
        fill_recent(menu.addMenu(tr("&Recent")), state, dispatch)
        _add(menu, tr("&History…"), self.history_requested.emit)
        _add(menu, tr("&Join the meeting on the clipboard"), lambda: dispatch(i.JoinClipboard()))
        menu.addSeparator()
        if (problem := state.problem) is not None:
            _add(menu, tr("Last error: &details…"), partial(self._details, problem))
        account = state.account
        if state.several_accounts:  # each profile signed in or out, and the default, there
            accounts = menu.addMenu(tr("Acco&unts"))
            fill_accounts(accounts, state, dispatch)
            accounts.triggered.connect(self._account_chosen)
        else:
            who = menu.addAction(
                tr("Signed in as {user}").format(user=account.username)
                if account
                else tr("Not signed in")
            )
            who.setEnabled(False)
        if state.signing_in:
            _add(menu, tr("&Cancel sign-in"), lambda: dispatch(i.CancelSignIn()))
        elif state.several_accounts:  # in the Accounts submenu
            pass
        elif account is None:
            _add(menu, tr("Sign &in…"), self.sign_in_requested.emit)
        elif state.config.account.mode == "delegated" and not state.demo:
            _add(menu, tr("Sign &out"), lambda: dispatch(i.SignOut()))
        _add(menu, tr("S&ettings…"), self.settings_requested.emit)
        menu.addSeparator()
        _add(menu, tr("&Quit"), self.quit_requested.emit)

    def _show_busy(self) -> None:
        """Meet now and its presets are off while a meeting is being made."""
        creating = self.state.creating
        self._now_action.setEnabled(not creating)
        self._now_action.setText(
            tr("Creating a meeting…") if creating else meet_now_text(self.state)
        )
        self._presets_menu.setEnabled(not creating)

    def _account_chosen(self, action: QAction) -> None:
        if (name := sign_in_asked(action)) is not None:
            self.account_sign_in_requested.emit(name)

    def _details(self, error: MeettrayError) -> None:
        self.error_details_requested.emit(error)


def _platform() -> str:
    return QGuiApplication.platformName()
