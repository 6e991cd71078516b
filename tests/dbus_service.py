"""D-Bus services played by the tests (jeepney): a private bus, and a base to serve on it."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jeepney import HeaderFields, MessageType, message_bus
from jeepney.io.blocking import open_dbus_connection


class FakeDBusService:
    """Owns ``name`` on the bus at ``address`` and answers method calls on a thread.

    Subclasses implement :meth:`handle`; every call is recorded in :attr:`calls`.
    """

    def __init__(self, address: str, name: str) -> None:
        self.connection = open_dbus_connection(bus=address)
        self.connection.send_and_get_reply(message_bus.RequestName(name), timeout=5)
        self.calls: list[tuple[str, Any]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                message = self.connection.receive()
            except (OSError, ValueError):
                return
            if message.header.message_type != MessageType.method_call:
                continue
            member = str(message.header.fields.get(HeaderFields.member))
            with self._lock:
                self.calls.append((member, message.body))
            self.handle(member, str(message.header.fields.get(HeaderFields.interface)), message)

    def handle(self, member: str, interface: str, message: Any) -> None:
        raise NotImplementedError

    def send(self, message: Any) -> None:
        self.connection.send(message)


@contextmanager
def private_bus() -> Iterator[str]:
    """A dbus-daemon of our own; yields its address."""
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    try:
        yield address
    finally:
        daemon.terminate()
        daemon.wait(10)
        daemon.stdout.close()
