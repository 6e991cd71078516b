"""Doctor's report: each check's name, status (ok, warning, failure, skipped), what it
found and the fix, with a failure's request-id and technical details kept apart, and
what a person can do about each kind of error."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from meettray.errors import (
    ConfigError,
    GraphError,
    MeettrayError,
    NetworkError,
    SignInRequired,
    StorageError,
)
from meettray.i18n import N_, _
from meettray.plaintext import displayable


class Status(str, Enum):
    """How a check came out (its value is what ``--json`` shows)."""

    OK = "ok"
    WARN = "warning"  # works, but worth fixing
    FAIL = "failure"  # blocks use
    SKIP = "skipped"


OK, WARN, FAIL, SKIP = Status.OK, Status.WARN, Status.FAIL, Status.SKIP

#: The checks' names: English in ``--json`` (scripts and support read them), in the
#: person's language on the terminal (:meth:`Check.line`).
CHECK_NAMES = (
    N_("App registration"), N_("Clipboard"), N_("Cloud"), N_("Display"), N_("Files"),
    N_("History"), N_("Hotkeys"), N_("Joining meetings"), N_("Meetings this month"),
    N_("Microsoft Graph"), N_("Network"), N_("Policy"), N_("Settings file"),
    N_("Sign-in for device rules"), N_("Sign-in setup"), N_("Signed in"), N_("System tray"),
    N_("Token cache"), N_("Tray app"), N_("Upcoming meetings"), N_("meettray:// links"),
)  # fmt: skip


@dataclass
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""
    request_id: str = ""
    #: What support needs (error codes, the exception), never shown as the fix.
    technical: str = ""
    #: Whose check it is, where the settings have several accounts ("": everyone's).
    account: str = ""

    @property
    def title(self) -> str:
        """The name in the person's language, with its account where it has one."""
        return f"{_(self.name)} ({self.account})" if self.account else _(self.name)

    def line(self) -> str:
        mark = {OK: "✓", WARN: "!", FAIL: "✗", SKIP: "-"}[self.status]
        text = f"{mark} {self.title}: {self.detail}"
        if self.fix:
            text += f"\n    → {self.fix}"
        if self.technical:
            text += "\n    " + _("(details: {details})").format(details=self.technical)
        if self.request_id:
            text += "\n    " + _("(request-id {id})").format(id=self.request_id)
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
            "checks": [_json(c) for c in self.checks],
        }


def fix_for(exc: MeettrayError) -> str:
    """What a person can do about ``exc``, in a sentence."""
    if exc.fix:  # the error knew its cause (an AADSTS code with a remedy of its own)
        return exc.fix
    if isinstance(exc, NetworkError):
        return _(
            "Check the internet connection (and proxy settings); if the address is one you "
            "set in [account], check it."
        )
    if isinstance(exc, SignInRequired):
        return _("Run: meettray login")
    if isinstance(exc, ConfigError):
        return _("Correct the settings file (see README, 'Configuration').")
    if isinstance(exc, GraphError) and exc.status == 404:  # doctor's probe: the organizer
        return _(
            "Set [account] user_id to the organizer's object ID (a GUID): Microsoft Entra "
            "admin centre → Users → the user → Object ID."
        )
    if isinstance(exc, GraphError) and exc.status in (401, 403):
        return _(
            "Ask your IT administrator to grant meettray its permissions "
            "(see README, 'Registering meettray in Microsoft Entra ID'), then run: meettray login"
        )
    if isinstance(exc, StorageError):
        return _("Check that the disk has space and that meettray's folders are writable.")
    return _("Try again; if it keeps failing, give your IT support the details below.")


def _json(check: Check) -> dict[str, Any]:
    """A check for ``--json``: its English name, ``(account)`` added where it has one."""
    fields = dataclasses.asdict(check)
    account = fields.pop("account")
    if account:
        fields["name"] = f"{check.name} ({account})"
    return {**fields, "status": check.status.value}
