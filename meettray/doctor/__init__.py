"""``meettray doctor``: why something does not work, one check per line, with the fix.

Each check says ok, warning (works, but worth fixing) or failure (blocks
use), and what to do.  Graph failures carry their request-id.  No check ever
prints a token or secret.  Desktop checks (display, tray, clipboard, hotkeys)
ask the running tray app when there is one; otherwise they probe here.

Its modules: ``report`` (the report and each error's fix), ``local`` (policy,
files, links, history), ``account`` (sign-in, Graph, the calendar) and
``desktop``; :func:`diagnose` here runs them in order.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from meettray.doctor.account import account_checks, skip_account
from meettray.doctor.desktop import desktop_checks
from meettray.doctor.local import files_check, history_check, links_check, policy_check
from meettray.doctor.report import FAIL, OK, SKIP, WARN, Check, Report, Status, fix_for
from meettray.errors import MeettrayError
from meettray.i18n import _

if TYPE_CHECKING:
    from meettray.config import Config
    from meettray.demo.runtime import DemoEnvironment

__all__ = ["FAIL", "OK", "SKIP", "WARN", "Check", "Report", "Status", "diagnose", "fix_for"]


def diagnose(config_path: Path | None, *, demo: DemoEnvironment | None = None) -> Report:
    """Run every check; never raises for a problem it can describe."""
    from meettray.config import load_config

    report = Report()
    try:
        config = load_config(config_path)
    except MeettrayError as exc:
        report.add(
            "Settings file", FAIL, exc.message, _("Correct the file (see README, 'Configuration').")
        )
        skip_account(report, _("the settings file is invalid"))
        desktop_checks(report, demo=demo is not None)
        return report
    where = config.path if config.path and config.path.exists() else None
    report.add(
        "Settings file",
        OK,
        _("{path} is valid").format(path=where)
        if where
        else _("none at {path}; using defaults").format(path=config.path),
    )
    for warning in config.warnings:
        report.add("Settings file", WARN, warning, _("Remove or correct that setting."))
    policy_check(report, config.policy)
    names = config.account_names()
    for name in names:  # each account's checks, named by its account where there are several
        checked = Report()
        _account_checks(checked, config.for_account(name), demo)
        for check in checked.checks:
            if len(names) > 1:
                check.account = name
            report.checks.append(check)
    files_check(report)
    links_check(report, demo=demo is not None)
    history_check(report, demo=demo is not None)
    desktop_checks(report, demo=demo is not None, hotkeys=dataclasses.asdict(config.hotkeys))
    return report


def _account_checks(report: Report, config: Config, demo: DemoEnvironment | None) -> None:
    """One account's checks: its registration, its cloud, and its sign-in (``config`` is
    a view whose account is that account)."""
    if demo is not None:
        config = demo.config(config)
    account = config.account
    table = "[account]" if config.profile == "main" else f"[accounts.{config.profile}]"
    if not account.client_id:
        report.add(
            "App registration",
            FAIL,
            _("no client_id is set"),
            _("Register meettray in Microsoft Entra ID and put its Application (client) ID "
              "in {table} client_id (README: 'Registering meettray in Microsoft Entra ID')."
              ).format(table=table),
        )  # fmt: skip
        skip_account(report, _("no client_id"))
    else:
        report.add("App registration", OK, _("client id {client_id} ({mode} mode)").format(
            client_id=account.client_id, mode=account.mode))  # fmt: skip
        report.add(
            "Cloud",
            OK,
            _("{cloud}: sign-in {authority}, Graph {graph}").format(
                cloud=account.cloud, authority=account.authority_url, graph=account.graph_url
            ),
        )
        account_checks(report, config, demo)
