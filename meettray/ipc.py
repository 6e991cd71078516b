"""Talking to a running meettray tray app, without Qt.

The tray app listens on a local socket: a Unix socket in a user-only folder
of the runtime directory, or a named pipe on Windows (``QLocalServer``).  A
second ``meettray`` asks it to show itself; ``meettray now`` asks it to create
the meeting, so the link lands on a long-lived process's clipboard and in the
same history.  Messages are one JSON object per line each way: a
:class:`Request` from the command line, an :class:`Outcome` from the tray,
both carrying :data:`PROTOCOL_VERSION`, encoded and decoded only here.  The
tray answers ``now`` (and a ``link`` that makes a meeting) twice: once its link
is on the clipboard (``final`` false), and once the meeting is as asked (its
settings sent to Graph), with the warnings; every other answer is one message.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO, Literal, Protocol, get_args

from meettray.choices import ACCOUNT_NAME, PRESET_NAME

# The framing, shared with 'meettray now''s first stage (entry.py): one protocol.
from meettray.ipc_frame import (
    CONNECT_TIMEOUT,
    MAX_MESSAGE,
    MAX_REPLY,
    PROTOCOL_VERSION,
    Lines,
    NoAnswer,
    NotThisUser,
    ProtocolError,
    exchange,
    final_line,
    peer_is_this_user,
    server_name,
)

__all__ = [
    "CONNECT_TIMEOUT", "MAX_MESSAGE", "MAX_REPLY", "PROTOCOL_VERSION", "Command", "HotkeyState",
    "NoAnswer", "Outcome", "ProtocolError", "Request", "TrayStatus", "answer_of", "ask",
    "decode_outcome", "decode_request", "display_name", "encode", "peer_is_this_user",
    "server_name",
]  # fmt: skip

Command = Literal["ping", "show", "status", "now", "link"]


@dataclass(frozen=True)
class Request:
    """What a command asks the running tray: be there, show yourself, report, make a meeting."""

    command: Command
    #: For ``now``: the subject, or ``None`` for the one in the settings.
    subject: str | None = None
    #: For ``now``: the createOrGet externalId the command chose.  Should the tray die
    #: before it answers, the command asks Graph for the same id: one meeting, never two.
    external_id: str | None = None
    #: For ``now``: the preset whose settings the meeting gets (``None``: the default one).
    preset: str | None = None
    #: For ``link``: a ``meettray://`` link as given (the tray reads it: :mod:`meettray.links`).
    link: str | None = None
    #: For ``now``: the account (settings profile) whose meeting it makes (``None``: the
    #: preset's, else the default one).  An unknown name is the settings' error (exit 3).
    account: str | None = None
    version: int = PROTOCOL_VERSION


@dataclass(frozen=True)
class HotkeyState:
    detail: str
    #: The hotkey is off, or confirmed: grabbed, or bound by the desktop.  Not while the
    #: desktop has yet to answer.
    ok: bool
    #: What the person can do when it is not ok ("" where ``detail`` says it).
    fix: str = ""


@dataclass(frozen=True)
class TrayStatus:
    """The desktop checks only the running tray can answer (for ``doctor``)."""

    tray: bool
    backend: str
    hotkeys: dict[str, HotkeyState] = field(default_factory=dict)
    account: str | None = None
    #: The display the tray shows on (``display_name()``): the socket is the user's, not
    #: the display's, so doctor on another display must not take this tray for its own.
    display: str = ""


def display_name() -> str:
    """This process's display, as the tray and doctor compare them ("" for none)."""
    for variable in ("WAYLAND_DISPLAY", "DISPLAY"):
        if os.environ.get(variable):
            return f"{variable}={os.environ[variable]}"
    return ""


@dataclass(frozen=True)
class Outcome:
    """The tray's answer: done (with the meeting for ``now``, the status for ``status``),
    or failed with a message a person understands and the details support needs."""

    ok: bool
    #: For ``now``: the meeting as :meth:`meettray.meetings.Meeting.as_json` writes it.
    meeting: dict[str, Any] | None = None
    warnings: tuple[str, ...] = ()
    #: Whether the tray put the link on the clipboard (and read it back).
    copied: bool = False
    status: TrayStatus | None = None
    message: str = ""
    detail: str = ""
    request_id: str = ""
    exit_code: int = 1
    #: For ``now``: each setting Teams did not take (``NotApplied.as_json()``).
    not_applied: tuple[dict[str, Any], ...] = ()
    #: False for ``now``'s first answer (the link is ready); the final one follows.
    final: bool = True
    version: int = PROTOCOL_VERSION


def encode(message: Request | Outcome) -> bytes:
    """One line of JSON."""
    return (json.dumps(asdict(message), ensure_ascii=False) + "\n").encode()


#: What an externalId looks like (meettray makes them; another process must too).
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9-]{8,64}")


def _object(line: bytes) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting: not ours
        raise ProtocolError("Malformed request.") from None
    if not isinstance(value, dict):
        raise ProtocolError("Malformed request.")
    version = value.get("version")
    # Exactly the integer: True and 1.0000000000000001 compare equal to 1 in Python.
    if type(version) is not int or version != PROTOCOL_VERSION:
        raise ProtocolError(
            f"This meettray command and the running meettray tray are different versions "
            f"(protocol {version} and {PROTOCOL_VERSION}). Quit the tray and start it again."
        )
    return value


def decode_request(line: bytes) -> Request:
    value = _object(line)
    command, subject = value.get("command"), value.get("subject")
    external_id = value.get("external_id")
    if subject is not None and not isinstance(subject, str):
        raise ProtocolError("Malformed request.")
    if external_id is not None and not (
        isinstance(external_id, str) and _EXTERNAL_ID.fullmatch(external_id)
    ):
        raise ProtocolError("Malformed request.")
    preset = value.get("preset")
    if preset is not None and not (isinstance(preset, str) and PRESET_NAME.fullmatch(preset)):
        raise ProtocolError("Malformed request.")
    link = value.get("link")
    if link is not None and not (isinstance(link, str) and len(link) <= 4096):
        raise ProtocolError("Malformed request.")
    account = value.get("account")
    if account is not None and not (isinstance(account, str) and ACCOUNT_NAME.fullmatch(account)):
        raise ProtocolError("Malformed request.")
    for known in get_args(Command):
        if command == known:
            return Request(command=known, subject=subject, external_id=external_id,
                           preset=preset, link=link, account=account)  # fmt: skip
    raise ProtocolError(f"Unknown command {command!r}.")


def decode_outcome(line: bytes) -> Outcome:
    value = _object(line)
    try:
        status = value.get("status")
        meeting = value.get("meeting")
        return Outcome(
            ok=bool(value["ok"]),
            meeting=dict(meeting) if isinstance(meeting, Mapping) else None,
            warnings=tuple(str(w) for w in value.get("warnings", ())),
            copied=bool(value.get("copied", False)),
            status=_status(status) if isinstance(status, Mapping) else None,
            message=str(value.get("message", "")),
            detail=str(value.get("detail", "")),
            request_id=str(value.get("request_id", "")),
            exit_code=int(value.get("exit_code", 1)),
            final=value.get("final", True) is not False,
            not_applied=tuple(
                dict(item) for item in value.get("not_applied", ()) if isinstance(item, Mapping)
            ),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ProtocolError("The running meettray did not answer properly.") from None


def _status(value: Mapping[str, Any]) -> TrayStatus:
    return TrayStatus(
        tray=bool(value["tray"]),
        backend=str(value["backend"]),
        hotkeys={
            str(action): HotkeyState(
                detail=str(state["detail"]), ok=bool(state["ok"]), fix=str(state.get("fix", ""))
            )
            for action, state in dict(value.get("hotkeys", {})).items()
        },
        account=value.get("account"),
        display=str(value.get("display", "")),
    )


def ask(
    request: Request,
    *,
    demo: bool = False,
    timeout: float = 120,
    on_link: Callable[[Outcome], None] | None = None,
) -> Outcome | None:
    """Send ``request`` to the running tray; its final answer, or ``None`` if none runs.

    ``on_link`` gets ``now``'s first answer (the link is ready) the moment it arrives.
    An answer that is not one of ours (another version, garbage) is an
    :class:`Outcome` that failed, saying why.  Raises :class:`NoAnswer` when the
    request was sent but nothing came back (the tray died or hangs), after ``on_link``
    if the link came.
    """
    payload = encode(request)
    try:
        name = server_name(demo=demo)
    except OSError:
        return None
    if sys.platform.startswith("win"):  # pragma: no cover - exercised on Windows only
        try:
            reply = ask_pipe(PipeOpener(name), payload, timeout, on_link)
        except ProtocolError as exc:
            return Outcome(ok=False, message=str(exc))
        if reply is None:
            return None  # no tray: the pipe could not be opened
    else:
        try:
            reply = exchange(name, payload, timeout=timeout, interim=_interim(on_link))
        except NotThisUser:
            return Outcome(
                ok=False,
                message=f"Another user's program is listening at {name}; meettray did "
                "not use it. Remove that file, or ask who made it.",
            )
        except ProtocolError as exc:
            return answer_of(exc)
        if reply is None:
            return None  # no tray: nothing listens there
    if reply is None:
        raise NoAnswer("the running meettray closed the connection without answering")
    return answer_of(reply)


def answer_of(reply: bytes | ProtocolError) -> Outcome:
    """The tray's answer line as an :class:`Outcome`; one that is not one of ours (too
    large, garbage, another version) is an outcome that failed, saying why."""
    if isinstance(reply, ProtocolError):
        return Outcome(ok=False, message=str(reply))
    try:
        return decode_outcome(reply)
    except ProtocolError as exc:
        return Outcome(ok=False, message=str(exc))


def _interim(on_link: Callable[[Outcome], None] | None) -> Callable[[bytes], bool]:
    """Whether a line is ``now``'s first answer (the link is ready), handed to ``on_link``
    on the way; without ``on_link``, the first answer is the one returned (it has the link
    too)."""

    def interim(line: bytes) -> bool:
        first = answer_of(line)
        if first.final or on_link is None:
            return False
        on_link(first)
        return True

    return interim


def _final_line(lines: Lines, on_link: Callable[[Outcome], None] | None) -> bytes | None:
    """The final answer's line (Windows' pipe; the socket's goes through ``exchange``)."""
    return final_line(lines, _interim(on_link))


#: ``ERROR_PIPE_BUSY``: a tray is there, but every instance of its pipe is taken (Qt makes
#: the next one only after it accepted a connection).  Not "no tray".
ERROR_PIPE_BUSY = 231


class PipeOpener:  # pragma: no cover - Windows only
    """Opens the tray's named pipe, and waits for a free instance (``WaitNamedPipeW``).

    Through ``CreateFileW`` itself (``_winapi``, as ``multiprocessing`` does), not
    ``open()``: the C runtime's ``_wopen`` turns ``ERROR_PIPE_BUSY`` into a bare
    ``EINVAL``, and a busy tray would pass for none.
    """

    def __init__(self, name: str) -> None:
        import importlib

        self.path = rf"\\.\pipe\{name}"
        # Any: the stubs describe these modules only when type-checking for Windows.
        self._winapi: Any = importlib.import_module("_winapi")
        self._msvcrt: Any = importlib.import_module("msvcrt")

    def open(self) -> BinaryIO:
        w = self._winapi
        handle = w.CreateFile(self.path, w.GENERIC_READ | w.GENERIC_WRITE, 0, w.NULL,
                              w.OPEN_EXISTING, 0, w.NULL)  # fmt: skip
        try:
            descriptor = self._msvcrt.open_osfhandle(handle, 0)
        except OSError:
            w.CloseHandle(handle)
            raise
        return open(descriptor, "r+b", buffering=0)  # the caller closes it

    def wait(self, seconds: float) -> None:
        import contextlib

        # Timed out, or the pipe is gone: the next open says which.
        with contextlib.suppress(OSError):
            self._winapi.WaitNamedPipe(self.path, max(1, int(seconds * 1000)))


class Opener(Protocol):
    def open(self) -> BinaryIO: ...

    def wait(self, seconds: float) -> None:
        """Until an instance of the pipe may be free, ``seconds`` at most."""


def ask_pipe(
    opener: Opener,
    payload: bytes,
    timeout: float,
    on_link: Callable[[Outcome], None] | None = None,
) -> bytes | None:
    """Windows' exchange with the tray: the answer, ``None`` when no tray has the pipe
    open.  Raises :class:`NoAnswer` when a tray is there but keeps every instance of its
    pipe busy for :data:`CONNECT_TIMEOUT`, or does not answer within ``timeout``."""
    deadline = time.monotonic() + CONNECT_TIMEOUT
    while True:
        try:
            pipe = opener.open()
            break
        except OSError as exc:
            if getattr(exc, "winerror", None) != ERROR_PIPE_BUSY:
                return None  # no such pipe: no tray
            left = deadline - time.monotonic()
            if left <= 0:
                raise NoAnswer(
                    "the running meettray is busy and did not take the request"
                ) from None
            opener.wait(left)
    try:
        pipe.write(payload)
    except OSError as exc:
        pipe.close()
        raise NoAnswer(f"the running meettray closed the connection ({exc})") from None
    reply = _read_within(pipe, timeout, on_link)
    if reply is None:
        raise NoAnswer("the running meettray closed the connection without answering")
    return reply


def _read_within(
    pipe: BinaryIO, timeout: float, on_link: Callable[[Outcome], None] | None = None
) -> bytes | None:
    """One line from ``pipe`` within ``timeout`` seconds.  A synchronous pipe has no
    timeout of its own, so a thread reads; if the tray hangs, that thread is left
    blocked (with the pipe, which it closes if an answer ever comes) and the command
    moves on."""
    import threading

    outcome: list[bytes | BaseException | None] = []

    def read() -> None:
        try:
            outcome.append(_final_line(Lines(pipe.read), on_link))
        except (OSError, ProtocolError) as exc:
            outcome.append(exc)
        finally:
            pipe.close()

    reader = threading.Thread(target=read, name="ipc-reply", daemon=True)
    reader.start()
    reader.join(timeout)
    if not outcome:
        raise NoAnswer(f"the running meettray did not answer within {timeout:.0f} s")
    (result,) = outcome
    if isinstance(result, ProtocolError):
        raise result
    if isinstance(result, BaseException):
        raise NoAnswer(f"the running meettray closed the connection ({result})")
    return result
