"""Windows' end of the single-instance channel, ``_PipeServer`` (Qt's QLocalServer), run
here on QLocalServer's Unix socket: the same Qt class and the same code around it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from pytestqt.qtbot import QtBot

from meettray import ipc
from meettray.ipc import Outcome, Request
from meettray.ui.shell import ipc_server
from meettray.ui.shell.ipc_server import _PipeServer

pytestmark = pytest.mark.posix  # QLocalServer is a named pipe on Windows, not a path


@pytest.fixture
def server(qtbot: QtBot) -> Iterator[_PipeServer]:
    name = ipc.server_name() + "-pipe"
    pipe = _PipeServer(name)
    assert pipe.listen()
    yield pipe
    pipe.close()


def send(name: str, line: bytes, replies: list[bytes], *, wait: bool = True) -> socket.socket:
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(name)
    client.sendall(line)
    if wait:
        threading.Thread(target=lambda: replies.append(client.recv(65536)), daemon=True).start()
    return client


def test_a_request_is_answered(server: _PipeServer, qtbot: QtBot) -> None:
    server.request_received.connect(lambda request, respond: respond(Outcome(ok=True)))
    replies: list[bytes] = []
    client = send(server.name, ipc.encode(Request("ping")), replies)

    qtbot.waitUntil(lambda: bool(replies), timeout=5000)

    assert ipc.decode_outcome(replies[0]).ok
    client.close()


def test_an_answer_after_the_command_left_touches_nothing(
    server: _PipeServer, qtbot: QtBot
) -> None:
    """Was: the answer reached for a QLocalSocket Qt had already deleted (a RuntimeError
    on the GUI thread, after every 'meettray now' interrupted with Ctrl+C)."""
    held: list[Any] = []
    server.request_received.connect(lambda request, respond: held.append(respond))
    client = send(server.name, ipc.encode(Request("now")), [], wait=False)
    qtbot.waitUntil(lambda: bool(held), timeout=5000)

    client.close()  # the command is interrupted while the meeting is being made
    qtbot.waitUntil(lambda: not server._buffers, timeout=5000)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    held[0](Outcome(ok=True))  # the meeting is ready: nobody to tell, and no error


def test_a_request_without_end_is_dropped(server: _PipeServer, qtbot: QtBot) -> None:
    replies: list[bytes] = []
    client = send(server.name, b"x" * (ipc.MAX_MESSAGE + 2), replies)

    qtbot.waitUntil(lambda: bool(replies), timeout=5000)

    assert replies == [b""]  # closed, unanswered
    client.close()


def test_a_connection_that_never_asks_is_closed(
    server: _PipeServer, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on Unix: a program that connects and says nothing holds nothing for long."""
    monkeypatch.setattr(ipc_server, "IDLE_TIMEOUT_MS", 50)
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.connect(server.name)
    closed: list[bytes] = []
    threading.Thread(target=lambda: closed.append(silent.recv(1)), daemon=True).start()

    qtbot.waitUntil(lambda: bool(closed), timeout=5000)

    assert closed == [b""]
    silent.close()
