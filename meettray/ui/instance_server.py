"""The tray app's end of :mod:`meettray.instance`: a user-only local socket."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from meettray.instance import (
    MAX_MESSAGE,
    Outcome,
    ProtocolError,
    Request,
    decode_request,
    encode,
)

log = logging.getLogger(__name__)

Respond = Callable[[Outcome], None]


class InstanceServer(QObject):
    """Receives one :class:`~meettray.instance.Request` per connection; the handler
    answers through ``respond``."""

    request_received = Signal(Request, object)  # the request, and a Respond to answer it

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._server = QLocalServer(self)
        # Unix: the socket file is only accessible to this user; Windows: the pipe's ACL.
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def listen(self) -> bool:
        """Start listening; a socket file left by a crashed instance is replaced."""
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
            connection.readyRead.connect(lambda c=connection: self._read(c))
            connection.disconnected.connect(lambda c=connection: self._forget(c))

    def _forget(self, connection: QLocalSocket) -> None:
        self._buffers.pop(connection, None)
        connection.deleteLater()

    def _read(self, connection: QLocalSocket) -> None:
        data = self._buffers.get(connection, b"") + bytes(connection.readAll().data())
        self._buffers[connection] = data
        if b"\n" not in data:
            if len(data) > MAX_MESSAGE:
                connection.abort()
            return
        try:
            request = decode_request(data.split(b"\n", 1)[0])
        except ProtocolError as exc:
            self._answer(connection, Outcome(ok=False, message=str(exc)))
            return

        def respond(answer: Outcome) -> None:
            self._answer(connection, answer)

        self.request_received.emit(request, respond)

    def _answer(self, connection: QLocalSocket, answer: Outcome) -> None:
        if connection.state() != QLocalSocket.LocalSocketState.ConnectedState:
            return
        connection.write(encode(answer))
        connection.flush()
        connection.disconnectFromServer()
