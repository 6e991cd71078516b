"""The command's side of Windows' named pipe, driven on any OS: a socket pair stands in
for the pipe, a fake opener for ``CreateFile`` and ``WaitNamedPipeW``."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from meettray import ipc

PING = ipc.encode(ipc.Request("ping"))


def busy() -> OSError:
    error = OSError(16, "All pipe instances are busy")
    error.winerror = ipc.ERROR_PIPE_BUSY  # type: ignore[attr-defined]
    return error


class FakeTray:
    """The tray's end of one connection, run by ``serve`` on a thread."""

    def __init__(self, serve: Callable[[socket.socket], None]) -> None:
        self.tray, client = socket.socketpair()
        self.pipe: Any = client.makefile("rwb", buffering=0)
        client.close()  # the file object holds the connection now
        self.thread = threading.Thread(target=serve, args=(self.tray,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.tray.close()
        self.thread.join()


class Opener:
    """``open`` fails with each error in ``errors`` in turn, then gives the pipe."""

    def __init__(self, pipe: Any, errors: list[OSError]) -> None:
        self.pipe, self.errors, self.waits = pipe, errors, 0

    def open(self) -> Any:
        if self.errors:
            raise self.errors.pop(0)
        return self.pipe

    def wait(self, seconds: float) -> None:
        assert seconds > 0
        self.waits += 1


@pytest.fixture
def tray() -> Iterator[Callable[[Callable[[socket.socket], None]], FakeTray]]:
    made: list[FakeTray] = []

    def make(serve: Callable[[socket.socket], None]) -> FakeTray:
        made.append(FakeTray(serve))
        return made[-1]

    yield make
    for each in made:
        each.close()


def answers(connection: socket.socket) -> None:
    connection.recv(65536)
    connection.sendall(ipc.encode(ipc.Outcome(ok=True, exit_code=0)))


def test_a_busy_pipe_is_waited_for_not_taken_for_no_tray(tray: Any) -> None:
    pipe = tray(answers).pipe
    opener = Opener(pipe, [busy(), busy()])

    reply = ipc.ask_pipe(opener, PING, timeout=30)

    assert reply is not None
    assert ipc.decode_outcome(reply).ok
    assert opener.waits == 2


def test_a_pipe_busy_for_longer_than_the_connect_timeout_is_no_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ipc, "CONNECT_TIMEOUT", 0.0)

    with pytest.raises(ipc.NoAnswer, match="busy"):
        ipc.ask_pipe(Opener(None, [busy()]), PING, timeout=30)


def test_no_pipe_is_no_tray() -> None:
    assert ipc.ask_pipe(Opener(None, [FileNotFoundError(2, "no pipe")]), PING, timeout=30) is None


def test_a_tray_that_hangs_is_no_answer_after_the_timeout(tray: Any) -> None:
    """Was: a read on the pipe with no end."""
    request_seen = threading.Event()

    def hangs(connection: socket.socket) -> None:
        connection.recv(65536)
        request_seen.set()

    pipe = tray(hangs).pipe

    with pytest.raises(ipc.NoAnswer, match="did not answer within"):
        ipc.ask_pipe(Opener(pipe, []), PING, timeout=0.2)
    assert request_seen.wait(10)


def test_a_tray_that_closes_without_answering_is_no_answer(tray: Any) -> None:
    def quits(connection: socket.socket) -> None:
        connection.recv(65536)
        connection.shutdown(socket.SHUT_RDWR)

    with pytest.raises(ipc.NoAnswer, match="without answering"):
        ipc.ask_pipe(Opener(tray(quits).pipe, []), PING, timeout=30)


def test_an_endless_answer_is_refused(tray: Any) -> None:
    def floods(connection: socket.socket) -> None:
        connection.recv(65536)
        chunk = b"x" * 65536
        try:
            while True:
                connection.sendall(chunk)
        except OSError:
            pass  # the command stopped reading and closed its end

    with pytest.raises(ipc.ProtocolError, match="too large"):
        ipc.ask_pipe(Opener(tray(floods).pipe, []), PING, timeout=30)
