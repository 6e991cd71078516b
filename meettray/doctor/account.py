"""Doctor's checks of the account: sign-in set up, the token cache, the network path,
who is signed in, Graph's permission, the month's meetings, the calendar and how a
meeting is joined.  Nobody signed in: the Graph checks are skipped, not failed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from meettray.doctor.report import FAIL, OK, SKIP, WARN, Report
from meettray.errors import ConfigError, MeettrayError
from meettray.i18n import _

if TYPE_CHECKING:
    from meettray.demo.runtime import DemoEnvironment
    from meettray.service import MeetingService

#: The logger doctor had as one module: the log's lines name it as before.
log = logging.getLogger("meettray.doctor")


def skip_account(report: Report, why: str) -> None:
    for name in ("Token cache", "Signed in", "Microsoft Graph"):
        report.add(name, SKIP, _("not checked: {why}").format(why=why))


def account_checks(report: Report, config: Any, demo: DemoEnvironment | None) -> None:
    from meettray.service import build_service

    try:
        service = build_service(config, demo=demo)
    except MeettrayError as exc:
        report.failed("Sign-in setup", exc)
        skip_account(report, _("sign-in cannot be set up"))
        return
    try:
        try:
            service.check_registration()
        except ConfigError as exc:  # the sign-in would fail the same way: say so first
            report.failed("App registration", exc)
        except MeettrayError as exc:  # offline, say: the Graph check below reports it
            log.info("app registration not checked: %s", exc.message)
        _cache_check(report, service)
        trust, proxy, pac = service.network_path()
        report.add("Network", OK, _("certificates: {trust}; proxy: {proxy}").format(
            trust=trust, proxy=proxy))  # fmt: skip
        if pac:
            report.add(
                "Network", WARN,
                _("the system's proxy settings use a PAC file ({pac}), which meettray does "
                  "not read: it connects directly unless HTTPS_PROXY says otherwise").format(
                    pac=pac),
                _("If meettray cannot reach Microsoft, set HTTPS_PROXY to the proxy your PAC "
                  "file names for graph.microsoft.com (ask IT), e.g. in your login profile."),
            )  # fmt: skip
        if _account_check(report, service):
            _graph_check(report, service)
            _quota_check(report, service)
            _calendar_checks(report, service)
        else:
            report.add("Microsoft Graph", SKIP,
                       _("not checked: {why}").format(why=_("nobody is signed in")))  # fmt: skip
    finally:
        service.close()


def _cache_check(report: Report, service: MeetingService) -> None:
    status = service.cache_status
    if status.location == "memory":
        report.add("Token cache", OK, status.explanation)
    elif status.encrypted:
        report.add("Token cache", OK, f"{status.location} ({status.explanation})")
    else:
        report.add(
            "Token cache",
            WARN,
            f"{status.location}: {status.explanation}",
            _(
                "Run and unlock a Secret Service keyring (gnome-keyring or KWallet) in your "
                "desktop session; at the next start meettray moves the tokens into it. See "
                "'Files' below for who can read the file meanwhile."
            ),
        )


def _account_check(report: Report, service: MeetingService) -> bool:
    try:
        account = service.ensure_signed_in_for_demo()
    except MeettrayError as exc:
        report.failed("Signed in", exc)
        return False
    if account is None:
        profile = service.profile
        login = "meettray login" + ("" if profile == "main" else f" --account {profile}")
        report.add("Signed in", FAIL, _("nobody is signed in"),
                   _("Run: {command}").format(command=login))  # fmt: skip
        return False
    if account.is_personal:
        report.add(
            "Signed in",
            FAIL,
            _("{user} is a personal Microsoft account").format(user=account.username),
            _("Sign in with a work or school account: meettray login"),
        )
        return False
    kind = (
        _("application mode") if service.config.account.mode == "application" else _("work/school")
    )
    report.add("Signed in", OK, f"{account.username} ({kind})")
    if path := service.sign_in_path():
        report.add("Sign-in for device rules", OK, path)
    return True


def _graph_check(report: Report, service: MeetingService) -> None:
    try:
        request_id = service.check_graph_access()
    except MeettrayError as exc:
        report.failed("Microsoft Graph", exc)
        return
    account = service.config.account
    said = (
        _("reachable; OnlineMeetings permission works; organizer {user} exists and the app "
          "may act for them (request-id {id})")
        if account.mode == "application"
        else _("reachable; OnlineMeetings permission works (request-id {id})")
    )  # fmt: skip
    report.add("Microsoft Graph", OK, said.format(user=account.user_id, id=request_id))


def _calendar_checks(report: Report, service: MeetingService) -> None:
    """Upcoming meetings (when on): the calendar can be read; and how joining works here."""
    from meettray.platform.url_handler import scheme_handler

    calendar = service.config.calendar
    if calendar.upcoming:
        try:
            found = service.upcoming(1)
        except MeettrayError as exc:
            report.failed("Upcoming meetings", exc)
        else:
            said = (
                _("your calendar offline: {problem}").format(problem=found.stale_because)
                if found.stale_because
                else _("your calendar can be read")
            )
            report.add("Upcoming meetings", WARN if found.stale_because else OK, said)
    if calendar.join != "app":
        said = (
            _("in Teams on the web ([calendar] join = {setting})")
            if calendar.join == "web"
            else _("in the browser ([calendar] join = {setting})")
        )
        report.add("Joining meetings", OK, said.format(setting=repr(calendar.join)))
        return
    handler = scheme_handler("msteams")
    if handler is None:
        report.add("Joining meetings", OK, _("in Teams' app (whether it is installed cannot "
                   "be told here)"))  # fmt: skip
    elif handler:
        report.add("Joining meetings", OK, _("in Teams' app ({app})").format(app=handler))
    else:
        report.add("Joining meetings", WARN, _("no app here opens Teams (msteams:) links"),
                   _("Install Microsoft Teams, or set [calendar] join = \"browser\"."))  # fmt: skip


def _quota_check(report: Report, service: MeetingService) -> None:
    """Graph's 2,000 meetings a month per organizer, and where spares stop."""
    from meettray import quota

    made = service.created_this_month()
    status = OK if quota.spares_allowed(made) else WARN
    fix = "" if status is OK else _("Nothing to do: links are made on each click instead.")
    report.add("Meetings this month", status, quota.describe(made), fix)
