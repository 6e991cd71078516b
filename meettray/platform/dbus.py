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


class SignalListener(QObject):
    """Subscribes to ``rules`` on a connection of its own; :attr:`received` per signal."""

    #: A jeepney message, on the GUI thread.
    received = Signal(object)

    def __init__(self, rules: list[Any], *, address: str = "SESSION", name: str = "dbus") -> None:
        super().__init__()
        from jeepney import message_bus
        from jeepney.io.blocking import open_dbus_connection

        self._connection = open_dbus_connection(bus=address)
        for rule in rules:
            self._connection.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
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
