"""The single-instance socket: same user only, and 'meettray now' through a running tray."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from meettray import ipc
from meettray.ipc import PROTOCOL_VERSION, Outcome, Request, TrayStatus
from meettray.ui.shell.ipc_server import InstanceServer

pytestmark = pytest.mark.posix  # file modes, Unix sockets, signals


def ask_in_thread(request: Request, results: list[Any]) -> threading.Thread:
    thread = threading.Thread(target=lambda: results.append(ipc.ask(request, timeout=10)))
    thread.start()
    return thread


def test_nobody_listening_means_none() -> None:
    assert ipc.ask(Request("ping")) is None


def test_round_trip_and_permissions(qtbot: QtBot) -> None:
    server = InstanceServer(ipc.server_name())
    assert server.listen()
    server.request_received.connect(
        lambda request, respond: respond(Outcome(ok=True, message=f"echo {request.subject}"))
    )
    results: list[Any] = []
    thread = ask_in_thread(Request("now", subject="Stand-up"), results)
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    thread.join()
    assert results == [Outcome(ok=True, message="echo Stand-up")]

    path = Path(ipc.server_name())
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0  # no group or other access
    server.close()
    assert not path.exists()  # closing removes the socket file
    assert ipc.ask(Request("ping")) is None


def test_closing_leaves_a_newer_instances_socket_alone(qtbot: QtBot) -> None:
    older = InstanceServer(ipc.server_name())
    assert older.listen()
    Path(ipc.server_name()).unlink()  # as if a newer instance had replaced it
    newer = InstanceServer(ipc.server_name())
    assert newer.listen()
    older.close()
    assert Path(ipc.server_name()).exists()
    newer.close()


def test_a_stale_socket_file_is_replaced(qtbot: QtBot) -> None:
    path = Path(ipc.server_name())
    path.write_text("left over from a crash")
    server = InstanceServer(str(path))
    assert server.listen()
    server.close()


def test_malformed_requests_get_an_answer(qtbot: QtBot) -> None:
    import socket

    server = InstanceServer(ipc.server_name())
    assert server.listen()
    replies: list[bytes] = []

    def talk() -> None:
        with socket.socket(socket.AF_UNIX) as connection:
            connection.connect(ipc.server_name())
            connection.sendall(b"not json\n")
            replies.append(connection.recv(1000))

    thread = threading.Thread(target=talk)
    thread.start()
    qtbot.waitUntil(lambda: bool(replies), timeout=5000)
    thread.join()
    assert b"Malformed request" in replies[0]
    server.close()


def raw_exchange(qtbot: QtBot, payload: bytes) -> bytes:
    import socket

    replies: list[bytes] = []

    def talk() -> None:
        with socket.socket(socket.AF_UNIX) as connection:
            connection.connect(ipc.server_name())
            connection.sendall(payload)
            replies.append(connection.recv(10_000))

    thread = threading.Thread(target=talk)
    thread.start()
    qtbot.waitUntil(lambda: bool(replies), timeout=5000)
    thread.join()
    return replies[0]


def test_another_protocol_version_is_refused_plainly_both_ways(qtbot: QtBot) -> None:
    server = InstanceServer(ipc.server_name())
    assert server.listen()
    handled: list[Request] = []
    server.request_received.connect(lambda request, respond: handled.append(request))
    # An older or newer command asking this tray:
    reply = ipc.decode_outcome(raw_exchange(qtbot, b'{"command": "now", "version": 99}\n'))
    assert reply.ok is False
    assert "different versions" in reply.message
    assert "start it again" in reply.message
    assert handled == []  # no meeting was made on a request it could not read
    server.close()

    # This command asking a tray of another version:
    newer = InstanceServer(ipc.server_name())
    assert newer.listen()

    def answer_as_another_version(_request: Request, respond: Any) -> None:
        respond(Outcome(ok=True, version=PROTOCOL_VERSION + 1))

    newer.request_received.connect(answer_as_another_version)
    results: list[Any] = []
    thread = ask_in_thread(Request("status"), results)
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    thread.join()
    assert results[0].ok is False
    assert "different versions" in results[0].message
    newer.close()


def test_unknown_commands_and_shapes_are_refused(qtbot: QtBot) -> None:
    server = InstanceServer(ipc.server_name())
    assert server.listen()
    version = str(PROTOCOL_VERSION).encode()
    unknown = raw_exchange(qtbot, b'{"command": "dance", "version": ' + version + b"}\n")
    assert ipc.decode_outcome(unknown) == Outcome(ok=False, message="Unknown command 'dance'.")
    not_text = raw_exchange(
        qtbot, b'{"command": "now", "subject": 5, "version": ' + version + b"}\n"
    )
    assert ipc.decode_outcome(not_text).message == "Malformed request."
    server.close()


def test_a_status_survives_the_round_trip() -> None:
    from meettray.ipc import HotkeyState

    status = TrayStatus(
        tray=True, backend="x11", hotkeys={"meet_now": HotkeyState("Ctrl+Alt+M", True)},
        account="adele@contoso.example",
    )  # fmt: skip
    sent = Outcome(ok=True, status=status, warnings=("one",))
    assert ipc.decode_outcome(ipc.encode(sent)) == sent


@pytest.mark.parametrize(
    "payload",
    [
        b'{"command": "ping", "version": true}\n',  # True == 1 in Python
        b'{"command": "ping", "version": 2.0000000000000002}\n',  # the float 2.0
        b"[" * 5000 + b"]" * 5000 + b"\n",  # was an uncaught RecursionError
        b'{"command": "now", "external_id": "../../etc", "version": 2}\n',
        b'{"command": "now", "preset": "../incident", "version": 2}\n',
        b'{"command": "now", "preset": ["incident"], "version": 2}\n',
    ],
)
def test_requests_of_the_wrong_shape_are_refused(qtbot: QtBot, payload: bytes) -> None:
    server = InstanceServer(ipc.server_name())
    assert server.listen()
    handled: list[object] = []
    server.request_received.connect(lambda request, respond: handled.append(request))
    reply = ipc.decode_outcome(raw_exchange(qtbot, payload))
    server.close()
    assert reply.ok is False
    assert handled == []


def test_a_tray_that_takes_the_request_and_never_answers_is_no_answer() -> None:
    """A stopped tray (kill -STOP): a clear error after the timeout, never a traceback."""
    import socket

    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(ipc.server_name())
        listener.listen(1)
        with pytest.raises(ipc.NoAnswer, match="did not answer within 1 s"):
            ipc.ask(Request("ping"), timeout=1)


def test_a_connection_that_sends_nothing_is_closed(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: idle connections were kept forever, until the file limit."""
    import socket

    from meettray.ui.shell import ipc_server

    monkeypatch.setattr(ipc_server, "IDLE_TIMEOUT_MS", 100)
    server = InstanceServer(ipc.server_name())
    assert server.listen()
    closed: list[bytes] = []

    def idle() -> None:
        with socket.socket(socket.AF_UNIX) as connection:
            connection.settimeout(10)
            connection.connect(ipc.server_name())
            closed.append(connection.recv(100))  # b"" once the tray closes it

    thread = threading.Thread(target=idle)
    thread.start()
    qtbot.waitUntil(lambda: bool(closed), timeout=5000)
    thread.join()
    server.close()
    assert closed == [b""]


def test_an_answer_too_large_is_said_to_be_so_not_cut(qtbot: QtBot) -> None:
    """Was: an answer over ~128 KiB was cut off and read as "Malformed request"."""
    server = InstanceServer(ipc.server_name())
    assert server.listen()
    huge = Outcome(ok=True, warnings=("x" * (2 * ipc.MAX_REPLY),))
    server.request_received.connect(lambda _request, respond: respond(huge))
    results: list[Any] = []
    thread = ask_in_thread(Request("ping"), results)
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    thread.join()
    server.close()
    assert results[0].ok is False
    assert "too large" in results[0].message


@pytest.mark.logs("could not accept connections")
def test_failing_accepts_are_logged_now_and_then_not_on_every_turn(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Was: at the file limit, "Too many open files" filled all four log files in seconds.
    The listening socket stands in for one at the limit: accept() fails with EMFILE."""
    import errno

    from meettray.ui.shell.ipc_server import _UnixServer

    server = _UnixServer(ipc.server_name())
    assert server.listen()
    real = server._socket
    assert real is not None

    class AtTheLimit:
        def accept(self) -> object:
            raise OSError(errno.EMFILE, "Too many open files")

    server._socket = AtTheLimit()  # type: ignore[assignment]
    try:
        for _ in range(50):
            server._accept()
            server._resume_accepting()
        lines = [r for r in caplog.records if "could not accept" in r.getMessage()]
        assert len(lines) == 1  # once a minute at most, with a count
    finally:
        server._socket = real
        server.close()
