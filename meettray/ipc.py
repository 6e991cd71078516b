"""Talking to a running meettray tray app, without Qt.

The tray app listens on a local socket: a Unix socket in a user-only folder
of the runtime directory, or a named pipe on Windows (``QLocalServer``).  A
second ``meettray`` asks it to show itself; ``meettray now`` asks it to create
the meeting, so the link lands on a long-lived process's clipboard and in the
same history.  Messages are one JSON object per line each way: a
:class:`Request` from the command line, an :class:`Outcome` from the tray,
both carrying :data:`PROTOCOL_VERSION`, encoded and decoded only here.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

from meettray.choices import PRESET_NAME

# The framing, shared with meettray now's first stage (entry.py).
from meettray.ipc_frame import (
    CONNECT_TIMEOUT,
    MAX_MESSAGE,
    MAX_REPLY,
    PROTOCOL_VERSION,
    NoAnswer,
    NotThisUser,
    ProtocolError,
    exchange,
    peer_is_this_user,
    server_name,
)
from meettray.ipc_frame import read_reply as _read_reply

__all__ = [
    "CONNECT_TIMEOUT", "MAX_MESSAGE", "MAX_REPLY", "PROTOCOL_VERSION", "Command", "HotkeyState",
    "NoAnswer", "Outcome", "ProtocolError", "Request", "TrayStatus", "answer_of", "ask",
    "decode_outcome", "decode_request", "display_name", "encode", "peer_is_this_user",
    "server_name",
]  # fmt: skip

Command = Literal["ping", "show", "status", "now"]


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
    for known in get_args(Command):
        if command == known:
            return Request(command=known, subject=subject, external_id=external_id,
                           preset=preset)  # fmt: skip
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


def ask(request: Request, *, demo: bool = False, timeout: float = 120) -> Outcome | None:
    """Send ``request`` to the running tray; its answer, or ``None`` if none runs.

    An answer that is not one of ours (another version, garbage) is an
    :class:`Outcome` that failed, saying why.  Raises :class:`NoAnswer` when the
    request was sent but nothing came back (the tray died or hangs).
    """
    payload = encode(request)
    try:
        name = server_name(demo=demo)
    except OSError:
        return None
    if sys.platform.startswith("win"):  # pragma: no cover - exercised on Windows only
        reply = _ask_pipe(name, payload)
    else:
        try:
            reply = exchange(name, payload, timeout=timeout)
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


def _ask_pipe(name: str, payload: bytes) -> bytes | None:  # pragma: no cover - Windows only
    """The answer; ``None`` when no tray has the pipe open."""
    try:
        pipe = open(rf"\\.\pipe\{name}", "r+b", buffering=0)  # noqa: SIM115 - closed below
    except OSError:
        return None
    with pipe:
        try:
            pipe.write(payload)
            reply = _read_reply(pipe.read)
        except OSError as exc:
            raise NoAnswer(f"the running meettray closed the connection ({exc})") from None
    if reply is None:
        raise NoAnswer("the running meettray closed the connection without answering")
    return reply
