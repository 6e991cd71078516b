"""The tray icon and its menu.  It shows the controller's state and emits intents."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QCursor, QGuiApplication
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from meettray.errors import MeettrayError
from meettray.meetings import Meeting
from meettray.plaintext import displayable
from meettray.ui.controller import AppController
from meettray.ui.icons import tray_icon
from meettray.ui.notices import Level, Notice

if TYPE_CHECKING:
    from meettray.config import Preset
    from meettray.platform.notifications import DBusNotifier
    from meettray.platform.tray_click import Reason
    from meettray.ui.banner import Banner

log = logging.getLogger(__name__)


def menu_label(meeting: Meeting) -> str:
    """``Subject · Mon 14:05 · ID …9012`` for the Recent menu (ampersands kept literal).

    The end of the meeting ID tells apart two meetings with one subject made in the
    same minute (the ID is what Teams shows too); without one, the seconds do.
    """
    when = (meeting.start or meeting.created_at).astimezone()
    subject = displayable(meeting.subject) or "(no subject)"
    if len(subject) > 40:
        subject = subject[:39] + "…"
    code = "".join(c for c in meeting.meeting_code if c.isdigit())
    tail = f"ID …{code[-4:]}" if len(code) >= 4 else f"{meeting.created_at.astimezone():%S} s"
    return f"{subject} · {when:%a %H:%M} · {tail}".replace("&", "&&")


def fill_presets(menu: QMenu, controller: AppController, source: str) -> None:
    """ "Meet now as": one entry per preset, the default one marked."""
    menu.clear()
    menu.setToolTipsVisible(True)
    for preset in controller.config.presets:
        label = displayable(preset.label).replace("&", "&&")
        action = _add(menu, label + (" (default)" if preset.default else ""),
                      partial(controller.meet_now, source=source, preset=preset.name))  # fmt: skip
        action.setToolTip(preset_summary(preset))


def preset_summary(preset: Preset) -> str:
    """What a preset sets, in a line: ``120 min · lobby: organization · Record …: on``."""
    parts = [f"{preset.duration_minutes} min"]
    if preset.lobby:
        parts.append(f"lobby: {preset.lobby}")
    if preset.presenters:
        parts.append(f"presenters: {preset.presenters}")
    parts += [preset.options.describe(name) for name in preset.options.chosen()]
    return " · ".join(parts)


def fill_recent(menu: QMenu, controller: AppController) -> None:
    """The Recent menu, as the tray and the no-tray window show it."""
    menu.clear()
    menu.setEnabled(bool(controller.recent))
    for meeting in controller.recent:
        entry = menu.addMenu(menu_label(meeting))
        _add(entry, "Copy link", partial(controller.copy, meeting))
        _add(entry, "Copy link and details", partial(controller.copy, meeting, details=True))
        _add(entry, "Open in Teams", partial(controller.open_meeting, meeting))


def _add(menu: QMenu, text: str, slot: Callable[[], object]) -> QAction:
    action = menu.addAction(text)
    action.triggered.connect(lambda _checked=False: slot())
    return action


class Tray(QObject):
    """The system tray icon.  Its menu's actions are intents for the windows and controller."""

    schedule_requested = Signal()
    history_requested = Signal()
    settings_requested = Signal()
    sign_in_requested = Signal()
    error_details_requested = Signal(MeettrayError)
    quit_requested = Signal()

    def __init__(
        self,
        controller: AppController,
        parent: QObject | None = None,
        *,
        icon: QSystemTrayIcon | None = None,
        own_banner: bool | None = None,
    ) -> None:
        """``icon``: one already shown at start-up, to adopt; ``own_banner``: draw
        messages with :class:`~meettray.ui.banner.Banner` instead of Qt's balloon
        when no notification server answers (default: on X11, where Qt's balloon
        takes the next click on the icon for a click on the message)."""
        super().__init__(parent)
        self.controller = controller
        #: Desktop notifications over D-Bus, when a server answers (see use_notifier).
        self.notifier: DBusNotifier | None = None
        if own_banner is None:
            own_banner = QGuiApplication.platformName() == "xcb"
        self._own_banner = own_banner
        #: meettray's own message window, made at the first message that needs it.
        self.banner: Banner | None = None
        if icon is None:
            icon = QSystemTrayIcon(tray_icon())
        icon.setParent(self)
        self.icon = icon
        self.menu = QMenu()
        self.menu.aboutToShow.connect(self._rebuild)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.icon.messageClicked.connect(self._message_clicked)
        #: The notice on screen in Qt's balloon or the banner (a click acts on it).
        self._shown_notice: Notice | None = None
        controller.state_changed.connect(self._show_state)
        controller.notify.connect(self.show_notice)
        self._rebuild()
        self._show_state()

    def show(self) -> None:
        self.icon.show()

    # -- state -------------------------------------------------------------------------------

    def _show_state(self) -> None:
        self._attach_menu()  # the click action may have changed
        c = self.controller
        demo = " (demo)" if c.demo is not None else ""
        if c.busy:
            state, tip = "busy", "Creating a meeting…" if c.creating else "Signing in…"
        elif c.last_error is not None:
            state, tip = "error", f"Last attempt failed: {c.last_error.message}"
        else:
            state = "normal"
            who = c.account.username if c.account else "not signed in"
            tip = f"Click for a new meeting link — {who}"
        self.icon.setIcon(tray_icon(state))
        # One line: StatusNotifierItem hosts (Plasma, AppIndicator, waybar) show Qt's
        # tooltip as the item's title, where a line break does not belong.
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

    def _notification_clicked(self, context: object) -> None:
        if isinstance(context, Notice):
            self._act_on(context)

    def _act_on(self, notice: Notice) -> None:
        """A click on a notice: open its meeting, or show its error's details."""
        if notice.meeting is not None:
            self.controller.open_meeting(notice.meeting)
        elif notice.error is not None:
            self.error_details_requested.emit(notice.error)

    def show_notice(self, notice: Notice) -> None:
        """Tell the person, as the notice's level asks (good news may be quiet)."""
        if not notice.shown(self.controller.config.ui.notifications):
            return
        if self.notifier is not None:
            # Sent off the GUI thread; where the server refuses, shown here instead.
            clickable = notice.meeting is not None or notice.error is not None
            self.notifier.notify(
                notice.title,
                notice.text,
                context=notice if clickable else None,
                refused=lambda: self._show_here(notice),
            )
            return
        self._show_here(notice)

    def _show_here(self, notice: Notice) -> None:
        self._shown_notice = notice
        if self._own_banner:
            if self.banner is None:
                from meettray.ui.banner import Banner

                self.banner = Banner()
                self.banner.clicked.connect(self._message_clicked)
            self.banner.show_message(notice.title, notice.text, near=self.icon.geometry())
            return
        kind = (
            QSystemTrayIcon.MessageIcon.Warning
            if notice.level >= Level.WARNING
            else QSystemTrayIcon.MessageIcon.Information
        )
        self.icon.showMessage(notice.title, notice.text, kind, 6000)

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
            names.get(reason, "unknown"), self.controller.config.ui.click_action, _platform()
        )
        if react == "meet_now":
            self.controller.meet_now(source="tray click")
        elif react == "menu":
            self.popup_menu()

    def _attach_menu(self) -> None:
        """macOS opens an attached menu on every click: attach it only when a click
        should open it (see platform/tray_click.py)."""
        from meettray.platform.tray_click import attach_menu

        attach = attach_menu(_platform(), self.controller.config.ui.click_action)
        wanted = self.menu if attach else None
        if self.icon.contextMenu() is not wanted:
            self.icon.setContextMenu(wanted)  # type: ignore[arg-type]  # None detaches it

    def popup_menu(self) -> None:
        self.menu.popup(QCursor.pos())

    # -- menu --------------------------------------------------------------------------------

    def _rebuild(self) -> None:
        c = self.controller
        menu = self.menu
        for action in menu.actions():  # clear() leaves the old submenus alive: free them
            if (submenu := action.menu()) is not None:
                submenu.deleteLater()
        menu.clear()
        if c.demo is not None:
            title = menu.addAction("meettray demo — links are not real")
            title.setEnabled(False)
        self._now_action = _add(menu, "Meet now", lambda: c.meet_now(source="menu"))
        self._presets_menu = menu.addMenu("Meet now as")
        fill_presets(self._presets_menu, c, "menu")
        self._show_busy()
        _add(menu, "Schedule…", self.schedule_requested.emit)
        fill_recent(menu.addMenu("Recent"), c)
        _add(menu, "History…", self.history_requested.emit)
        menu.addSeparator()
        if c.last_error is not None:
            _add(menu, "Last error: details…", partial(self._details, c.last_error))
        who = menu.addAction(f"Signed in as {c.account.username}" if c.account else "Not signed in")
        who.setEnabled(False)
        if c.signing_in:
            _add(menu, "Cancel sign-in", c.cancel_sign_in)
        elif c.account is None:
            _add(menu, "Sign in…", self.sign_in_requested.emit)
        elif c.config.account.mode == "delegated" and c.demo is None:
            _add(menu, "Sign out", c.sign_out)
        _add(menu, "Settings…", self.settings_requested.emit)
        menu.addSeparator()
        _add(menu, "Quit", self.quit_requested.emit)

    def _show_busy(self) -> None:
        """Meet now and its presets are off while a meeting is being made."""
        creating = self.controller.creating
        self._now_action.setEnabled(not creating)
        self._now_action.setText("Creating a meeting…" if creating else "Meet now")
        self._presets_menu.setEnabled(not creating)

    def _details(self, error: MeettrayError) -> None:
        self.error_details_requested.emit(error)


def _platform() -> str:
    return QGuiApplication.platformName()
