"""D-Bus services played by the tests (jeepney): a private bus, and a base to serve on it."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
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


# A session bus that starts no services on demand: a test's own daemon is the
# only one that can answer, never one the system's service files would launch.
_NO_ACTIVATION = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@contextmanager
def private_bus(*, activation: bool = True) -> Iterator[str]:
    """A dbus-daemon of our own; yields its address.

    With ``activation=False`` the bus launches nothing by name: a call to a
    name nobody owns yet fails at once instead of starting the system's copy.
    """
    with tempfile.TemporaryDirectory() as folder:
        config = ["--session"]
        if not activation:
            path = Path(folder, "session.conf")
            path.write_text(_NO_ACTIVATION)
            config = [f"--config-file={path}"]
        # A process group of its own: what it activates (xdg-desktop-portal and its
        # backends) goes with it.  Left running, they held the test run's output open.
        daemon = subprocess.Popen(
            ["dbus-daemon", *config, "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert daemon.stdout is not None
        address = daemon.stdout.readline().strip()
        try:
            yield address
        finally:
            daemon.terminate()
            daemon.wait(10)
            daemon.stdout.close()
            with suppress(ProcessLookupError):
                os.killpg(daemon.pid, signal.SIGTERM)
