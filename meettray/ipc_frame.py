"""The local socket's framing: where the tray listens, and one line each way.

Apart from :mod:`meettray.ipc` (the messages, their encoding and checks) so that
``meettray now``'s first stage (:mod:`meettray.entry`) can reach a running tray with
nothing but ``os`` and ``socket`` loaded: both use this module, so there is one
protocol.  Only the standard library's lightest modules are imported here.
"""

from __future__ import annotations

import os
import socket
import sys

TYPE_CHECKING = False  # typing itself is not loaded on this path
if TYPE_CHECKING:
    from collections.abc import Callable

#: Seconds to wait for the tray to accept a connection before doing the work here.
CONNECT_TIMEOUT = 0.5
#: Bumped whenever a message changes shape: an older command and a newer tray (or the
#: reverse, after an upgrade without restarting the tray) then fail with a clear message.
PROTOCOL_VERSION = 2
#: The longest message either end accepts.
MAX_MESSAGE = 64 * 1024
#: The longest answer a command reads (a meeting with long warnings is a few KiB); the
#: tray never sends a longer one (it says the answer was too large instead).
MAX_REPLY = 1024 * 1024


class NoAnswer(OSError):
    """The request reached a tray, but no answer came back: it closed the connection (it
    died) or did not answer in time (it hangs).  For ``now`` the meeting may exist."""


class ProtocolError(ValueError):
    """A message that is not one of ours: malformed, unknown, or another version."""


class NotThisUser(OSError):
    """Another user's program listens where the tray should (nothing was sent to it)."""


def server_name(*, demo: bool = False) -> str:
    """What the tray listens on: a socket path (Unix) or a pipe name (Windows)."""
    suffix = "-demo" if demo else ""
    if sys.platform.startswith("win"):
        import getpass

        from meettray import APP_NAME

        return f"{APP_NAME}-{getpass.getuser()}{suffix}"
    from meettray.lock import runtime_dir

    return os.path.join(runtime_dir(), f"instance{suffix}.sock")


def peer_is_this_user(connection: socket.socket, name: str) -> bool:
    """Whether the process at the other end of a Unix socket runs as this user.

    Linux asks the kernel for the peer's credentials; elsewhere the socket file's
    owner stands in (the folder holding it is the user's alone).
    """
    if sys.platform == "win32":  # pragma: no cover - pipes have per-user ACLs
        return True
    if hasattr(socket, "SO_PEERCRED"):
        import struct

        creds = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        _pid, uid, _gid = struct.unpack("3i", creds)
        return bool(uid == os.getuid())
    return os.stat(name).st_uid == os.getuid()  # pragma: no cover - macOS, BSDs


def exchange(
    name: str,
    payload: bytes,
    *,
    timeout: float,
    interim: Callable[[bytes], bool] | None = None,
) -> bytes | None:
    """Send ``payload`` (one line) to the tray listening at the Unix socket ``name``
    and return its final answer (one line); ``None`` when nothing listens there.

    ``interim`` sees each line first: where it returns true, the line was an answer on
    the way (``now``'s link, before the meeting is as asked) and the next is read.
    Raises :class:`NotThisUser` (nothing was sent), :class:`NoAnswer` (sent, but no
    answer came back) or :class:`ProtocolError` (the answer was too large).
    """
    if sys.platform == "win32":  # pragma: no cover - a named pipe there (ipc.ask_pipe)
        raise OSError("the tray listens on a named pipe on Windows")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(CONNECT_TIMEOUT)
        try:
            connection.connect(name)
        except OSError:
            return None  # nothing listening (or a stale socket file)
        if not peer_is_this_user(connection, name):
            raise NotThisUser(name)
        connection.settimeout(timeout)
        try:
            connection.sendall(payload)
            reply = final_line(Lines(connection.recv), interim)
        except TimeoutError:
            raise NoAnswer(f"the running meettray did not answer within {timeout:.0f} s") from None
        except OSError as exc:  # reset by a tray that died
            raise NoAnswer(f"the running meettray closed the connection ({exc})") from None
    if reply is None:
        raise NoAnswer("the running meettray closed the connection without answering")
    return reply


def final_line(lines: Lines, interim: Callable[[bytes], bool] | None) -> bytes | None:
    """The last answer's line: each line ``interim`` takes for one on the way is skipped
    (without ``interim``, the first line is the answer)."""
    reply = lines.next()
    while reply is not None and interim is not None and interim(reply):
        reply = lines.next()
    return reply


def read_reply(read: Callable[[int], bytes | None]) -> bytes | None:
    """One line, or ``None`` if the other end closed without answering."""
    return Lines(read).next()


class Lines:
    """The lines of an answer, read as they come (a chunk may hold more than one)."""

    def __init__(self, read: Callable[[int], bytes | None]) -> None:
        self._read = read
        self._buffer = bytearray()
        self._ended = False

    def next(self) -> bytes | None:
        """The next line, or ``None`` if the other end closed without sending one."""
        while b"\n" not in self._buffer and not self._ended:
            if len(self._buffer) > MAX_REPLY:
                raise ProtocolError("The running meettray's answer was too large to read.")
            chunk = self._read(65536)
            if not chunk:
                self._ended = True
                break
            self._buffer += chunk
        line, newline, rest = bytes(self._buffer).partition(b"\n")
        self._buffer = bytearray(rest)
        reply = line + newline
        return reply if reply.strip() else None
