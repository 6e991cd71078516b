"""The single-instance socket: same user only, and 'meettray now' through a running tray."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from meettray import instance
from meettray.ui.instance_server import InstanceServer

pytestmark = pytest.mark.posix  # file modes, Unix sockets, signals


def ask_in_thread(request: dict[str, Any], results: list[Any]) -> threading.Thread:
    thread = threading.Thread(target=lambda: results.append(instance.ask(request, timeout=10)))
    thread.start()
    return thread


def test_nobody_listening_means_none() -> None:
    assert instance.ask({"command": "ping"}) is None


def test_round_trip_and_permissions(qtbot: QtBot) -> None:
    server = InstanceServer(instance.server_name())
    assert server.listen()
    server.request_received.connect(lambda request, respond: respond({"echo": request}))
    results: list[Any] = []
    thread = ask_in_thread({"command": "ping"}, results)
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    thread.join()
    assert results == [{"echo": {"command": "ping"}}]

    path = Path(instance.server_name())
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0  # no group or other access
    server.close()


def test_a_stale_socket_file_is_replaced(qtbot: QtBot) -> None:
    path = Path(instance.server_name())
    path.write_text("left over from a crash")
    server = InstanceServer(str(path))
    assert server.listen()
    server.close()


def test_malformed_requests_get_an_answer(qtbot: QtBot) -> None:
    import socket

    server = InstanceServer(instance.server_name())
    assert server.listen()
    replies: list[bytes] = []

    def talk() -> None:
        with socket.socket(socket.AF_UNIX) as connection:
            connection.connect(instance.server_name())
            connection.sendall(b"not json\n")
            replies.append(connection.recv(1000))

    thread = threading.Thread(target=talk)
    thread.start()
    qtbot.waitUntil(lambda: bool(replies), timeout=5000)
    thread.join()
    assert b"Malformed request" in replies[0]
    server.close()
