"""``meettray setup``: one app registration for an organisation, as its admin can follow it.

Every organisation registers meettray itself: user consent is often limited
to verified publishers, and a shared app can disappear overnight.  This
writes what the registration needs (a public client with its redirects, and
the delegated permissions ``OnlineMeetings.ReadWrite``, ``Calendars.ReadWrite`` and
``Calendars.ReadBasic``), the exact Azure CLI commands that create it, and
the admin-consent address.  Where ``az`` is installed and the person agrees,
it runs them.  No network of its own; ``az`` does the talking.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from meettray.auth.broker import BROKER_REDIRECTS, LOOPBACK_REDIRECT
from meettray.config import is_guid
from meettray.errors import ConfigError

#: Microsoft Graph's application id, and the ids of the delegated permissions meettray asks.
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
PERMISSIONS = {
    "OnlineMeetings.ReadWrite": "a65f2972-a4f8-4f5e-afd7-69ccb046d5dc",
    "Calendars.ReadWrite": "1ec239c2-d7c9-4623-a91a-a9775856bb36",
    # Upcoming meetings: reading one's own calendar, least privilege.
    "Calendars.ReadBasic": "662d75ba-a364-42ad-adee-f5f880ea4878",
}
#: Stands for the client id in the commands printed before the app exists: a shell
#: variable, which the first printed command sets (``APP_ID=$(az ad app create …)``).
APP_ID = "$APP_ID"


def required_resource_access() -> list[dict[str, object]]:
    """The manifest's ``requiredResourceAccess``: Graph, the delegated permissions."""
    return [{
        "resourceAppId": GRAPH_APP_ID,
        "resourceAccess": [{"id": pid, "type": "Scope"} for pid in PERMISSIONS.values()],
    }]  # fmt: skip


def redirect_uris(client_id: str) -> list[str]:
    """The browser's loopback and each OS broker's redirect (Windows' names the app)."""
    return [LOOPBACK_REDIRECT, *(uri.format(client_id=client_id)
                                 for uri in BROKER_REDIRECTS.values())]  # fmt: skip


@dataclass(frozen=True)
class Plan:
    """What ``setup`` writes and runs."""

    name: str
    manifest: Path

    def commands(self, client_id: str = APP_ID) -> list[list[str]]:
        """The Azure CLI commands, in order; the first prints the new app's id."""
        return [
            ["az", "ad", "app", "create", "--display-name", self.name,
             "--sign-in-audience", "AzureADMyOrg", "--is-fallback-public-client", "true",
             "--required-resource-accesses", f"@{self.manifest}",
             "--query", "appId", "--output", "tsv"],
            # The Windows broker's redirect names the app: known only once it exists.
            ["az", "ad", "app", "update", "--id", client_id,
             "--public-client-redirect-uris", *redirect_uris(client_id)],
            ["az", "ad", "sp", "create", "--id", client_id],
        ]  # fmt: skip

    def write_manifest(self) -> None:
        self.manifest.parent.mkdir(parents=True, exist_ok=True)
        self.manifest.write_text(json.dumps(required_resource_access(), indent=2) + "\n")


def consent_url(login_host: str, tenant: str, client_id: str = APP_ID) -> str:
    """Where an administrator grants consent for the whole organisation."""
    return f"https://{login_host}/{tenant}/adminconsent?client_id={client_id}"


def shell_line(command: Sequence[str]) -> str:
    """A command as a POSIX shell line; ``$APP_ID`` stays a variable (double quotes)."""
    return " ".join(f'"{arg}"' if APP_ID in arg else shlex.quote(arg) for arg in command)


def printed_steps(plan: Plan) -> list[str]:
    """The commands to copy into a shell, the first one keeping the new id."""
    create, *rest = plan.commands()
    return [f"APP_ID=$({shell_line(create)})", *(shell_line(command) for command in rest)]


Runner = Callable[[list[str]], "subprocess.CompletedProcess[str]"]


def run_plan(plan: Plan, az: str, run: Runner | None = None) -> str:
    """Run the commands with ``az`` (its resolved path); the new client id.

    Raises :class:`~meettray.errors.ConfigError` with what ``az`` said when a step fails.
    """
    run = run or _run

    def step(command: list[str]) -> str:
        done = run([az, *command[1:]])
        if done.returncode != 0:
            said = (done.stderr.strip().splitlines() or ["no reason given"])[-1][:300]
            raise ConfigError(f"'{shell_line(command[:4])}' failed: {said}")
        return done.stdout.strip()

    plan.write_manifest()
    create, *_ = plan.commands()
    client_id = step(create)
    if not is_guid(client_id):
        raise ConfigError(
            f"'az ad app create' did not print an application id (it printed {client_id[:80]!r})."
        )
    for command in plan.commands(client_id)[1:]:
        step(command)
    return client_id


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the resolved az and our own arguments
        command, capture_output=True, text=True, timeout=300, check=False
    )
