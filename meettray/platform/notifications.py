"""Desktop notifications through ``org.freedesktop.Notifications`` (jeepney, no Qt D-Bus).

Qt's ``QSystemTrayIcon.showMessage`` sends no ``default`` action over D-Bus,
so clicking a "Link copied" notification opened nothing on Plasma, GNOME or
any other notification server, and every message piled up as a new one. This
sends the notification itself: app name and icon set, one notification
replaced by the next, and a ``default`` action (a click on the notification)
reported back through :attr:`DBusNotifier.clicked`. Where no notification
service answers, the tray keeps Qt's balloon.

Every D-Bus call is a blocking round trip (up to 5 s on a hung bus), so
connecting (:func:`connect_notifier`) and each notification run off the GUI
thread; one notification is sent at a time, and only the newest waiting one.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QObject, Signal

from meettray.platform.dbus import BusConnection, BusError, GuiRelay, Subscription

log = logging.getLogger(__name__)

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
INTERFACE = "org.freedesktop.Notifications"
#: How long a notification stays, in milliseconds (the server may cap it).
TIMEOUT_MS = 6000
T = TypeVar("T")


class Runner(Protocol):
    """Runs blocking work off the GUI thread (the tray app's TaskRunner)."""

    def run(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None],
    ) -> None: ...


@dataclass(frozen=True)
class NotifierConnection:
    """A connection to a notification server that answered (see :func:`connect_notifier`)."""

    bus: BusConnection
    #: Where clicks come from: the server's unique name, its ActionInvoked signal.
    clicks: Subscription
    #: The server renders a subset of HTML in the body ("body-markup"): text is escaped.
    markup: bool = False


def _server() -> Any:
    from jeepney import DBusAddress

    return DBusAddress(PATH, bus_name=SERVICE, interface=INTERFACE)


def connect_notifier(address: str = "SESSION") -> NotifierConnection | None:
    """Connect where a notification server answers, else ``None``.  Blocking: call it
    off the GUI thread."""
    if address == "SESSION" and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        # jeepney needs it: skip loading it
        log.info("no D-Bus session bus for notifications: DBUS_SESSION_BUS_ADDRESS is unset")
        return None
    from jeepney import new_method_call

    try:
        bus = BusConnection(address, name="notifications")
    except (OSError, ValueError, TimeoutError, KeyError) as exc:
        log.info("no D-Bus session bus for notifications: %s", exc)
        return None
    try:
        bus.call(new_method_call(_server(), "GetServerInformation"))
        try:
            capabilities = bus.call(new_method_call(_server(), "GetCapabilities"))[0]
            markup = "body-markup" in capabilities
        except BusError:
            markup = True  # a server that will not say is taken to render markup: escaping is safe
        clicks = Subscription(bus.owner(SERVICE), INTERFACE, "ActionInvoked", path=PATH)
        bus.subscribe(clicks)
    except BusError as exc:
        log.info("no notification server answers: %s", exc)
        bus.close()
        return None
    return NotifierConnection(bus, clicks, markup)


#: A notification's own actions: ``(key, label)`` pairs.
Actions = Sequence[tuple[str, str]]


class DBusNotifier(QObject):
    """Sends notifications; :attr:`clicked` fires on the GUI thread when one is clicked."""

    #: The ``context`` given with the notification the person clicked (whatever the
    #: caller passed: the platform layer does not know the tray's types).
    clicked = Signal(object)
    #: One of the notification's own actions (``notify(actions=…)``) was chosen: its
    #: ``context`` and the action's key.
    action_invoked = Signal(object, str)

    def __init__(self, connection: NotifierConnection, runner: Runner, icon_path: str = "") -> None:
        super().__init__()
        self._bus = connection.bus
        self._markup = connection.markup
        self._runner = runner
        self._icon = icon_path
        self._shown = 0  #: the id of our notification on screen (0: none yet)
        self._context: object = None
        self._actions: frozenset[str] = frozenset()  #: the shown one's own actions
        self._sending = False
        self._waiting: tuple[str, str, object, Callable[[], None], Actions] | None = None
        self._relay = GuiRelay(self)
        self._bus.listen(connection.clicks, self._relay.handler(self._dispatch))

    @property
    def shown(self) -> int:
        """The server's id of our notification on screen (0: none yet); a click on it is
        taken once this is known."""
        return self._shown

    def notify(
        self,
        title: str,
        text: str,
        *,
        context: object = None,
        refused: Callable[[], None] = lambda: None,
        actions: Actions = (),
    ) -> None:
        """Show ``title``/``text``, replacing our previous notification.

        ``context`` (e.g. the meeting) is handed back by :attr:`clicked` when the
        person clicks this notification; without one, it has no default action.
        ``refused`` is called (on the GUI thread) when the server did not show it.
        ``actions``: buttons of its own, ``(key, label)``, reported by
        :attr:`action_invoked` with ``context`` (only with a context).
        """
        if self._sending:  # the newest waits; one it replaces is never sent
            if self._waiting is not None:
                log.info("notification %r replaced before it was sent", self._waiting[0])
            self._waiting = (title, text, context, refused, actions)
            return
        self._sending = True
        replaces = self._shown

        def sent(shown: int) -> None:
            log.info("notification %d shown", shown)
            self._shown, self._context = shown, context
            self._actions = frozenset(key for key, _label in actions) if context else frozenset()
            self._next()

        def failed(exc: Exception) -> None:
            log.warning("notification not shown: %s", exc)
            refused()
            self._next()

        self._runner.run(lambda: self._send(title, text, context, replaces, actions), sent,
                         failed)  # fmt: skip

    def _next(self) -> None:
        self._sending = False
        if self._waiting is not None:
            (title, text, context, refused, actions), self._waiting = self._waiting, None
            self.notify(title, text, context=context, refused=refused, actions=actions)

    def _send(
        self, title: str, text: str, context: object, replaces: int, own: Actions = ()
    ) -> int:
        """On a worker thread: the Notify call; the id the server gave it."""
        from jeepney import new_method_call

        actions = ["default", "Open"] if context is not None else []
        if context is not None:
            actions += [part for key, label in own for part in (key, label)]
        # The body is text from outside (subjects, Graph's words): never markup.  The
        # summary is plain text by the specification.
        body = html.escape(text, quote=False) if self._markup else text
        hints = {"desktop-entry": ("s", "meettray"), "urgency": ("y", 1)}
        call = new_method_call(
            _server(),
            "Notify",
            "susssasa{sv}i",
            ("meettray", replaces, self._icon, title, body, actions, hints, TIMEOUT_MS),
        )
        try:
            return int(self._bus.call(call)[0])
        except BusError as exc:
            raise OSError(f"the notification server refused: {exc}") from exc

    def _dispatch(self, message: Any) -> None:
        # Only the server's own ActionInvoked reaches here; still, check its shape.
        if len(message.body) < 2 or not isinstance(message.body[0], int):
            return
        notification, action = message.body[:2]
        if int(notification) != self._shown or self._context is None:
            return
        if action == "default":
            self.clicked.emit(self._context)
        elif action in self._actions:
            self.action_invoked.emit(self._context, action)

    def close(self) -> None:
        self._bus.close()
