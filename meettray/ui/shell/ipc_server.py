"""The tray app's end of :mod:`meettray.ipc`: a user-only local socket.

On Unix it is a plain ``AF_UNIX`` socket watched by ``QSocketNotifier``s, which
keeps QtNetwork (2.8 MiB of an idle tray's memory, measured) out of the
process; on Windows, where Python has no Unix sockets, it is Qt's named pipe
(``QLocalServer``).  Both take one :class:`~meettray.ipc.Request` line per
connection and answer with one :class:`~meettray.ipc.Outcome` line.
"""

from __future__ import annotations

import logging
import os
import socket
import stat
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from meettray.ipc import (
    MAX_MESSAGE,
    MAX_REPLY,
    Outcome,
    ProtocolError,
    Request,
    decode_request,
    encode,
    peer_is_this_user,
)

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalSocket

log = logging.getLogger(__name__)

Respond = Callable[[Outcome], None]
#: How long an answer may take to leave (replies are a few hundred bytes).
SEND_TIMEOUT = 2.0
#: How long a connection may take to send its request before it is closed.
IDLE_TIMEOUT_MS = 10_000
#: At most one log line per this many seconds for failing accepts (at the file limit
#: every turn of the loop fails).
ACCEPT_LOG_EVERY = 60.0


def bounded(outcome: Outcome) -> bytes:
    """The answer as sent: never longer than a command reads."""
    data = encode(outcome)
    if len(data) <= MAX_REPLY:
        return data
    return encode(Outcome(ok=False, message="The answer was too large to send.", exit_code=1))


class _Server(QObject):
    """Receives one request per connection; the handler answers through ``respond``."""

    request_received = Signal(Request, object)  # the request, and a Respond to answer it

    def _received(self, data: bytes, answer: Respond, drop: Callable[[], None]) -> bytes:
        """Handle what a connection sent so far; returns what to keep for later."""
        if b"\n" not in data:
            if len(data) > MAX_MESSAGE:
                drop()
            return data
        try:
            request = decode_request(data.split(b"\n", 1)[0])
        except ProtocolError as exc:
            answer(Outcome(ok=False, message=str(exc)))
            return b""
        self.request_received.emit(request, answer)
        return b""


class _UnixServer(_Server):
    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._socket: socket.socket | None = None
        self._notifier: QSocketNotifier | None = None
        self._inode = 0
        self._connections: dict[socket.socket, tuple[QSocketNotifier, bytearray]] = {}
        self._idle: dict[socket.socket, QTimer] = {}
        self._accept_failures = 0
        self._accept_logged = -ACCEPT_LOG_EVERY

    def listen(self) -> bool:
        """Start listening; a socket file left by a crashed instance is replaced."""
        if sys.platform == "win32":  # InstanceServer is the named pipe there
            raise NotImplementedError
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            try:
                listener.bind(self.name)
            except OSError:
                os.unlink(self.name)  # only called once no instance answered
                listener.bind(self.name)
            os.chmod(self.name, 0o600)  # and the folder is the user's only (0700)
            listener.listen(8)
        except OSError as exc:
            listener.close()
            log.warning("single-instance socket unavailable: %s", exc)
            return False
        listener.setblocking(False)
        self._inode = os.stat(self.name).st_ino
        self._socket = listener
        self._notifier = QSocketNotifier(listener.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._accept)
        return True

    def close(self) -> None:
        for connection in list(self._connections):
            self._forget(connection)
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
            try:  # remove our socket file, not one a newer instance made since
                info = os.stat(self.name)
                if stat.S_ISSOCK(info.st_mode) and info.st_ino == self._inode:
                    os.unlink(self.name)
            except OSError:
                pass

    def _accept(self) -> None:
        assert self._socket is not None
        while True:
            try:
                connection, _address = self._socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                # At the file limit this fails on every turn: log now and then, and let
                # the loop breathe before the next try.
                self._accept_failures += 1
                now = time.monotonic()
                if now - self._accept_logged >= ACCEPT_LOG_EVERY:
                    log.warning("could not accept connections (%d times): %s",
                                self._accept_failures, exc)  # fmt: skip
                    self._accept_logged, self._accept_failures = now, 0
                if self._notifier is not None and self._notifier.isEnabled():
                    self._notifier.setEnabled(False)
                    # One resume pending at a time, cancelled with this server if it is
                    # freed first.
                    QTimer.singleShot(1000, self, self._resume_accepting)
                return
            if not peer_is_this_user(connection, self.name):
                log.warning("refused a connection from another user's program")
                connection.close()
                continue
            connection.setblocking(False)
            notifier = QSocketNotifier(connection.fileno(), QSocketNotifier.Type.Read, self)
            notifier.activated.connect(lambda *_signal, c=connection: self._read(c))
            self._connections[connection] = (notifier, bytearray())
            idle = QTimer(self, singleShot=True, interval=IDLE_TIMEOUT_MS)
            idle.timeout.connect(lambda c=connection: self._forget(c))  # never sent a request
            idle.start()
            self._idle[connection] = idle

    def _resume_accepting(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(True)

    def _read(self, connection: socket.socket) -> None:
        if connection not in self._connections:
            return
        buffer = self._connections[connection][1]
        try:
            chunk = connection.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:  # the other end went away
            self._forget(connection)
            return
        buffer += chunk

        def answer(outcome: Outcome) -> None:
            self._answer(connection, outcome)

        buffer[:] = self._received(bytes(buffer), answer, lambda: self._forget(connection))
        if b"\n" in chunk and (idle := self._idle.pop(connection, None)) is not None:
            idle.stop()  # a request came: its answer may take as long as Graph does
            idle.deleteLater()

    def _answer(self, connection: socket.socket, outcome: Outcome) -> None:
        if connection not in self._connections:
            return  # it hung up while the meeting was being made
        try:
            connection.settimeout(SEND_TIMEOUT)
            connection.sendall(bounded(outcome))
        except OSError as exc:
            log.info("could not answer a request: %s", exc)
            self._forget(connection)
            return
        if outcome.final:  # ``now``'s first answer is followed by its final one
            self._forget(connection)

    def _forget(self, connection: socket.socket) -> None:
        if (idle := self._idle.pop(connection, None)) is not None:
            idle.stop()
            idle.deleteLater()
        entry = self._connections.pop(connection, None)
        if entry is not None:
            entry[0].setEnabled(False)
            entry[0].deleteLater()
        connection.close()


class _PipeServer(_Server):  # Windows' server; tests run it on QLocalServer's Unix socket
    def __init__(self, name: str, parent: QObject | None = None) -> None:
        from PySide6.QtNetwork import QLocalServer

        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        # The pipe's ACL: this user only.
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytes] = {}
        #: Connections that have not sent a request yet.
        self._silent: set[QLocalSocket] = set()

    def listen(self) -> bool:
        from PySide6.QtNetwork import QLocalServer

        if self._server.listen(self.name):
            return True
        QLocalServer.removeServer(self.name)  # only called once no instance answered
        ok = self._server.listen(self.name)
        if not ok:
            log.warning("single-instance socket unavailable: %s", self._server.errorString())
        return ok

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            connection = self._server.nextPendingConnection()
            self._buffers[connection] = b""
            self._silent.add(connection)
            connection.readyRead.connect(lambda c=connection: self._read(c))
            connection.disconnected.connect(lambda c=connection: self._forget(c))
            # Closed if it never sends a request (the timer dies with the connection).
            QTimer.singleShot(IDLE_TIMEOUT_MS, connection, lambda c=connection: self._idle(c))

    def _idle(self, connection: QLocalSocket) -> None:
        if connection in self._silent:
            connection.abort()

    def _forget(self, connection: QLocalSocket) -> None:
        self._silent.discard(connection)
        if self._buffers.pop(connection, None) is not None:
            connection.deleteLater()

    def _read(self, connection: QLocalSocket) -> None:
        from PySide6.QtNetwork import QLocalSocket

        if connection not in self._buffers:
            return  # data that came with the hang-up: the connection is being freed

        def answer(outcome: Outcome) -> None:
            if connection not in self._buffers:
                return  # it hung up while the meeting was being made: Qt freed it
            if connection.state() == QLocalSocket.LocalSocketState.ConnectedState:
                connection.write(bounded(outcome))
                connection.flush()
                if outcome.final:  # ``now``'s first answer is followed by its final one
                    connection.disconnectFromServer()

        data = self._buffers[connection] + bytes(connection.readAll().data())
        if b"\n" in data:
            self._silent.discard(connection)  # its answer may take as long as Graph does
        self._buffers[connection] = self._received(data, answer, connection.abort)


#: The single-instance server for this OS: ``InstanceServer(name)``, then ``listen()``.
InstanceServer: type[_UnixServer] | type[_PipeServer] = (
    _UnixServer if os.name == "posix" else _PipeServer
)
