"""The ``meettray`` command.

Commands share the core with the tray app.  Exit status: 0 success, 2 usage
or invalid input, 3 settings, 4 sign-in, 5 Microsoft Graph refused, 6 network,
7 local storage, 8 no desktop for the tray app, 9 doctor found a problem, 1
anything unexpected, 130 interrupted.  Errors are one line
on stderr that a non-expert understands; ``-v`` adds the technical details.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from meettray import __version__
from meettray.errors import ExitCode, MeettrayError, SignInCancelled, ValidationError
from meettray.i18n import _
from meettray.plaintext import displayable, json_text

if TYPE_CHECKING:
    from meettray.config import Config, UiConfig
    from meettray.demo.runtime import DemoEnvironment
    from meettray.entry import Asked
    from meettray.ipc import Outcome
    from meettray.meetings import Meeting
    from meettray.platform.clipboard import ClipboardBackend
    from meettray.results import Created
    from meettray.service import MeetingService

log = logging.getLogger(__name__)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits 2 with the message and a pointer to --help."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")


def _preset_name(text: str) -> str:
    from meettray.choices import PRESET_NAME

    if not PRESET_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a preset name (lower-case letters, digits, - and _)"
        )
    return text


def _option(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE (e.g. watermark=on)")
    return name.strip(), value.strip()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _minutes(text: str) -> int:
    """A meeting's length, within the bounds settings and presets have."""
    from meettray.config import MAX_MINUTES, MIN_MINUTES

    value = _positive_int(text)
    if not MIN_MINUTES <= value <= MAX_MINUTES:
        raise argparse.ArgumentTypeError(f"must be between {MIN_MINUTES} and {MAX_MINUTES} "
                                         "minutes, as in the settings")  # fmt: skip
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="meettray",
        description="Microsoft Teams meeting links in one click or one command. "
        "Without a command, meettray starts its tray app.",
        epilog="Exit status: 0 ok, 2 usage or invalid input, 3 settings, 4 sign-in, "
        "5 Microsoft Graph refused, 6 network, 7 local storage, 8 no desktop for the tray "
        "app, 9 doctor found a problem, 130 interrupted (Ctrl+C), 141 output closed early, "
        "1 unexpected.",
    )
    parser.add_argument("--version", action="version", version=f"meettray {__version__}")
    _global_options(parser, defaults=True)
    # The same options after the command ("meettray now -v"); SUPPRESS keeps the
    # value given before the command when they are not repeated.
    common = _Parser(add_help=False)
    _global_options(common, defaults=False)
    common.add_argument("--version", action="version", version=f"meettray {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return subparsers.add_parser(name, parents=[common], **kwargs)

    now = command("now", help="create a meeting that starts now and copy its link")
    now.add_argument("--subject", help="meeting subject (default: from settings)")
    now.add_argument(
        "--preset", type=_preset_name, metavar="NAME",
        help="a preset from the settings (incident, customer, …; default: the default one)",
    )  # fmt: skip
    _output_options(now)

    schedule = command("schedule", help="create a meeting for later")
    schedule.add_argument("--subject", required=True, help="what the meeting is about")
    schedule.add_argument(
        "--start", required=True, metavar="WHEN", help="ISO 8601; local time if no offset"
    )
    length = schedule.add_mutually_exclusive_group(required=True)
    length.add_argument("--end", metavar="WHEN", help="ISO 8601; local time if no offset")
    length.add_argument("--duration", type=_minutes, metavar="MIN", help="minutes (5 to 1440)")
    schedule.add_argument(
        "--attendee",
        action="append",
        default=[],
        metavar="EMAIL",
        help="invite someone (repeatable)",
    )
    from meettray.choices import ALLOWED_PRESENTERS, LOBBY_BYPASS_SCOPES

    schedule.add_argument("--lobby", choices=LOBBY_BYPASS_SCOPES, help="who skips the lobby")
    schedule.add_argument("--presenters", choices=ALLOWED_PRESENTERS, help="who can present")
    schedule.add_argument(
        "--presenter",
        action="append",
        default=[],
        metavar="EMAIL",
        help="someone who may present (repeatable; implies --presenters roleIsPresenter)",
    )
    schedule.add_argument(
        "--calendar",
        action="store_true",
        help="add to your calendar and send invitations (asks for calendar permission)",
    )
    schedule.add_argument(
        "--allow-past", action="store_true", help="allow a start time in the past"
    )
    schedule.add_argument(
        "--option", action="append", default=[], metavar="NAME=VALUE", type=_option,
        help="a Teams option, e.g. record_automatically=on, meeting_chat=limited (repeatable;"
             " see README, 'Meeting options')",
    )  # fmt: skip
    _output_options(schedule)

    history = command("history", help="list meetings created so far, newest first")
    history.add_argument("--json", action="store_true", help="print a JSON array")
    history.add_argument(
        "--limit", type=_positive_int, default=20, metavar="N",
        help="how many meetings, newest first (default: 20)",
    )  # fmt: skip
    history.add_argument("--search", default="", metavar="TEXT", help="match in the subject")

    login = command("login", help="sign in with your work or school account")
    login.add_argument(
        "--device-code",
        action="store_true",
        help="sign in on another device with a code (no browser here)",
    )
    login.add_argument(
        "--calendar",
        action="store_true",
        help="also grant access to your calendar (schedule --calendar, upcoming meetings)",
    )
    command("logout", help="sign out and forget your tokens")
    whoami = command("whoami", help="show who is signed in and how tokens are kept")
    whoami.add_argument("--json", action="store_true", help="print it as JSON, for scripts")
    doctor = command("doctor", help="check the setup and say what to fix")
    doctor.add_argument("--json", action="store_true", help="for support tickets")
    setup = command("setup", help="register meettray in your organisation (for IT)")
    setup.add_argument("--name", default="meettray", help="the app registration's name")
    setup.add_argument(
        "--yes", action="store_true",
        help="run the Azure CLI commands without asking (az must be signed in)",
    )  # fmt: skip
    setup.add_argument(
        "--print-only", action="store_true", help="only write the manifest and print the steps"
    )
    from meettray.cli_upcoming import add_commands

    add_commands(command)
    autostart = command("autostart", help="start the tray app when you log in")
    autostart.add_argument("state", choices=("on", "off", "status"))
    open_link = command("open-link", help="follow a meettray:// link (what the desktop runs)")
    open_link.add_argument("url", metavar="URL", help="e.g. meettray://now?preset=incident")
    integrate = command("integrate", help="open meettray:// links in meettray")
    integrate.add_argument("--remove", action="store_true", help="stop opening them")
    return parser


def _global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument(
        "--demo",
        action="store_true",
        default=default(False),
        help="use the built-in fake Microsoft 365 (no account needed)",
    )
    parser.add_argument(
        "--config", type=Path, default=default(None), help="settings file (default: see README)"
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default(0),
        help="show details (twice: debug)",
    )


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the meeting as JSON")
    parser.add_argument("--no-copy", action="store_true", help="do not touch the clipboard")


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
        print("meettray: interrupted", file=sys.stderr)
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
        parser.error("--demo does not apply to autostart: start on login is for the real tray")
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
        args.external_id, args.json, args.no_copy = cold.external_id, False, False
    if args.command == "now" and args.preset is not None and not args.no_copy:
        # An unknown preset is the settings' error whether a tray runs or not (the tray's
        # answer was another); only a named preset costs reading the settings here.
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
                              preset=args.preset)  # fmt: skip
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
                print(f"meettray: {exc} after the link was copied; the meeting may still "
                      "have its prepared subject and times.", file=sys.stderr)  # fmt: skip
                return ExitCode.OK
            print(f"meettray: {exc}. The meeting may exist already: asking Microsoft Graph "
                  "for the same one, so it is not made twice…", file=sys.stderr)  # fmt: skip
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
    args.config = args.config or paths.config_file(demo=args.demo)
    paths.secure_existing_files()  # older versions left some folders 0755, files 0644
    from meettray import logs

    log_file = logs.setup(verbose=args.verbose)
    demo = _LazyDemo(enabled=args.demo)
    try:
        return _guarded(args, out, lambda: _COMMANDS[args.command](args, out, demo), log_file)
    finally:
        demo.stop()


def _known_preset(args: argparse.Namespace) -> int:
    """Raise the settings' :class:`ConfigError` for a preset they do not have."""
    from meettray import paths
    from meettray.config import load_config

    load_config(args.config or paths.config_file(demo=args.demo)).preset(args.preset)
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
        where = f" (details in {log_file})" if log_file else ""
        print(f"meettray: something unexpected went wrong{where}.", file=sys.stderr)
        if args.verbose:
            print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return ExitCode.UNEXPECTED


class _LazyDemo:
    """The demo's fake service, started only by a command that needs it."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._environment: DemoEnvironment | None = None

    def get(self) -> DemoEnvironment | None:
        if self.enabled and self._environment is None:
            from meettray.demo.runtime import DemoEnvironment

            self._environment = DemoEnvironment()
        return self._environment

    def stop(self) -> None:
        if self._environment is not None:
            self._environment.stop()


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
        print(f"(request-id {displayable(exc.request_id)}; run with -v for details)",
              file=sys.stderr)  # fmt: skip


def _service(
    args: argparse.Namespace, lazy_demo: _LazyDemo, config: Config | None = None
) -> MeetingService:
    from meettray.config import load_config
    from meettray.service import build_service

    demo = lazy_demo.get()
    config = config or load_config(args.config)
    for warning in config.warnings:
        print(f"meettray: {warning}", file=sys.stderr)

    def waiting(seconds: float, why: str) -> None:
        print(f"meettray: {why}; trying again in {seconds:.0f} s…", file=sys.stderr)

    service = build_service(config, demo=demo, on_wait=waiting)
    if service.cache_status.damaged:
        print(f"meettray: {service.cache_status.damaged}", file=sys.stderr)
    service.ensure_signed_in_for_demo()
    return service


def _close(service: MeetingService) -> None:
    """Close the service; say so if history was found damaged (and set aside) on the way."""
    if service.history_set_aside is not None:
        print(
            "meettray: the meeting history file was damaged; it was moved to "
            f"{service.history_set_aside} and a new one was started.",
            file=sys.stderr,
        )
    service.close()


def _cmd_now(args: argparse.Namespace, out: TextIO, demo: _LazyDemo) -> int:
    """No tray answered (main asked it first), or ``--no-copy``: make the meeting here."""
    from meettray.config import load_config
    from meettray.platform.clipboard import system_clipboard

    config = load_config(args.config)
    clipboard = None if args.no_copy else (args.clipboard or system_clipboard())
    early: list[Meeting] = []

    def link_ready(meeting: Meeting) -> None:
        """The link as soon as it exists (a prepared meeting's: before any network), so a
        person pastes it while the PATCH and the history write finish."""
        if not args.json:  # a script asking for JSON gets the meeting as it ends up
            early.append(meeting)
            print(meeting.join_url, file=out, flush=True)
            if not args.no_copy:
                _tell_copy(meeting, config.ui, clipboard)

    try:
        handed, busy = None, False
        if args.external_id is None and not demo.enabled:
            # A prepared meeting, taken before msal and requests are even loaded.
            from meettray.handouts import take_for_now
            from meettray.results import utc_now

            fast = take_for_now(config, args.subject, utc_now(), preset=args.preset,
                                set_aside=_said_set_aside)  # fmt: skip
            handed, busy = fast.handout, fast.busy
            if handed is not None:
                link_ready(handed.meeting)
        service = _service(args, demo, config)
        try:
            if handed is not None:
                created = service.finish_handout(handed)
            else:
                # The prepared meeting, unless this asks again for one a tray may have been
                # making for this id (then only that id may answer, or a second meeting
                # would be made).
                created = service.create(
                    service.instant_request(args.subject, args.preset),
                    external_id=args.external_id,
                    use_spare=args.external_id is None and not busy,  # waited once
                    on_created=link_ready,
                )
            status = _print_created(created, args, out, service.config.ui, clipboard,
                                    shown=bool(early))  # fmt: skip
            _report_recovered(service)
        finally:
            _close(service)
    finally:
        if clipboard is not None:
            clipboard.discard()
    return status


def _said_set_aside(path: Path) -> None:
    print(f"meettray: the meeting history file was damaged; it was moved to {path} and a "
          "new one was started.", file=sys.stderr)  # fmt: skip


def _cmd_schedule(args: argparse.Namespace, out: TextIO, demo: _LazyDemo) -> int:
    from meettray.meetings import MeetingOptions, build_schedule

    try:
        options = MeetingOptions.parse(dict(args.option), text=True)
    except ValidationError as exc:
        raise ValidationError({f"option {k}": v for k, v in exc.problems.items()}) from None
    request = build_schedule(
        subject=args.subject,
        start=args.start,
        end=args.end,
        duration_minutes=args.duration,
        attendees=args.attendee,
        lobby_bypass=args.lobby,
        allowed_presenters=args.presenters,
        calendar=args.calendar,
        presenters=args.presenter,
        options=options,
    )
    if request.starts_before(datetime.now(timezone.utc)) and not args.allow_past:
        raise ValidationError(
            {"start": "The start is in the past; add --allow-past to create it anyway."}
        )
    service = _service(args, demo)
    try:
        created = service.create(request)
        status = _print_created(created, args, out, service.config.ui)
        _report_recovered(service)
    finally:
        _close(service)
    return status


def _report_recovered(service: MeetingService) -> None:
    """After a success the network works: settle earlier actions whose answer was lost."""
    for meeting in service.reconcile():
        print(
            "meettray: found a meeting whose answer had been lost: "
            f"{displayable(meeting.subject)} ({meeting.join_url}); it is in history now.",
            file=sys.stderr,
        )
    for meeting in service.finish_handouts():
        print(
            "meettray: Teams now shows the subject and times asked for on "
            f"{displayable(meeting.subject)} ({meeting.join_url}).",
            file=sys.stderr,
        )
    service.settle_spares()  # others', expired, switched off, or cut short: deleted


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
        print(f"meettray: The link works, but: {displayable(answer.message)}", file=sys.stderr)
        return ExitCode.OK
    if not answer.ok or answer.meeting is None:
        error = MeettrayError(
            answer.message or "The running meettray did not answer properly.",
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


def _print_created(
    created: Created,
    args: argparse.Namespace,
    out: TextIO,
    ui: UiConfig,
    clipboard: ClipboardBackend | None = None,
    *,
    shown: bool = False,
) -> int:
    """The meeting made, for the person or a script; ``shown``: its link was printed and
    copied already (as soon as it existed), only the warnings are left to say."""
    meeting = created.meeting
    for warning in created.warnings:
        print(f"meettray: {displayable(warning)}", file=sys.stderr)
    if shown:
        return ExitCode.OK
    if args.json:  # with each setting Teams did not take, if any, named with its value
        missing = [item.as_json() for item in created.not_applied]
        printed = {**meeting.as_json(), **({"not_applied": missing} if missing else {})}
        print(json_text(printed), file=out)
    else:
        print(meeting.join_url, file=out)
    if not args.no_copy:
        _tell_copy(meeting, ui, clipboard)
    return ExitCode.OK


def _tell_copy(meeting: Meeting, ui: UiConfig, clipboard: ClipboardBackend | None) -> None:
    """Copy as the tray would (``[ui] clipboard``), and say how it went; ``None``: the
    system's clipboard, found now."""
    from meettray.formatting import clipboard_payload

    if clipboard is None:
        from meettray.platform.clipboard import system_clipboard

        clipboard = system_clipboard()
    payload = clipboard_payload(meeting, ui)
    outcome = clipboard.copy(payload.text, payload.html)
    print(f"meettray: {outcome.message}", file=sys.stderr, flush=True)


def _cmd_history(args: argparse.Namespace, out: TextIO, demo: _LazyDemo) -> int:
    from meettray.service import read_history

    meetings, set_aside = read_history(demo=demo.enabled, limit=args.limit, search=args.search)
    if set_aside is not None:
        print(f"meettray: the history file was damaged and was moved to {set_aside}.",
              file=sys.stderr)  # fmt: skip
    if args.json:
        print(json_text([m.as_json() for m in meetings]), file=out)
        return ExitCode.OK
    if not meetings:
        print(_("No meetings yet.") if not args.search else _("No meeting matches."), file=out)
    from meettray.formatting import expiry_text
    from meettray.results import utc_now

    now = utc_now()
    for meeting in meetings:
        when = (meeting.start or meeting.created_at).astimezone().strftime("%Y-%m-%d %H:%M")
        subject = displayable(meeting.subject) or "(no subject)"  # as text, not escapes
        print(f"{when}  {subject}\n    {displayable(meeting.join_url)}", file=out)
        if expiry := expiry_text(meeting, now):  # Teams deletes meetings after a while
            print(f"    {expiry}", file=out)
        if meeting.note:  # what Teams may show otherwise (a prepared meeting's PATCH due)
            print(f"    note: {displayable(meeting.note)}", file=out)
    return ExitCode.OK


def _cmd_login(args: argparse.Namespace, out: TextIO, demo: _LazyDemo) -> int:
    from meettray.accounts import BROWSER_ERROR_HINT, CALENDAR_SCOPES, MEETINGS, Cancellation

    scopes = (MEETINGS, *CALENDAR_SCOPES) if args.calendar else (MEETINGS,)
    service = _service(args, demo)
    try:
        if not service.signs_in:
            service.check_app_access()
            print(
                f"Application mode: the app can get tokens; meetings are created for "
                f"{service.config.account.user_id}.",
                file=out,
            )
            return ExitCode.OK
        cancel = Cancellation()
        try:
            if args.device_code:
                prompt = service.begin_device_code(scopes)
                print(
                    prompt.message
                    or f"Open {prompt.verification_uri} and enter {prompt.user_code}",
                    file=out,
                    flush=True,
                )
                account = service.finish_device_code(prompt, cancel=cancel)
            else:
                print(_("Opening your browser to sign in… (Ctrl+C to cancel)"), file=out)
                print(BROWSER_ERROR_HINT, file=out, flush=True)
                account = service.sign_in_browser(scopes, cancel=cancel)
        except KeyboardInterrupt:
            cancel.cancel()
            raise SignInCancelled("Sign-in was cancelled.") from None
        print(_("Signed in as {user}.").format(user=account.username), file=out)
        return ExitCode.OK
    finally:
        _close(service)


def _cmd_logout(args: argparse.Namespace, out: TextIO, demo: _LazyDemo) -> int:
    service = _service(args, demo)
    try:
        if not service.signs_in:
            print(_("Application mode has no sign-in to forget."), file=out)
            return ExitCode.OK
        account = service.account()
        service.sign_out()
    finally:
        _close(service)
    print(f"Signed out {account.username}." if account else "Nobody was signed in.", file=out)
    return ExitCode.OK


def _cmd_whoami(args: argparse.Namespace, out: TextIO, demo: _LazyDemo) -> int:
    service = _service(args, demo)
    try:
        account = service.account()
        status = service.cache_status
        config = service.config.account
        info = {
            "signed_in": account is not None,
            "username": account.username if account else None,
            "name": account.name if account else None,
            "tenant_id": account.tenant_id if account else None,
            "mode": config.mode,
            "cloud": config.cloud,
            "authority": config.authority_url,
            "graph_endpoint": config.graph_url,
            "token_cache": status.location,
            "token_cache_encrypted": status.encrypted,
            "demo": service.demo,
        }
    finally:
        _close(service)
    if args.json:
        print(json_text(info), file=out)
    else:
        who = f"Signed in as {account.username}." if account else "Not signed in."
        print(who, file=out)
        print(f"Mode: {config.mode}; authority {config.authority_url}", file=out)
        print(f"Graph: {config.graph_url}", file=out)
        print(f"Token cache: {status.location}. {status.explanation}", file=out)
        if not status.encrypted and status.location != "memory":
            print("Warning: the token cache is not encrypted.", file=out)
    return ExitCode.OK if account is not None else ExitCode.SIGN_IN


def _cmd_doctor(args: argparse.Namespace, out: TextIO, demo: _LazyDemo) -> int:
    from meettray.doctor import diagnose

    report = diagnose(args.config, demo=demo.get())
    if args.json:
        print(json_text(report.as_json(), indent=2), file=out)
    else:
        for check in report.checks:
            print(check.line(), file=out)
        print(
            "\nEverything meettray needs works."
            if report.ok
            else "\nSomething above (✗) stops meettray from working.",
            file=out,
        )
    return ExitCode.OK if report.ok else ExitCode.DOCTOR_FOUND_PROBLEMS


def _cmd_autostart(args: argparse.Namespace, out: TextIO, demo: _LazyDemo) -> int:
    import dataclasses

    from meettray.config import load_config, save_config
    from meettray.platform.autostart import set_start_on_login, system_autostart
    from meettray.policy import refuse_override

    entry = system_autostart()
    if args.state != "status":
        wanted = args.state == "on"
        config = load_config(args.config)  # keep Settings' checkbox telling the truth
        refuse_override(config.policy, "ui", "start_on_login", wanted)  # before acting
        set_start_on_login(entry, wanted)
        if config.ui.start_on_login != wanted:
            save_config(
                dataclasses.replace(
                    config, ui=dataclasses.replace(config.ui, start_on_login=wanted)
                ),
                args.config,  # the file it was read from, --config's too
            )
    state = "on" if entry.enabled() else "off"
    print(f"Start on login: {state} ({entry.location})", file=out)
    return ExitCode.OK


def _cmd_setup(args: argparse.Namespace, out: TextIO, demo: _LazyDemo) -> int:
    """Write the manifest, print the Azure CLI steps and the consent address; with ``az``
    and the person's yes, run them and put the new client id in the settings."""
    import dataclasses
    import shutil

    from meettray import paths
    from meettray.config import CLOUDS, load_config, save_config
    from meettray.registration import Plan, consent_url, printed_steps, run_plan

    config = load_config(args.config)  # a settings problem is reported as any command's
    account = config.account
    login_host = CLOUDS[account.cloud].login_host
    tenant = account.tenant if account.tenant not in ("organizations", "common") else "<tenant>"
    folder = (args.config or paths.config_file()).parent
    plan = Plan(args.name, folder / "meettray-app-registration.json")
    try:
        plan.write_manifest()
    except OSError as exc:
        from meettray.errors import StorageError

        raise StorageError(
            f"meettray cannot write the app registration's manifest in {folder} "
            f"({exc.strerror or exc}). Make that folder writable, or run setup with "
            "--config naming a settings file in a folder you can write to.",
            detail=f"{type(exc).__name__}: {exc}",
        ) from None
    print(f"The permissions meettray needs are in {plan.manifest}.", file=out)
    print("\nTo register meettray for your organisation with the Azure CLI:\n", file=out)
    for line in printed_steps(plan):
        print(f"  {line}", file=out)
    print("\nThen an administrator grants consent for everyone, at:", file=out)
    print(f"  {consent_url(login_host, tenant)}", file=out)
    az = shutil.which("az")
    if args.print_only or az is None:
        if az is None and not args.print_only:
            print("\n(The Azure CLI, az, is not installed here: run the steps where it is, "
                  "or follow the README's portal steps.)", file=out)  # fmt: skip
        return ExitCode.OK
    if not args.yes:
        if not sys.stdin.isatty():
            print("\nRun again with --yes to have meettray run these now.", file=out)
            return ExitCode.OK
        answer = input("\nRun these now with az (signed in as an administrator)? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            return ExitCode.OK
    if config.policy and (enforced := config.policy.enforcer("account", "client_id")):
        from meettray.errors import ConfigError

        raise ConfigError(f"[account] client_id is set by your organisation ({enforced[1]}); "
                          "meettray setup cannot change it.")  # fmt: skip
    client_id = run_plan(plan, az)
    path = save_config(
        dataclasses.replace(config, account=dataclasses.replace(account, client_id=client_id)),
        args.config,
    )
    print(f"\nRegistered: client id {client_id}, saved in {path}.", file=out)
    print("Grant consent for your organisation at:", file=out)
    print(f"  {consent_url(login_host, tenant, client_id)}", file=out)
    return ExitCode.OK


def _cmd_upcoming(args: argparse.Namespace, out: TextIO, demo: _LazyDemo) -> int:
    from meettray.cli_upcoming import cmd_upcoming

    service = _service(args, demo)
    try:
        return cmd_upcoming(args, out, service)
    finally:
        _close(service)


def _cmd_join(args: argparse.Namespace, out: TextIO, demo: _LazyDemo) -> int:
    from meettray.cli_upcoming import join_url_for, open_join
    from meettray.config import load_config

    config = load_config(args.config)
    hosts = config.account.link_hosts(demo=demo.enabled)
    if args.url:  # a link given: no sign-in, no network
        return open_join(join_url_for(args, None, hosts), config.calendar.join, out)
    service = _service(args, demo, config)
    try:
        url = join_url_for(args, service, hosts)
    finally:
        _close(service)
    return open_join(url, config.calendar.join, out)


def _cmd_integrate(args: argparse.Namespace, out: TextIO, demo: _LazyDemo) -> int:
    from meettray.platform.url_scheme import link_command, system_scheme

    scheme = system_scheme()
    command = link_command(demo=args.demo, config=args.given_config)
    print(scheme.unregister() if args.remove else scheme.register(command), file=out)
    return ExitCode.OK


_COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO, _LazyDemo], int]] = {
    "now": _cmd_now,
    "schedule": _cmd_schedule,
    "history": _cmd_history,
    "login": _cmd_login,
    "logout": _cmd_logout,
    "whoami": _cmd_whoami,
    "autostart": _cmd_autostart,
    "doctor": _cmd_doctor,
    "setup": _cmd_setup,
    "upcoming": _cmd_upcoming,
    "join": _cmd_join,
    "integrate": _cmd_integrate,
}
