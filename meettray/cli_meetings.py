"""``meettray now``, ``schedule`` and ``history``: making a meeting here (a prepared one
first, with no network), printing and copying it, and listing those made so far.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from meettray.cli_service import LazyDemo, close_service, service_for
from meettray.errors import ExitCode, ValidationError
from meettray.i18n import _
from meettray.plaintext import displayable, json_text

if TYPE_CHECKING:
    from meettray.config import UiConfig
    from meettray.meetings import Meeting
    from meettray.platform.clipboard import ClipboardBackend
    from meettray.results import Created
    from meettray.service import MeetingService


def cmd_now(args: argparse.Namespace, out: TextIO, demo: LazyDemo) -> int:
    """No tray answered (main asked it first), or ``--no-copy``: make the meeting here."""
    from meettray.config import load_config
    from meettray.platform.clipboard import system_clipboard

    # Whose meeting: --account, else the preset's account, else the default one (a view of
    # the settings whose account is that profile's; an unknown name is exit 3).
    loaded = load_config(args.config)
    account = getattr(args, "account", None) or loaded.preset(args.preset).account
    config = loaded.for_account(account)
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
        from meettray.creation import Creation
        from meettray.results import utc_now

        # Asking again by the id a tray that did not answer was given, or a new one.
        creation = Creation.meet_now(config.preset(args.preset).request(utc_now(), args.subject),
                                     external_id=args.external_id,
                                     retry=args.external_id is not None)  # fmt: skip
        taken = None
        if not demo.enabled:
            # The first stage, before msal and requests are even loaded: a prepared meeting.
            from meettray.handouts import take_for_now

            taken = take_for_now(config, creation, utc_now(), set_aside=_said_set_aside)
            if taken.handout is not None:
                link_ready(taken.handout.meeting)
        service = service_for(args, demo, loaded, account=config.profile)
        try:
            created = service.make(creation, on_link=link_ready, taken=taken)
            status = _print_created(created, args, out, service.config.ui, clipboard,
                                    shown=bool(early))  # fmt: skip
            _report_recovered(service)
        finally:
            close_service(service)
    finally:
        if clipboard is not None:
            clipboard.discard()
    return status


def _said_set_aside(path: Path) -> None:
    print(_("meettray: the meeting history file was damaged; it was moved to {path} and a "
            "new one was started.").format(path=path), file=sys.stderr)  # fmt: skip


def cmd_schedule(args: argparse.Namespace, out: TextIO, demo: LazyDemo) -> int:
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
            {"start": _("The start is in the past; add --allow-past to create it anyway.")}
        )
    service = service_for(args, demo)
    try:
        from meettray.creation import Creation

        created = service.make(Creation.schedule(request))
        status = _print_created(created, args, out, service.config.ui)
        _report_recovered(service)
    finally:
        close_service(service)
    return status


def _report_recovered(service: MeetingService) -> None:
    """After a success the network works: settle earlier actions whose answer was lost."""
    for meeting in service.reconcile():
        print(
            _("meettray: found a meeting whose answer had been lost: {subject} ({link}); it "
              "is in history now.").format(subject=displayable(meeting.subject),
                                           link=meeting.join_url),
            file=sys.stderr,
        )  # fmt: skip
    for meeting in service.finish_handouts():
        print(
            _("meettray: Teams now shows the subject and times asked for on {subject} "
              "({link}).").format(subject=displayable(meeting.subject), link=meeting.join_url),
            file=sys.stderr,
        )  # fmt: skip
    service.settle_spares()  # others', expired, switched off, or cut short: deleted


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


def cmd_history(args: argparse.Namespace, out: TextIO, demo: LazyDemo) -> int:
    from meettray.service import read_history

    profile = getattr(args, "account", None)
    if profile is not None:  # an unknown name is the settings' error (exit 3)
        from meettray.config import load_config

        profile = load_config(args.config).for_account(profile).profile
    meetings, set_aside = read_history(demo=demo.enabled, limit=args.limit, search=args.search,
                                       profile=profile)  # fmt: skip
    if set_aside is not None:
        print(_("meettray: the history file was damaged and was moved to {path}.").format(
            path=set_aside), file=sys.stderr)  # fmt: skip
    if args.json:
        print(json_text([m.as_json() for m in meetings]), file=out)
        return ExitCode.OK
    if not meetings:
        print(_("No meetings yet.") if not args.search else _("No meeting matches."), file=out)
    from meettray.formatting import expiry_text
    from meettray.i18n import date_time_text
    from meettray.results import utc_now

    now = utc_now()
    for meeting in meetings:
        when = date_time_text((meeting.start or meeting.created_at).astimezone())
        subject = displayable(meeting.subject) or _("(no subject)")  # as text, not escapes
        print(f"{when}  {subject}\n    {displayable(meeting.join_url)}", file=out)
        if expiry := expiry_text(meeting, now):  # Teams deletes meetings after a while
            print(f"    {expiry}", file=out)
        if meeting.note:  # what Teams may show otherwise (a prepared meeting's PATCH due)
            print("    " + _("note: {note}").format(note=displayable(meeting.note)), file=out)
    return ExitCode.OK
