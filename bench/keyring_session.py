"""A Secret Service for row 4: gnome-keyring on a private D-Bus session bus, unlocked
(as a desktop login leaves it), so the tray keeps its tokens in the keyring."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.dbus_service import private_bus


@contextmanager
def keyring_session() -> Iterator[dict[str, str]]:
    """The environment a process needs to reach the keyring (its bus address)."""
    keyring = shutil.which("gnome-keyring-daemon")
    if keyring is None or shutil.which("dbus-daemon") is None:
        raise RuntimeError("gnome-keyring and dbus-daemon are needed: scripts/bootstrap.sh test")
    with tempfile.TemporaryDirectory(prefix="bench-keyring-") as folder, \
            private_bus(activation=False) as address:  # fmt: skip
        home, runtime = Path(folder, "home"), Path(folder, "runtime")
        home.mkdir()
        runtime.mkdir(mode=0o700)
        env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address, "HOME": str(home),
               "XDG_DATA_HOME": str(home / "data"), "XDG_RUNTIME_DIR": str(runtime)}  # fmt: skip
        daemon = subprocess.Popen(  # noqa: S603 - the keyring found on PATH
            [keyring, "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )  # fmt: skip
        assert daemon.stdin is not None
        daemon.stdin.write(b"bench-password")
        daemon.stdin.close()
        try:
            _wait_until_unlocked(address)
            yield {"DBUS_SESSION_BUS_ADDRESS": address}
        finally:
            daemon.terminate()
            daemon.wait(10)


def _wait_until_unlocked(address: str, timeout: float = 15) -> None:
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = open_dbus_connection(address)
            try:
                if not secretstorage.Collection(connection).is_locked():
                    return
            finally:
                connection.close()
        except secretstorage.exceptions.SecretStorageException:
            pass
        time.sleep(0.1)
    raise RuntimeError("gnome-keyring's Secret Service did not come up")
