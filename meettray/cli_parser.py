"""The ``meettray`` command's parser: its commands, their options, and how a value is
checked as it is read (a usage error exits 2 with a pointer to ``--help``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from meettray import __version__
from meettray.errors import ExitCode
from meettray.i18n import N_, _


class _Translated(argparse.HelpFormatter):
    """argparse's help in the person's language, translated as it is written (so that a
    command that prints no help never reads the catalog): each option's help, the
    description and epilog, the section titles and the ``usage:`` prefix."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        return _(action.help) if action.help else action.help

    def add_text(self, text: str | None) -> None:
        super().add_text(_(text) if text and text != argparse.SUPPRESS else text)

    def start_section(self, heading: str | None) -> None:
        super().start_section(_(heading) if heading else heading)

    def add_usage(
        self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None
    ) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


#: argparse's own words in the help, in our catalog (argparse's is rarely installed).
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("options"),
    N_("positional arguments"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits 2 with the message and a pointer to --help, and
    the help is in the person's language (the help texts are marked where they are
    given: ``scripts/catalogs.py`` reads ``help=``, ``description=`` and ``epilog=``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Translated)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        said = _("{prog}: error: {message}\n(see '{prog} --help')\n")
        self.exit(ExitCode.USAGE, said.format(prog=self.prog, message=message))


def _preset_name(text: str) -> str:
    from meettray.choices import PRESET_NAME

    if not PRESET_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            _("{text} is not a preset name (lower-case letters, digits, - and _)").format(
                text=repr(text)
            )
        )
    return text


def _account_name(text: str) -> str:
    from meettray.choices import ACCOUNT_NAME

    if not ACCOUNT_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an account's name (lower-case letters, digits, - and _), as in "
            "[accounts.NAME] in the settings"
        )
    return text


def account_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--account NAME``: a settings profile (``[accounts.NAME]``, "main" for ``[account]``)."""
    parser.add_argument("--account", type=_account_name, metavar="NAME",
                        help=f"{what} (default: the default account)")  # fmt: skip


def _option(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(
            _("{text} is not NAME=VALUE (e.g. watermark=on)").format(text=repr(text))
        )
    return name.strip(), value.strip()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{text} is not a whole number").format(text=repr(text))
        ) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(_("must be at least 1"))
    return value


def _minutes(text: str) -> int:
    """A meeting's length, within the bounds settings and presets have."""
    from meettray.config import MAX_MINUTES, MIN_MINUTES

    value = _positive_int(text)
    if not MIN_MINUTES <= value <= MAX_MINUTES:
        raise argparse.ArgumentTypeError(
            _("must be between {low} and {high} minutes, as in the settings").format(
                low=MIN_MINUTES, high=MAX_MINUTES
            )
        )
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
    account_option(now, "whose meeting: an account from the settings (else the preset's)")
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
    account_option(schedule, "whose meeting: an account from the settings")
    _output_options(schedule)

    history = command("history", help="list meetings created so far, newest first")
    history.add_argument("--json", action="store_true", help="print a JSON array")
    history.add_argument(
        "--limit", type=_positive_int, default=20, metavar="N",
        help="how many meetings, newest first (default: 20)",
    )  # fmt: skip
    history.add_argument("--search", default="", metavar="TEXT", help="match in the subject")
    history.add_argument("--account", type=_account_name, metavar="NAME",
                         help="only the meetings made with this account")  # fmt: skip

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
    account_option(login, "the account to sign in")
    logout = command("logout", help="sign out and forget your tokens")
    account_option(logout, "the account to sign out (the others stay signed in)")
    accounts = command("accounts", help="list the accounts in the settings and who is signed in")
    accounts.add_argument("--json", action="store_true", help="print a JSON array, for scripts")
    whoami = command("whoami", help="show who is signed in and how tokens are kept")
    account_option(whoami, "whose sign-in")
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
