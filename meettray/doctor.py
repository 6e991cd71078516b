"""``meettray doctor``: why something does not work, one check per line, with the fix.

Each check says ok, warning (works, but worth fixing) or failure (blocks
use), and what to do.  Graph failures carry their request-id.  No check ever
prints a token or secret.  Desktop checks (display, tray, clipboard, hotkeys)
ask the running tray app when there is one; otherwise they probe here.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meettray import ipc
from meettray.errors import (
    ConfigError,
    GraphError,
    MeettrayError,
    NetworkError,
    SignInRequired,
    StorageError,
)
from meettray.ipc import HotkeyState
from meettray.plaintext import displayable

if TYPE_CHECKING:
    from meettray.demo.runtime import DemoEnvironment
    from meettray.service import MeetingService

log = logging.getLogger(__name__)


class Status(str, Enum):
    """How a check came out (its value is what ``--json`` shows)."""

    OK = "ok"
    WARN = "warning"  # works, but worth fixing
    FAIL = "failure"  # blocks use
    SKIP = "skipped"


OK, WARN, FAIL, SKIP = Status.OK, Status.WARN, Status.FAIL, Status.SKIP


@dataclass
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""
    request_id: str = ""
    #: What support needs (error codes, the exception), never shown as the fix.
    technical: str = ""

    def line(self) -> str:
        mark = {OK: "✓", WARN: "!", FAIL: "✗", SKIP: "-"}[self.status]
        text = f"{mark} {self.name}: {self.detail}"
        if self.fix:
            text += f"\n    → {self.fix}"
        if self.technical:
            text += f"\n    (details: {self.technical})"
        if self.request_id:
            text += f"\n    (request-id {self.request_id})"
        # Graph's words and ids among them: text on a terminal, never its escapes.
        return "\n".join(displayable(line) for line in text.split("\n"))


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.status != FAIL for c in self.checks)

    def add(
        self,
        name: str,
        status: Status,
        detail: str,
        fix: str = "",
        *,
        request_id: str = "",
        technical: str = "",
    ) -> Check:
        check = Check(name, status, detail, fix, request_id=request_id, technical=technical)
        self.checks.append(check)
        return check

    def failed(self, name: str, exc: MeettrayError) -> Check:
        """A check that failed with ``exc``: its message, what to do, and the details apart."""
        return self.add(
            name, FAIL, exc.message, fix_for(exc), request_id=exc.request_id, technical=exc.detail
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": [{**dataclasses.asdict(c), "status": c.status.value} for c in self.checks],
        }


def fix_for(exc: MeettrayError) -> str:
    """What a person can do about ``exc``, in a sentence."""
    if exc.fix:  # the error knew its cause (an AADSTS code with a remedy of its own)
        return exc.fix
    if isinstance(exc, NetworkError):
        return (
            "Check the internet connection (and proxy settings); if the address is one you "
            "set in [account], check it."
        )
    if isinstance(exc, SignInRequired):
        return "Run: meettray login"
    if isinstance(exc, ConfigError):
        return "Correct the settings file (see README, 'Configuration')."
    if isinstance(exc, GraphError) and exc.status == 404:  # doctor's probe: the organizer
        return (
            "Set [account] user_id to the organizer's object ID (a GUID): Microsoft Entra "
            "admin centre → Users → the user → Object ID."
        )
    if isinstance(exc, GraphError) and exc.status in (401, 403):
        return (
            "Ask your IT administrator to grant meettray its permissions "
            "(see README, 'Registering meettray in Microsoft Entra ID'), then run: meettray login"
        )
    if isinstance(exc, StorageError):
        return "Check that the disk has space and that meettray's folders are writable."
    return "Try again; if it keeps failing, give your IT support the details below."


def diagnose(config_path: Path | None, *, demo: DemoEnvironment | None = None) -> Report:
    """Run every check; never raises for a problem it can describe."""
    from meettray.config import load_config

    report = Report()
    try:
        config = load_config(config_path)
    except MeettrayError as exc:
        report.add(
            "Settings file", FAIL, exc.message, "Correct the file (see README, 'Configuration')."
        )
        _skip_account(report, "the settings file is invalid")
        _desktop(report, demo=demo is not None)
        return report
    where = config.path if config.path and config.path.exists() else None
    report.add(
        "Settings file",
        OK,
        f"{where} is valid" if where else f"none at {config.path}; using defaults",
    )
    for warning in config.warnings:
        report.add("Settings file", WARN, warning, "Remove or correct that setting.")
    _policy_check(report, config.policy)
    if demo is not None:
        config = demo.config(config)
    account = config.account
    if not account.client_id:
        report.add(
            "App registration",
            FAIL,
            "no client_id is set",
            "Register meettray in Microsoft Entra ID and put its Application (client) ID "
            "in [account] client_id (README: 'Registering meettray in Microsoft Entra ID').",
        )
        _skip_account(report, "no client_id")
    else:
        report.add("App registration", OK, f"client id {account.client_id} ({account.mode} mode)")
        report.add(
            "Cloud",
            OK,
            f"{account.cloud}: sign-in {account.authority_url}, Graph {account.graph_url}",
        )
        _account_checks(report, config, demo)
    _files_check(report)
    _links_check(report, demo=demo is not None)
    _history_check(report, demo=demo is not None)
    _desktop(report, demo=demo is not None, hotkeys=dataclasses.asdict(config.hotkeys))
    return report


def _policy_check(report: Report, policy: Any) -> None:
    """Each place an organisation's settings were read from, and each value it sets."""
    for source in policy.sources if policy else ():
        if source.problem:
            report.add("Policy", WARN, f"{source.name} is ignored: {source.problem}",
                       "Ask your IT department to correct it.")  # fmt: skip
            continue
        verb = {"enforced": "enforces", "recommended": "recommends"}
        said = [f"{verb[level]} [{section}] {key} = {value!r}"
                for level, section, key, value in source.values]  # fmt: skip
        report.add("Policy", OK, f"{source.name}: " + ("; ".join(said) or "sets nothing"))


def _links_check(report: Report, *, demo: bool) -> None:
    """Whether the desktop gives ``meettray://`` links to this meettray (the demo's, with
    ``--demo``: ``meettray --demo integrate`` sends links to the demo)."""
    from meettray.platform.url_scheme import link_command, system_scheme

    status = system_scheme().status(link_command(demo=demo))
    report.add("meettray:// links", OK if status.ours else WARN, status.detail,
               "" if status.ours else "Run: meettray integrate")  # fmt: skip


def _history_check(report: Report, *, demo: bool) -> None:
    """Rows meettray cannot read are left out where they are read; say how many."""
    from meettray.service import history_damage

    try:
        damaged = history_damage(demo=demo)
    except MeettrayError as exc:
        report.add("History", WARN, exc.message, fix_for(exc))
        return
    if not damaged:
        report.add("History", OK, "every row can be read")
        return
    where = ", ".join(f"{count} in {table}" for table, count in sorted(damaged.items()))
    report.add(
        "History",
        WARN,
        f"{sum(damaged.values())} damaged rows are left out ({where}); the rest works",
        "Nothing to do for meettray to work; a row edited by hand can be corrected or deleted"
        " with an SQLite tool.",
    )


def _files_check(report: Report) -> None:
    """Looked at, not assumed: whether anyone else can read what meettray keeps."""
    from meettray import paths

    exposed = paths.exposed_files()
    if not exposed:
        report.add("Files", OK, "history, tokens, settings and logs are readable only by you")
        return
    shown = ", ".join(str(path) for path in exposed[:3]) + (" …" if len(exposed) > 3 else "")
    report.add(
        "Files",
        WARN,
        f"{len(exposed)} of meettray's files or folders can be read by others: {shown}",
        "meettray makes them private when it starts; or run: chmod -R go-rwx on them",
    )


def _skip_account(report: Report, why: str) -> None:
    for name in ("Token cache", "Signed in", "Microsoft Graph"):
        report.add(name, SKIP, f"not checked: {why}")


def _account_checks(report: Report, config: Any, demo: DemoEnvironment | None) -> None:
    from meettray.service import build_service

    try:
        service = build_service(config, demo=demo)
    except MeettrayError as exc:
        report.failed("Sign-in setup", exc)
        _skip_account(report, "sign-in cannot be set up")
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
        report.add("Network", OK, f"certificates: {trust}; proxy: {proxy}")
        if pac:
            report.add(
                "Network", WARN,
                f"the system's proxy settings use a PAC file ({pac}), which meettray does "
                "not read: it connects directly unless HTTPS_PROXY says otherwise",
                "If meettray cannot reach Microsoft, set HTTPS_PROXY to the proxy your PAC "
                "file names for graph.microsoft.com (ask IT), e.g. in your login profile.",
            )  # fmt: skip
        if _account_check(report, service):
            _graph_check(report, service)
            _quota_check(report, service)
            _calendar_checks(report, service)
        else:
            report.add("Microsoft Graph", SKIP, "not checked: nobody is signed in")
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
            "Run and unlock a Secret Service keyring (gnome-keyring or KWallet) in your "
            "desktop session; at the next start meettray moves the tokens into it. See "
            "'Files' below for who can read the file meanwhile.",
        )


def _account_check(report: Report, service: MeetingService) -> bool:
    try:
        account = service.ensure_signed_in_for_demo()
    except MeettrayError as exc:
        report.failed("Signed in", exc)
        return False
    if account is None:
        report.add("Signed in", FAIL, "nobody is signed in", "Run: meettray login")
        return False
    if account.is_personal:
        report.add(
            "Signed in",
            FAIL,
            f"{account.username} is a personal Microsoft account",
            "Sign in with a work or school account: meettray login",
        )
        return False
    kind = "application mode" if service.config.account.mode == "application" else "work/school"
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
    organizer = (
        f"; organizer {account.user_id} exists and the app may act for them"
        if account.mode == "application"
        else ""
    )
    report.add(
        "Microsoft Graph",
        OK,
        f"reachable; OnlineMeetings permission works{organizer} (request-id {request_id})",
    )


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
            state = f"offline: {found.stale_because}" if found.stale_because else "can be read"
            report.add("Upcoming meetings", WARN if found.stale_because else OK,
                       f"your calendar {state}")  # fmt: skip
    if calendar.join != "app":
        where = "Teams on the web" if calendar.join == "web" else "the browser"
        report.add("Joining meetings", OK, f"in {where} ([calendar] join = {calendar.join!r})")
        return
    handler = scheme_handler("msteams")
    if handler is None:
        report.add("Joining meetings", OK, "in Teams' app (whether it is installed cannot be "
                   "told here)")  # fmt: skip
    elif handler:
        report.add("Joining meetings", OK, f"in Teams' app ({handler})")
    else:
        report.add("Joining meetings", WARN, "no app here opens Teams (msteams:) links",
                   "Install Microsoft Teams, or set [calendar] join = \"browser\".")  # fmt: skip


def _quota_check(report: Report, service: MeetingService) -> None:
    """Graph's 2,000 meetings a month per organizer, and where spares stop."""
    from meettray import quota

    made = service.created_this_month()
    status = OK if quota.spares_allowed(made) else WARN
    fix = "" if status is OK else "Nothing to do: links are made on each click instead."
    report.add("Meetings this month", status, quota.describe(made), fix)


def _desktop(report: Report, *, demo: bool, hotkeys: dict[str, str] | None = None) -> None:
    try:
        answer = ipc.ask(ipc.Request("status"), demo=demo, timeout=5)
    except ipc.NoAnswer as exc:
        report.add("Tray app", WARN, f"running, but {exc}: quit it and start it again")
        answer = None
    here = ipc.display_name()
    if (
        answer is not None
        and answer.ok
        and answer.status is not None
        and (answer.status.display and here and answer.status.display != here)
    ):
        report.add(
            "Tray app",
            WARN,
            f"running on another display ({answer.status.display}; this is {here}): "
            "the checks below probe this one",
            "Quit that tray and start meettray here, or run doctor on that display.",
        )
        answer = None
    if answer is not None and answer.ok and answer.status is not None:
        status = answer.status
        shown_on = f" on {status.display}" if status.display else ""
        report.add("Tray app", OK, f"running{shown_on}")
        report.add(
            "System tray",
            OK if status.tray else WARN,
            "the icon is in the tray" if status.tray else "no system tray: a window is used",
        )
        _hotkey_lines(report, status.backend, status.hotkeys)
        return
    if answer is not None:
        report.add("Tray app", WARN, f"running, but it did not answer: {answer.message}")
    elif not any(check.name == "Tray app" for check in report.checks):
        report.add("Tray app", OK, "not running (checks below probe this session)")
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        report.add(
            "Display",
            WARN,
            "no desktop session: the tray app cannot run here",
            "The command line still works: meettray now",
        )
        for name in ("System tray", "Clipboard", "Hotkeys"):
            report.add(name, SKIP, "not checked: no display")
        return
    from meettray.platform.probe import desktop_probe

    probe = desktop_probe(hotkeys or {})
    probed = probe.hotkeys if not _tray_holds_lock(demo) else _held_by_tray(probe.hotkeys)
    report.add("Display", OK, f"{probe.platform} session")
    report.add(
        "System tray",
        OK if probe.tray else WARN,
        "available" if probe.tray else "not available: meettray will show a window instead",
    )
    report.add(
        "Clipboard",
        OK if probe.clipboard else WARN,
        probe.clipboard_detail,
    )
    _hotkey_lines(report, probe.backend, probed)


def _tray_holds_lock(demo: bool) -> bool:
    """Whether a tray runs (it holds the one-tray lock) although it did not answer."""
    from meettray import lock

    try:
        claimed = lock.claim_instance(demo=demo)
    except (OSError, NotImplementedError):
        return False
    if claimed is None:
        return True
    claimed.release()
    return False


def _held_by_tray(hotkeys: dict[str, HotkeyState]) -> dict[str, HotkeyState]:
    """A hotkey the probe found taken while meettray's own tray runs: that tray holds
    it, not another program."""
    return {
        action: HotkeyState(
            f"{state.detail.split(' is already used', 1)[0]} is held by the meettray tray "
            "that is running (it did not answer doctor).",
            False,
            "Quit that tray and start meettray again, then run doctor once more.",
        )
        if not state.ok and "used by another program" in state.detail
        else state
        for action, state in hotkeys.items()
    }


def _hotkey_lines(report: Report, backend: str, hotkeys: dict[str, HotkeyState]) -> None:
    for action, state in hotkeys.items():
        report.add(
            f"Hotkey ({action}, {backend})",
            OK if state.ok else WARN,
            state.detail,
            "" if state.ok else state.fix,
        )
