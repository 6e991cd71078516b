"""``meettray setup``, ``doctor``, ``autostart`` and ``integrate``: setting meettray up
in an organisation and on this computer, and checking that it works.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from meettray.cli_service import LazyDemo
from meettray.errors import ExitCode
from meettray.i18n import _
from meettray.plaintext import json_text


def cmd_doctor(args: argparse.Namespace, out: TextIO, demo: LazyDemo) -> int:
    from meettray.doctor import diagnose

    report = diagnose(args.config, demo=demo.get())
    if args.json:
        print(json_text(report.as_json(), indent=2), file=out)
    else:
        for check in report.checks:
            print(check.line(), file=out)
        print(
            "\n"
            + (
                _("Everything meettray needs works.")
                if report.ok
                else _("Something above (✗) stops meettray from working.")
            ),
            file=out,
        )
    return ExitCode.OK if report.ok else ExitCode.DOCTOR_FOUND_PROBLEMS


def cmd_autostart(args: argparse.Namespace, out: TextIO, demo: LazyDemo) -> int:
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
    said = (
        _("Start on login: on ({where})") if entry.enabled() else _("Start on login: off ({where})")
    )
    print(said.format(where=entry.location), file=out)
    return ExitCode.OK


def cmd_setup(args: argparse.Namespace, out: TextIO, demo: LazyDemo) -> int:
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
            _(
                "meettray cannot write the app registration's manifest in {folder} "
                "({problem}). Make that folder writable, or run setup with "
                "--config naming a settings file in a folder you can write to."
            ).format(folder=folder, problem=exc.strerror or exc),
            detail=f"{type(exc).__name__}: {exc}",
        ) from None
    print(_("The permissions meettray needs are in {path}.").format(path=plan.manifest),
          file=out)  # fmt: skip
    print("\n" + _("To register meettray for your organisation with the Azure CLI:") + "\n",
          file=out)  # fmt: skip
    for line in printed_steps(plan):
        print(f"  {line}", file=out)
    print("\n" + _("Then an administrator grants consent for everyone, at:"), file=out)
    print(f"  {consent_url(login_host, tenant)}", file=out)
    az = shutil.which("az")
    if args.print_only or az is None:
        if az is None and not args.print_only:
            print("\n" + _("(The Azure CLI, az, is not installed here: run the steps where it "
                          "is, or follow the README's portal steps.)"), file=out)  # fmt: skip
        return ExitCode.OK
    if not args.yes:
        if not sys.stdin.isatty():
            print("\n" + _("Run again with --yes to have meettray run these now."), file=out)
            return ExitCode.OK
        answer = input("\n" + _("Run these now with az (signed in as an administrator)? [y/N] "))
        if answer.strip().lower() not in ("y", "yes", _("y"), _("yes")):
            return ExitCode.OK
    if config.policy and (enforced := config.policy.enforcer("account", "client_id")):
        from meettray.errors import ConfigError

        raise ConfigError(
            _("[account] client_id is set by your organisation ({source}); meettray setup "
              "cannot change it.").format(source=enforced[1])
        )  # fmt: skip
    client_id = run_plan(plan, az)
    path = save_config(
        dataclasses.replace(config, account=dataclasses.replace(account, client_id=client_id)),
        args.config,
    )
    print("\n" + _("Registered: client id {client_id}, saved in {path}.").format(
        client_id=client_id, path=path), file=out)  # fmt: skip
    print(_("Grant consent for your organisation at:"), file=out)
    print(f"  {consent_url(login_host, tenant, client_id)}", file=out)
    return ExitCode.OK


def cmd_integrate(args: argparse.Namespace, out: TextIO, demo: LazyDemo) -> int:
    from meettray.platform.url_scheme import link_command, system_scheme

    scheme = system_scheme()
    command = link_command(demo=args.demo, config=args.given_config)
    print(scheme.unregister() if args.remove else scheme.register(command), file=out)
    return ExitCode.OK
