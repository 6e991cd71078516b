"""The ``meettray`` command's first stage: ``meettray now`` handed to a running tray,
and the tray app's start.

A tray that runs makes the meeting; the command only asks and prints.  Loading the
whole command line for that (argparse, settings, logging, 129 modules) took longer
than the rest, so this stage tries the running tray with only ``os``, ``socket`` and
``json`` loaded, through the same framing as :mod:`meettray.ipc`
(:mod:`meettray.ipc_frame`).  Anything else goes to :func:`meettray.cli.main`: another
command or option, no tray, Windows, and every answer that is not a plain success,
which the full command then reads (handed over as :class:`Asked`, so the request is
never sent twice).  ``meettray`` alone starts the tray app from here too, so the
command line's parser and commands are not loaded into a process that runs for hours.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing itself is not loaded on this path
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, TextIO

    from meettray.ipc import Outcome

#: The options this stage understands after ``now`` (the rest: the full command).
_FLAGS = {"--json": "json", "--demo": "demo", "-v": "verbose", "--verbose": "verbose"}
_VALUES = {"--subject": "subject", "--preset": "preset", "--account": "account"}


class Asked:
    """What this stage sent and got back, for the full command to finish with: the
    externalId it chose and the answer line, or why none came (``NoAnswer``) or could
    be read (``ProtocolError``)."""

    def __init__(self, external_id: str, reply: bytes | Exception, *, shown: bool = False) -> None:
        self.external_id = external_id
        self.reply = reply
        #: The link was printed already (the tray's first answer): only the rest is left.
        self.shown = shown

    def answer(self) -> Outcome:
        """The tray's answer, as :func:`meettray.ipc.ask` gives it (raising ``NoAnswer``)."""
        from meettray import ipc

        if isinstance(self.reply, (bytes, ipc.ProtocolError)):
            return ipc.answer_of(self.reply)
        raise self.reply  # NoAnswer: the command asks Graph for the same externalId


def _now_options(argv: Sequence[str]) -> dict[str, Any] | None:
    """``meettray [--demo] now [--subject S] [--preset P] [--account A] [--json] [--demo]
    [-v]``'s options; ``None`` for anything else (``--no-copy``, ``--help``, another
    command)."""
    options: dict[str, Any] = {"demo": False, "json": False, "subject": None, "preset": None,
                               "account": None}  # fmt: skip
    words = list(argv)
    while words and words[0] == "--demo":
        options["demo"] = True
        words.pop(0)
    if not words or words.pop(0) != "now":
        return None
    while words:
        word = words.pop(0)
        name, equals, value = word.partition("=")
        if name in _VALUES and (equals or (words and not words[0].startswith("-"))):
            options[_VALUES[name]] = value if equals else words.pop(0)  # as argparse reads it
        elif word in _FLAGS:
            options[_FLAGS[word]] = True
        else:
            return None
    from meettray.choices import ACCOUNT_NAME, PRESET_NAME

    for name, shape in (("preset", PRESET_NAME), ("account", ACCOUNT_NAME)):
        if options[name] is not None and not shape.fullmatch(options[name]):
            return None  # the full command says why
    return options


def print_link(meeting: dict[str, Any], *, copied: bool, message: str, out: TextIO) -> None:
    """The link the running tray made (its first answer), and what its copy came to."""
    from meettray.plaintext import displayable

    link = displayable(str(meeting["join_url"]))  # from another process: text, not escapes
    print(link, file=out, flush=True)
    _say_copied(copied, message)


def _say_copied(copied: bool, message: str) -> None:
    from meettray.i18n import _  # the catalog is read only now, once the link is printed
    from meettray.plaintext import displayable

    if copied:
        print(_("meettray: Copied to the clipboard by the running meettray."), file=sys.stderr)
    else:
        print(_("meettray: The running meettray made the meeting, but: {problem}").format(
            problem=displayable(message)), file=sys.stderr)  # fmt: skip


def print_delivered(
    meeting: dict[str, Any],
    warnings: Sequence[str],
    *,
    copied: bool,
    message: str,
    as_json: bool,
    out: TextIO,
    shown: bool = False,
    not_applied: Sequence[dict[str, Any]] = (),
) -> None:
    """What ``meettray now`` prints when the running tray made the meeting (``shown``:
    its link was printed already, at the tray's first answer)."""
    from meettray.plaintext import displayable, json_text

    for warning in warnings:
        print(f"meettray: {displayable(warning)}", file=sys.stderr)
    if as_json:  # each setting Teams did not take, named, as the command prints its own
        missing = {"not_applied": list(not_applied)} if not_applied else {}
        print(json_text({**meeting, **missing}), file=out)
        _say_copied(copied, message)
    elif not shown:
        print_link(meeting, copied=copied, message=message, out=out)


def _answer(reply: bytes) -> dict[str, Any] | None:
    """The answer line as a JSON object of this protocol's version, else ``None``."""
    import json

    from meettray.ipc_frame import PROTOCOL_VERSION

    try:
        value = json.loads(reply)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    version = value.get("version")
    return value if type(version) is int and version == PROTOCOL_VERSION else None


def _link_of(reply: bytes) -> tuple[dict[str, Any], bool, str] | None:
    """The tray's first answer to ``now`` (the link is ready, ``final`` false): the
    meeting, whether it was copied and why not; ``None`` for any other line."""
    value = _answer(reply)
    if value is None or value.get("final") is not False or value.get("ok") is not True:
        return None
    meeting, copied, message = value.get("meeting"), value.get("copied"), value.get("message", "")
    if not (isinstance(meeting, dict) and isinstance(meeting.get("join_url"), str)
            and isinstance(copied, bool) and isinstance(message, str)):  # fmt: skip
        return None
    return meeting, copied, message


def _delivered(reply: bytes, options: dict[str, Any], *, shown: bool = False) -> bool:
    """Print a plain success and say so; anything else is left to the full command."""
    value = _answer(reply)
    if value is None:
        return False
    meeting, not_applied = value.get("meeting"), value.get("not_applied", [])
    warnings, copied, message = (
        value.get("warnings", []),
        value.get("copied"),
        value.get("message", ""),
    )
    if not (
        value.get("ok") is True
        and isinstance(not_applied, list) and all(isinstance(n, dict) for n in not_applied)
        and isinstance(meeting, dict) and isinstance(meeting.get("join_url"), str)
        and isinstance(warnings, list) and all(isinstance(w, str) for w in warnings)
        and isinstance(copied, bool) and isinstance(message, str)
    ):  # fmt: skip
        return False
    print_delivered(meeting, warnings, copied=copied, message=message, as_json=options["json"],
                    out=sys.stdout, shown=shown, not_applied=not_applied)  # fmt: skip
    return True


def _request(options: dict[str, Any], external_id: str) -> bytes:
    """The ``now`` request, as :func:`meettray.ipc.encode` writes it (a test holds them
    equal: the tray decodes it with :func:`meettray.ipc.decode_request`)."""
    import json

    from meettray.ipc_frame import PROTOCOL_VERSION

    fields = {"command": "now", "subject": options["subject"], "external_id": external_id,
              "preset": options["preset"], "link": None, "account": options["account"],
              "version": PROTOCOL_VERSION}  # fmt: skip
    return (json.dumps(fields, ensure_ascii=False) + "\n").encode()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``meettray`` command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if list(argv) in ([], ["--demo"]):  # the tray app, as it starts on login
        return _tray(demo=bool(argv))
    options = _now_options(argv) if sys.platform != "win32" else None
    asked: Asked | None = None
    if options is not None:
        try:
            asked = _ask(options)
        except KeyboardInterrupt:  # as meettray.cli.main answers it
            from meettray.i18n import _

            print(_("meettray: interrupted"), file=sys.stderr)
            return 130
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 141
        if asked is _PRINTED:
            return 0
    try:
        from meettray.cli import main as full
    except KeyboardInterrupt:  # while the command line loads (its own handler is not yet)
        print("meettray: interrupted", file=sys.stderr)
        return 130
    return full(argv, asked=asked)


def _tray(*, demo: bool) -> int:
    """``meettray`` (or ``meettray --demo``) with no option: the tray app, started as
    :func:`meettray.cli.main` starts it, without loading the command line (its parser
    and the commands stay out of a process that runs for hours)."""
    if os.name != "nt":  # whatever the tray writes is the user's alone (as cli.py)
        os.umask(0o077)
    from meettray.ui.shell.main import run

    return run(config_path=None, demo=demo, verbose=0)


def _ask(options: dict[str, Any]) -> Asked | None:
    """:data:`_PRINTED` when the running tray made the meeting and it was printed;
    ``None`` when nothing was sent (no tray, another user's socket); else what the
    full command needs to finish."""
    from meettray import new_external_id
    from meettray.ipc_frame import NoAnswer, ProtocolError, exchange, server_name

    try:
        name = server_name(demo=options["demo"])
    except OSError:
        return None
    external_id = new_external_id()
    shown = False

    def interim(line: bytes) -> bool:
        """The tray's first answer: the link is printed at once (with ``--json``, the
        whole meeting waits for the last answer)."""
        nonlocal shown
        link = _link_of(line)
        if link is None:
            return False
        if not options["json"]:
            meeting, copied, message = link
            print_link(meeting, copied=copied, message=message, out=sys.stdout)
            shown = True
        return True

    try:
        reply = exchange(name, _request(options, external_id), timeout=120, interim=interim)
    except (NoAnswer, ProtocolError) as exc:
        return Asked(external_id, exc, shown=shown)
    except OSError:  # another user's socket (NotThisUser): the full command says so
        return None
    if reply is None:
        return None
    if _delivered(reply, options, shown=shown):
        return _PRINTED
    return Asked(external_id, reply, shown=shown)


#: What :func:`_ask` returns once the meeting was printed.
_PRINTED = Asked("", b"")
