"""``meettray upcoming`` and ``meettray join``: the calendar's next meetings, and joining one.

Kept apart from :mod:`meettray.cli` (which registers them and runs their bodies, here) so
that the command line's entry module stays small; the same rules as the tray's come from
:mod:`meettray.upcoming`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, TextIO

from meettray.cli_service import LazyDemo, close_service, service_for
from meettray.errors import ExitCode, MeettrayError, SignInRequired, ValidationError
from meettray.i18n import N_, _, time_text
from meettray.meetings import join_link_problem
from meettray.plaintext import displayable
from meettray.upcoming import (
    MAX_CLIPBOARD_TEXT,
    Upcoming,
    UpcomingList,
    clipboard_link,
    in_time_order,
    join_target,
    next_meeting,
    teams_hosts,
    visible,
    when_label,
)

if TYPE_CHECKING:
    from meettray.config import Config
    from meettray.service import MeetingService

#: ``--hours``: how far ahead by default, and at most.
DEFAULT_HOURS = 12
MAX_HOURS = 7 * 24
#: What ``--account`` accepts besides an account's name: the default account, as before
#: several accounts (and that account's signed-in address).
DEFAULT_PROFILE = "default"


class NothingToJoin(MeettrayError):
    """No meeting to join (none ahead, or the next has no Teams link)."""

    exit_code = ExitCode.UNEXPECTED


class NoClipboard(MeettrayError):
    """The clipboard could not be read here (no display, no tool to read it)."""

    exit_code = ExitCode.NO_DESKTOP


def _hours(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{text} is not a whole number").format(text=repr(text))
        ) from None
    if not 1 <= value <= MAX_HOURS:
        raise argparse.ArgumentTypeError(
            _("must be between {low} and {high}").format(low=1, high=MAX_HOURS)
        )
    return value


def add_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    """Register ``upcoming`` and ``join`` (``command`` makes a subcommand's parser)."""
    upcoming = command("upcoming", help="list your next meetings from your calendar")
    upcoming.add_argument("--json", action="store_true", help="print a JSON array")
    upcoming.add_argument("--hours", type=_hours, default=DEFAULT_HOURS, metavar="N",
                          help="how far ahead, in hours (default: %(default)s)")  # fmt: skip
    upcoming.add_argument("--account", metavar="NAME",
                          help="whose calendar: an account from the settings (default: the "
                               "default account)")  # fmt: skip
    upcoming.add_argument("--all", action="store_true",
                          help="also cancelled, declined and all-day events")  # fmt: skip
    join = command("join", help="join the next meeting, a Teams link, or the one copied")
    target = join.add_mutually_exclusive_group()
    target.add_argument(
        "--next", action="store_true",
        help="the meeting in progress, else the next to start (default)",
    )  # fmt: skip
    # Not ``args.clipboard``: the command line's copying backend has that name.
    target.add_argument("--clipboard", action="store_true", dest="from_clipboard",
                        help="the Teams meeting link on the clipboard")  # fmt: skip
    target.add_argument("url", nargs="?", help="a Teams meeting link")


def _check_account(name: str | None, service: MeetingService) -> None:
    """``--account``: an account's name (its service was built), ``default``, or the
    default account's signed-in address; anything else lists the accounts there are."""
    config = service.config
    if name is None or name == DEFAULT_PROFILE or name in config.account_names():
        return
    account = service.account()
    if account is None or name.lower() != account.username.lower():
        from meettray.errors import UnknownAccount

        raise UnknownAccount(displayable(name), config.account_names(),
                             str(config.path) if config.path else "")  # fmt: skip


def _read(args: argparse.Namespace, service: MeetingService, whose: str) -> UpcomingList:
    """One account's list; a last good one (offline) says so, naming ``whose`` ("": the
    only account)."""
    found = service.upcoming(getattr(args, "hours", DEFAULT_HOURS))
    if found.stale_because and found.fetched_at is not None:
        when = time_text(found.fetched_at.astimezone())
        shown = _("Showing the list read at {time}.").format(time=when)
        prefix = f"meettray: {displayable(whose)}: " if whose else "meettray: "
        print(f"{prefix}{displayable(found.stale_because)} {shown}", file=sys.stderr)
    return found


def show_upcoming(
    args: argparse.Namespace, out: TextIO, found: Sequence[Upcoming], labels: dict[str, str]
) -> int:
    """The meetings of every account read, in time order; ``labels``: each account's
    label, where there are several (then each meeting names its account)."""
    now = datetime.now(timezone.utc)
    ordered = in_time_order(found)
    items = visible(ordered, now, include_hidden=args.all)
    if args.json:
        print(json.dumps([i.to_json(now) for i in items], ensure_ascii=False), file=out)
        return ExitCode.OK
    if not items:
        print(_("No meetings in the next {hours} hours.").format(hours=args.hours), file=out)
    for item in items:
        print(_line(item, now, labels.get(item.profile, "")), file=out)
    return ExitCode.OK


def _line(item: Upcoming, now: datetime, whose: str = "") -> str:
    start = time_text(item.start.astimezone())
    end = time_text(item.end.astimezone())
    flags = [_(f) for f, on in ((N_("cancelled"), item.is_cancelled),
                                (N_("declined"), item.declined),
                                (N_("all day"), item.is_all_day)) if on]  # fmt: skip
    extra = f" [{', '.join(flags)}]" if flags else ""
    link = displayable(item.join_url) if item.join_url else _("(no Teams link)")
    subject = displayable(item.subject) or _("(no subject)")
    when = when_label(item, now)
    soon = f"  ({when})" if when != start else ""
    account = f"[{displayable(whose)}] " if whose else ""
    return (f"{start}-{end}  {subject}{soon}{extra}\n"
            f"    {account}{displayable(item.organizer)}  {link}")  # fmt: skip


def join_url_for(args: argparse.Namespace, hosts: frozenset[str]) -> str:
    """The link given, checked against Teams' hosts."""
    if problem := join_link_problem(args.url, teams_hosts(hosts)):
        raise ValidationError(
            {"url": _("That is not a Teams meeting link: {problem}.").format(problem=problem)}
        )
    return str(args.url)


def next_join_url(found: Sequence[Upcoming]) -> str:
    """The link of the meeting in progress, else of the next to start, on any account."""
    ordered = in_time_order(found)
    meeting = next_meeting(ordered, datetime.now(timezone.utc))
    if meeting is None:
        raise NothingToJoin(_("No meeting in the next {hours} hours.").format(hours=DEFAULT_HOURS))
    if meeting.join_url is None:
        raise NothingToJoin(
            _("The next meeting, “{subject}”, has no Teams link "
              "(yet, or it is on another service); open it in Outlook.").format(
                subject=displayable(meeting.subject))
        )  # fmt: skip
    return meeting.join_url


def clipboard_join_url(hosts: frozenset[str]) -> str:
    """The Teams link on the clipboard (the same check as the tray's), read without Qt."""
    from meettray.platform.clipboard_read import ClipboardUnreadable, read_clipboard

    try:
        text = read_clipboard(MAX_CLIPBOARD_TEXT)
    except ClipboardUnreadable as exc:
        raise NoClipboard(_("Could not read the clipboard: {why}").format(why=exc)) from None
    url = clipboard_link(text, hosts)
    if url is None:  # its text is not repeated: it is anyone's
        raise ValidationError({"clipboard": _("The clipboard holds no Teams meeting link.")})
    return url


def open_join(url: str, mode: str, out: TextIO) -> int:
    """Open ``url`` the way ``mode`` says (see :func:`join_target`)."""
    import webbrowser

    target = join_target(url, mode)
    if not webbrowser.open(target):
        print(_("meettray: nothing here could open the link; open it yourself:\n{link}")
              .format(link=target), file=sys.stderr)  # fmt: skip
        return ExitCode.NO_DESKTOP
    print(_("Joining: {link}").format(link=displayable(url)), file=out)
    return ExitCode.OK


def cmd_upcoming(args: argparse.Namespace, out: TextIO, demo: LazyDemo) -> int:
    from meettray.config import load_config

    config = load_config(args.config)
    found, labels = upcoming_everywhere(args, demo, config)
    return show_upcoming(args, out, found, labels)


def upcoming_everywhere(
    args: argparse.Namespace, demo: LazyDemo, config: Config
) -> tuple[list[Upcoming], dict[str, str]]:
    """The meetings ahead on the calendar of ``--account``, else of every account signed
    in (an account not signed in is not asked; one that fails is said on stderr, and the
    others are shown).  With one account, its failure is the command's, as before.  Also
    each account's label where there are several."""
    names = config.account_names()
    wanted = getattr(args, "account", None)  # join has no --account: every account
    if wanted is not None:
        asked = [wanted if wanted in names else config.default_account()]
    else:
        asked = list(names)
    several = len(asked) > 1
    labels = {name: config.label_of(name) for name in asked} if several else {}
    found: list[Upcoming] = []
    failed: list[tuple[str, MeettrayError]] = []
    read = 0
    for name in asked:
        service = service_for(args, demo, config, account=name, warn=name == asked[0])
        try:
            _check_account(wanted, service)
            if several and service.account() is None:
                continue  # not signed in: nothing to read there
            found.extend(_read(args, service, labels.get(name, "")).items)
            read += 1
        except MeettrayError as exc:
            if not several:
                raise
            failed.append((name, exc))
        finally:
            close_service(service)
    if several and read == 0:
        if failed:
            raise failed[0][1]  # no account could say (no calendar consent: exit 4)
        raise SignInRequired(_("You are not signed in. Sign in first."))
    for name, error in failed:
        print(f"meettray: {displayable(labels[name])}: {displayable(error.message)}",
              file=sys.stderr)  # fmt: skip
    return found, labels


def cmd_join(args: argparse.Namespace, out: TextIO, demo: LazyDemo) -> int:
    from meettray.config import load_config

    config = load_config(args.config)
    hosts = config.account.link_hosts(demo=demo.enabled)
    if args.from_clipboard:  # no sign-in, no network either
        return open_join(clipboard_join_url(hosts), config.calendar.join, out)
    if args.url:  # a link given: no sign-in, no network
        return open_join(join_url_for(args, hosts), config.calendar.join, out)
    url = next_join_url(upcoming_everywhere(args, demo, config)[0])
    return open_join(url, config.calendar.join, out)
