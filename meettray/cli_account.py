"""``meettray login``, ``logout`` and ``whoami``: the account a command signs in with."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from meettray.cli_service import LazyDemo, close_service, service_for
from meettray.errors import ExitCode, MeettrayError, SignInCancelled
from meettray.i18n import _
from meettray.plaintext import displayable, json_text

if TYPE_CHECKING:
    from meettray.service import MeetingService


def cmd_login(args: argparse.Namespace, out: TextIO, demo: LazyDemo) -> int:
    from meettray.accounts import BROWSER_ERROR_HINT, CALENDAR_SCOPES, MEETINGS, Cancellation

    scopes = (MEETINGS, *CALENDAR_SCOPES) if args.calendar else (MEETINGS,)
    service = service_for(args, demo)
    try:
        if not service.signs_in:
            service.check_app_access()
            print(
                _("Application mode: the app can get tokens; meetings are created for "
                  "{user}.").format(user=service.config.account.user_id),
                file=out,
            )  # fmt: skip
            return ExitCode.OK
        cancel = Cancellation()
        try:
            if args.device_code:
                prompt = service.begin_device_code(scopes)
                print(
                    prompt.message
                    or _("Open {address} and enter {code}").format(
                        address=prompt.verification_uri, code=prompt.user_code
                    ),
                    file=out,
                    flush=True,
                )
                account = service.finish_device_code(prompt, cancel=cancel)
            else:
                print(_("Opening your browser to sign in… (Ctrl+C to cancel)"), file=out)
                print(_(BROWSER_ERROR_HINT), file=out, flush=True)
                account = service.sign_in_browser(scopes, cancel=cancel)
        except KeyboardInterrupt:
            cancel.cancel()
            raise SignInCancelled(_("Sign-in was cancelled.")) from None
        print(_("Signed in as {user}.").format(user=account.username) + _whose(service),
              file=out)  # fmt: skip
        return ExitCode.OK
    finally:
        close_service(service)


def cmd_logout(args: argparse.Namespace, out: TextIO, demo: LazyDemo) -> int:
    """Sign one account out (``--account``, else the default one); the others stay."""
    service = service_for(args, demo)
    try:
        if not service.signs_in:
            print(_("Application mode has no sign-in to forget."), file=out)
            return ExitCode.OK
        account = service.account()
        service.sign_out()
        whose = _whose(service)
    finally:
        close_service(service)
    said = (
        _("Signed out {user}.").format(user=account.username)
        if account
        else _("Nobody was signed in.")
    )
    print(said + whose, file=out)
    return ExitCode.OK


def _whose(service: MeetingService) -> str:
    """ " (account NAME)" where the settings have more than one, else ""."""
    config = service.config
    if len(config.account_names()) == 1:
        return ""
    label = config.label_of(config.profile)
    return f" (account {config.profile}{': ' + label if label != config.profile else ''})"


def cmd_accounts(args: argparse.Namespace, out: TextIO, demo: LazyDemo) -> int:
    """``meettray accounts``: each profile, who is signed in to it, and the default."""
    from meettray.config import load_config

    config = load_config(args.config)
    for warning in config.warnings:
        print(f"meettray: {warning}", file=sys.stderr)
    rows = []
    for name in config.account_names():
        try:  # one account that cannot be asked (no secret, offline) is not the others'
            service = service_for(args, demo, config, account=name, warn=False)
            try:
                account = service.account()
            finally:
                close_service(service)
        except MeettrayError as exc:
            print(f"meettray: {name}: {displayable(exc.message)}", file=sys.stderr)
            account = None
        rows.append({
            "name": name,
            "label": config.label_of(name),
            "username": account.username if account else None,
            "tenant_id": account.tenant_id if account else None,
            "signed_in": account is not None,
            "default": name == config.default_account(),
        })  # fmt: skip
    if args.json:
        print(json_text(rows), file=out)
        return ExitCode.OK
    for row in rows:
        mark = "*" if row["default"] else " "
        who = (f"{row['username']} (tenant {row['tenant_id']})" if row["signed_in"]
               else "not signed in")  # fmt: skip
        label = f" “{row['label']}”" if row["label"] != row["name"] else ""
        print(displayable(f"{mark} {row['name']}{label}: {who}"), file=out)
    print("(* the default account: a plain Meet now makes its meetings)", file=out)
    return ExitCode.OK


def cmd_whoami(args: argparse.Namespace, out: TextIO, demo: LazyDemo) -> int:
    service = service_for(args, demo)
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
        close_service(service)
    if args.json:
        print(json_text(info), file=out)
    else:
        who = (
            _("Signed in as {user}.").format(user=account.username)
            if account
            else _("Not signed in.")
        )
        print(who, file=out)
        print(_("Mode: {mode}; authority {authority}").format(
            mode=config.mode, authority=config.authority_url), file=out)  # fmt: skip
        print(_("Graph: {address}").format(address=config.graph_url), file=out)
        print(_("Token cache: {where}. {explanation}").format(
            where=status.location, explanation=status.explanation), file=out)  # fmt: skip
        if not status.encrypted and status.location != "memory":
            print(_("Warning: the token cache is not encrypted."), file=out)
    return ExitCode.OK if account is not None else ExitCode.SIGN_IN
