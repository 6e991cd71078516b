"""The ``meettray`` command.

Commands share the core with the tray app.  Exit status: 0 success, 2 usage
or invalid input, 3 settings, 4 sign-in, 5 Microsoft Graph refused, 6 network,
7 local storage, 8 no desktop for the tray app, 9 doctor found a problem, 1
anything unexpected, 130 interrupted.  Errors are one line
on stderr that a non-expert understands; ``-v`` adds the technical details.

This module is the main flow: parse (:mod:`meettray.cli_parser`), hand ``now`` to a
running tray, else run the command's body and turn its failures into a message and an
exit status.  The bodies live by theme in :mod:`meettray.cli_meetings`,
:mod:`meettray.cli_account`, :mod:`meettray.cli_setup` and :mod:`meettray.cli_upcoming`;
what they run on (the demo, the service) in :mod:`meettray.cli_service`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from meettray.cli_account import cmd_accounts, cmd_login, cmd_logout, cmd_whoami
from meettray.cli_meetings import cmd_history, cmd_now, cmd_schedule
from meettray.cli_parser import build_parser
from meettray.cli_service import Command, LazyDemo
from meettray.cli_setup import cmd_autostart, cmd_doctor, cmd_integrate, cmd_setup
from meettray.cli_upcoming import cmd_join, cmd_upcoming
from meettray.errors import ExitCode, MeettrayError, ValidationError
from meettray.i18n import _
from meettray.plaintext import displayable, json_text

if TYPE_CHECKING:
    from meettray.entry import Asked
    from meettray.ipc import Outcome

log = logging.getLogger(__name__)


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, asked: Asked | None = None
) -> int:
    """The ``meettray`` command after its first stage (:mod:`meettray.entry`), which
    hands over ``asked`` when it sent ``now`` to the running tray; the exit status.

    Ctrl+C at any moment (starting the demo, waiting for Graph, stopping) is exit 130
    with one line; a reader that stops reading (``| head``) ends it quietly.
    """
    try:
        return _main(argv, stdout or sys.stdout, asked)
    except KeyboardInterrupt:
        print(_("meettray: interrupted"), file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # Nothing more can be written; keep Python from complaining while it exits.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.BROKEN_PIPE


def _main(argv: Sequence[str] | None, out: TextIO, asked: Asked | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if os.name != "nt":  # whatever meettray writes from here on is the user's alone:
        os.umask(0o077)  # SQLite's log, the token cache, rotated logs, saved settings
    if args.command == "autostart" and args.demo:
        parser.error(_("--demo does not apply to autostart: start on login is for the real tray"))
    if args.command is None:  # the tray app: its icon first, then the rest (same rules)
        from meettray.ui.shell.main import run

        return run(config_path=args.config, demo=args.demo, verbose=args.verbose)
    args.external_id = None
    args.clipboard = None
    if args.command == "open-link":  # through the tray, or a cold Meet now made below
        from meettray.link_door import follow_link

        cold = follow_link(args.url, demo=args.demo, config=args.config, out=out)
        if isinstance(cold, int):
            return cold
        args.command, args.subject, args.preset = "now", cold.subject, cold.preset
        args.account = None
        args.external_id, args.json, args.no_copy = cold.external_id, False, False
    if args.command == "now" and (args.preset or args.account) is not None and not args.no_copy:
        # An unknown preset or account is the settings' error whether a tray runs or not
        # (the tray's answer was another); only a named one costs reading the settings.
        checked = _guarded(args, out, lambda: _known_preset(args), log_file=None)
        if checked != ExitCode.OK:
            return checked
    if args.command == "now" and not args.no_copy:
        # A running tray app makes the meeting: its clipboard outlives this process.  Asking
        # it needs no settings, log or history here, so nothing of those is loaded first.
        from meettray import ipc, new_external_id

        # The createOrGet id is chosen here: should the tray die or hang after it got the
        # request, the same id asks Graph for the same meeting instead of making another.
        external_id = asked.external_id if asked else new_external_id()
        request = ipc.Request("now", subject=args.subject, external_id=external_id,
                              preset=args.preset, account=args.account)  # fmt: skip
        shown: list[ipc.Outcome] = []

        def link_ready(first: ipc.Outcome) -> None:
            """The tray copied the link: it is printed now, the warnings once it settles."""
            if first.ok and first.meeting is not None and not args.json:
                _print_link(first, out)
                shown.append(first)

        if asked is not None and asked.shown:  # the first stage printed the link already
            shown.append(ipc.Outcome(ok=True))
        try:  # the first stage's answer, if it asked already (never twice)
            answer = (asked.answer() if asked
                      else ipc.ask(request, demo=args.demo, on_link=link_ready))  # fmt: skip
        except ipc.NoAnswer as exc:
            if shown:  # the link works; only its settings' outcome was not heard
                print(_("meettray: {problem} after the link was copied; the meeting may still "
                        "have its prepared subject and times.").format(problem=exc),
                      file=sys.stderr)  # fmt: skip
                return ExitCode.OK
            print(_("meettray: {problem}. The meeting may exist already: asking Microsoft "
                    "Graph for the same one, so it is not made twice…").format(problem=exc),
                  file=sys.stderr)  # fmt: skip
            args.external_id = external_id
        else:
            if answer is not None:
                return _guarded(
                    args, out, lambda: _print_delegated(answer, args, out, shown=bool(shown)),
                    log_file=None,
                )  # fmt: skip
    if args.command == "now" and not args.no_copy:
        # No tray: this process copies.  Its clipboard helper takes longer to start than a
        # prepared meeting takes to find, so it starts first, while the rest loads.
        from meettray.platform.clipboard import system_clipboard

        args.clipboard = system_clipboard()
        args.clipboard.warm()
    from meettray import paths

    # One settings file for the whole run: --config, else paths.config_file() (the tray's too).
    args.given_config = args.config
    if args.demo:  # the demo's own settings offer a second account (once)
        from meettray.demo.runtime import offer_demo_accounts

        offer_demo_accounts()
    args.config = args.config or paths.config_file(demo=args.demo)
    paths.secure_existing_files()  # older versions left some folders 0755, files 0644
    from meettray import logs

    log_file = logs.setup(verbose=args.verbose)
    demo = LazyDemo(enabled=args.demo)
    try:
        return _guarded(args, out, lambda: _COMMANDS[args.command](args, out, demo), log_file)
    finally:
        demo.stop()


def _known_preset(args: argparse.Namespace) -> int:
    """Raise the settings' :class:`ConfigError` for a preset they do not have."""
    from meettray import paths
    from meettray.config import load_config

    config = load_config(args.config or paths.config_file(demo=args.demo))
    config.account_config(args.account or config.preset(args.preset).account)
    return ExitCode.OK


def _guarded(
    args: argparse.Namespace, out: TextIO, work: Callable[[], int], log_file: object
) -> int:
    """Run a command; its failures become a plain message and an exit status."""
    try:
        return work()
    except MeettrayError as exc:
        _report(exc, args.verbose)
        if getattr(args, "json", False):  # scripts get the failure, support details included
            print(json_text(exc.as_json()), file=out)
        return exc.exit_code
    except (KeyboardInterrupt, BrokenPipeError):
        raise  # main() answers both, whenever they come
    except Exception as exc:  # a bug: say so plainly, keep the traceback in the log
        log.exception("unexpected error in %s", args.command)
        said = (
            _("meettray: something unexpected went wrong (details in {log}).").format(log=log_file)
            if log_file
            else _("meettray: something unexpected went wrong.")
        )
        print(said, file=sys.stderr)
        if args.verbose:
            print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return ExitCode.UNEXPECTED


def _report(exc: MeettrayError, verbose: int) -> None:
    if isinstance(exc, ValidationError):
        for problem in exc.problems.values():
            print(f"meettray: {displayable(problem)}", file=sys.stderr)
    else:
        print(f"meettray: {displayable(exc.message)}", file=sys.stderr)
    details = exc.technical_details()
    if details and verbose:  # Graph's own words among them: text, never escapes
        print("\n".join(displayable(line) for line in details.splitlines()), file=sys.stderr)
    elif exc.request_id:
        print(_("(request-id {id}; run with -v for details)").format(
            id=displayable(exc.request_id)), file=sys.stderr)  # fmt: skip


def _print_link(answer: Outcome, out: TextIO) -> None:
    """The link the running tray made, and what its copy came to."""
    from meettray.entry import print_link

    assert answer.meeting is not None
    print_link(answer.meeting, copied=answer.copied, message=answer.message, out=out)


def _print_delegated(
    answer: Outcome, args: argparse.Namespace, out: TextIO, *, shown: bool = False
) -> int:
    """The running tray's final answer; ``shown``: its link was printed already."""
    if shown and not answer.ok:  # the link works: what failed after it is a warning
        print(_("meettray: The link works, but: {problem}").format(
            problem=displayable(answer.message)), file=sys.stderr)  # fmt: skip
        return ExitCode.OK
    if not answer.ok or answer.meeting is None:
        error = MeettrayError(
            answer.message or _("The running meettray did not answer properly."),
            detail=answer.detail,
            request_id=answer.request_id,
        )
        known = {int(code) for code in ExitCode}
        error.exit_code = ExitCode(answer.exit_code if answer.exit_code in known else 1)
        raise error
    from meettray.entry import print_delivered

    print_delivered(answer.meeting, answer.warnings, copied=answer.copied,
                    message=answer.message, as_json=args.json, out=out, shown=shown,
                    not_applied=answer.not_applied)  # fmt: skip
    return ExitCode.OK


_COMMANDS: dict[str, Command] = {
    "now": cmd_now,
    "schedule": cmd_schedule,
    "history": cmd_history,
    "login": cmd_login,
    "logout": cmd_logout,
    "accounts": cmd_accounts,
    "whoami": cmd_whoami,
    "autostart": cmd_autostart,
    "doctor": cmd_doctor,
    "setup": cmd_setup,
    "upcoming": cmd_upcoming,
    "join": cmd_join,
    "integrate": cmd_integrate,
}
