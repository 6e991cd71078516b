"""Signals from the D-Bus session bus, delivered on the GUI thread (jeepney, no Qt D-Bus).

PySide6's QtDBus cannot marshal some of the types the desktop's services use
from Python; jeepney can.  jeepney is blocking, so a daemon thread reads the
signals and hands each to the GUI thread through a queued Qt signal.  Used by
the portal hotkey backend and the notifier.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal


def subscribe(rules: list[Any], *, address: str = "SESSION") -> Any:
    """A connection of its own subscribed to ``rules``.  Blocking (D-Bus round trips):
    call it off the GUI thread where the bus may be slow."""
    from jeepney import message_bus
    from jeepney.io.blocking import open_dbus_connection

    connection = open_dbus_connection(bus=address)
    try:
        for rule in rules:
            connection.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
    except BaseException:
        connection.close()
        raise
    return connection


class SignalListener(QObject):
    r"""Reads a :func:`subscribe`\ d connection; :attr:`received` per signal."""

    #: A signal's message (a ``jeepney.low_level.Message``), on the GUI thread.  Typed as
    #: object so that importing this module does not load jeepney: the tray imports it
    #: for its notifier even where no session bus exists.
    received = Signal(object)

    def __init__(self, connection: Any, *, name: str = "dbus") -> None:
        super().__init__()
        self._connection = connection
        self._closed = threading.Event()
        threading.Thread(target=self._listen, name=f"{name}-signals", daemon=True).start()

    def _listen(self) -> None:
        while not self._closed.is_set():
            try:
                message = self._connection.receive()
            except (OSError, ValueError):
                return  # connection closed
            self.received.emit(message)

    def close(self) -> None:
        self._closed.set()
        self._connection.close()
