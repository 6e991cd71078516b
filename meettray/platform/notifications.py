"""Desktop notifications through ``org.freedesktop.Notifications`` (jeepney, no Qt D-Bus).

Qt's ``QSystemTrayIcon.showMessage`` sends no ``default`` action over D-Bus,
so clicking a "Link copied" notification opened nothing on Plasma, GNOME or
any other notification server, and every message piled up as a new one. This
sends the notification itself: app name and icon set, one notification
replaced by the next, and a ``default`` action (a click on the notification)
reported back through :attr:`DBusNotifier.clicked`. Where no notification
service answers, the tray keeps Qt's balloon.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from PySide6.QtCore import QObject, Signal

from meettray.platform.dbus import SignalListener

log = logging.getLogger(__name__)

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
INTERFACE = "org.freedesktop.Notifications"
#: How long a notification stays, in milliseconds (the server may cap it).
TIMEOUT_MS = 6000


class DBusNotifier(QObject):
    """Sends notifications; :attr:`clicked` fires on the GUI thread when one is clicked."""

    #: The ``context`` given with the notification the person clicked.
    clicked = Signal(object)

    def __init__(self, icon_path: str = "", address: str = "SESSION") -> None:
        super().__init__()
        from jeepney import DBusAddress, MatchRule
        from jeepney.io.blocking import open_dbus_connection

        self._server = DBusAddress(PATH, bus_name=SERVICE, interface=INTERFACE)
        self._icon = icon_path
        self._calls = open_dbus_connection(bus=address)
        self._shown = 0  #: the id of our notification on screen (0: none yet)
        self._context: object = None
        rule = MatchRule(type="signal", interface=INTERFACE, member="ActionInvoked")
        self._signals = SignalListener([rule], address=address, name="notification")
        self._signals.received.connect(self._dispatch)

    @classmethod
    def for_session(cls, icon_path: str = "") -> DBusNotifier | None:
        """A notifier when a notification server answers on the session bus, else ``None``."""
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):  # jeepney needs it: skip loading it
            log.info("no D-Bus session bus for notifications: DBUS_SESSION_BUS_ADDRESS is unset")
            return None
        try:
            notifier = cls(icon_path)
        except (OSError, ValueError, TimeoutError, KeyError) as exc:
            log.info("no D-Bus session bus for notifications: %s", exc)
            return None
        if notifier.available():
            return notifier
        notifier.close()
        return None

    def available(self) -> bool:
        from jeepney import MessageType, new_method_call

        try:
            reply = self._calls.send_and_get_reply(
                new_method_call(self._server, "GetServerInformation"), timeout=5
            )
        except (TimeoutError, OSError):
            return False
        return bool(reply.header.message_type != MessageType.error)

    def notify(self, title: str, text: str, *, context: object = None) -> bool:
        """Show ``title``/``text``, replacing our previous notification.

        ``context`` (e.g. the meeting) is handed back by :attr:`clicked` when the
        person clicks this notification; without one, it has no default action.
        """
        from jeepney import MessageType, new_method_call

        actions = ["default", "Open"] if context is not None else []
        hints = {"desktop-entry": ("s", "meettray"), "urgency": ("y", 1)}
        call = new_method_call(
            self._server,
            "Notify",
            "susssasa{sv}i",
            ("meettray", self._shown, self._icon, title, text, actions, hints, TIMEOUT_MS),
        )
        try:
            reply = self._calls.send_and_get_reply(call, timeout=5)
        except (TimeoutError, OSError) as exc:
            log.warning("the notification server did not answer: %s", exc)
            return False
        if reply.header.message_type == MessageType.error:
            log.warning("the notification server refused: %s", reply.body)
            return False
        self._shown = int(reply.body[0])
        self._context = context
        return True

    def _dispatch(self, message: Any) -> None:
        notification, action = message.body[:2]
        if int(notification) == self._shown and action == "default" and self._context is not None:
            self.clicked.emit(self._context)

    def close(self) -> None:
        self._signals.close()
        self._calls.close()
