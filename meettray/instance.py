"""Talking to a running meettray tray app, without Qt.

The tray app listens on a local socket (``QLocalServer``): a Unix socket in
a user-only folder of the runtime directory, or a named pipe on Windows.  A
second ``meettray`` asks it to show itself; ``meettray now`` asks it to create
the meeting, so the link lands on a long-lived process's clipboard and in the
same history.  Messages are one JSON object per line each way.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import platformdirs

from meettray import APP_NAME

#: Seconds to wait for the tray to accept a connection before doing the work here.
CONNECT_TIMEOUT = 0.5


def server_name(*, demo: bool = False) -> str:
    """What the tray listens on: a socket path (Unix) or a pipe name (Windows)."""
    suffix = "-demo" if demo else ""
    if sys.platform.startswith("win"):
        return f"{APP_NAME}-{getpass.getuser()}{suffix}"
    return str(_runtime_dir() / f"instance{suffix}.sock")


def _runtime_dir() -> Path:
    """A folder only this user can use, for the socket.

    ``$XDG_RUNTIME_DIR/meettray`` when that folder is private, as the XDG spec
    requires; else (ssh sessions, containers, root shells) ``meettray-<uid>`` in
    the temporary folder.  platformdirs would fall back too, but with a warning
    printed on every command.
    """
    import tempfile

    candidates = []
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        candidates.append(Path(platformdirs.user_runtime_dir(APP_NAME, appauthor=False)))
    xdg = os.environ.get("XDG_RUNTIME_DIR", "")
    if xdg and _is_private(Path(xdg)):
        candidates.append(Path(xdg) / APP_NAME)
    candidates.append(Path(tempfile.gettempdir()) / f"{APP_NAME}-{os.getuid()}")
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if _is_private(folder, tighten=True):
                return folder
        except OSError:
            continue
    raise OSError("no private runtime folder for the meettray socket")


def _is_private(folder: Path, *, tighten: bool = False) -> bool:
    """A real folder (not a link) of this user's, readable by nobody else."""
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return False
    if info.st_mode & 0o077:
        if not tighten:
            return False
        os.chmod(folder, 0o700)
    return True


def ask(request: dict[str, Any], *, demo: bool = False, timeout: float = 120) -> Any:
    """Send ``request`` to the running tray; its answer, or ``None`` if none runs."""
    payload = (json.dumps(request) + "\n").encode()
    try:
        name = server_name(demo=demo)
    except OSError:
        return None
    if sys.platform.startswith("win"):  # pragma: no cover - exercised on Windows only
        return _ask_pipe(name, payload)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(CONNECT_TIMEOUT)
        try:
            connection.connect(name)
        except OSError:
            return None  # nothing listening (or a stale socket file)
        connection.settimeout(timeout)
        connection.sendall(payload)
        return _read_reply(connection.recv)


def _ask_pipe(name: str, payload: bytes) -> Any:  # pragma: no cover - Windows only
    try:
        with open(rf"\\.\pipe\{name}", "r+b", buffering=0) as pipe:
            pipe.write(payload)
            return _read_reply(pipe.read)
    except OSError:
        return None


def _read_reply(read: Callable[[int], bytes | None]) -> Any:
    """One JSON line, or ``None`` if the other end closed without answering."""
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = read(65536)
        if not chunk:
            break
        reply += chunk
    return json.loads(reply) if reply.strip() else None
