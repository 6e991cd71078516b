"""Two accounts for the tray app's tests: Contoso's ("main") and Fabrikam's, on the fake's
two tenants."""

from __future__ import annotations

import dataclasses
from typing import Any

from meettray.config import AccountConfig, Config, Preset
from meettray.demo.fake365 import FakeMicrosoft365
from meettray.meetings import Meeting

from ..conftest import CLIENT_ID

CONTOSO_PERSON = "adele@contoso.example"
FABRIKAM_PERSON = "alex@fabrikam.example"


def customer_preset() -> Preset:
    return Preset(name="customer", label="Customer call", subject="Customer call",
                  duration_minutes=30, account="fabrikam")  # fmt: skip


def quick_preset() -> Preset:
    return Preset(name="quick", label="Quick meeting", subject="Quick meeting",
                  duration_minutes=30, default=True)  # fmt: skip


def two_profiles(config: Config, fake: FakeMicrosoft365, **meeting: Any) -> Config:
    """``[account]`` (Contoso, "main") and ``[accounts.fabrikam]`` on the fake's second
    tenant; the presets a quick meeting (the default profile's) and a customer call
    (Fabrikam's)."""
    fabrikam = AccountConfig(client_id=CLIENT_ID, authority=fake.authority_for("fabrikam"),
                             graph_endpoint=fake.graph_endpoint, label="Fabrikam")  # fmt: skip
    return dataclasses.replace(
        config,
        account=dataclasses.replace(config.account, label="Contoso"),
        accounts=(("fabrikam", fabrikam),),
        meeting=dataclasses.replace(config.meeting, **meeting),
        own_presets=(quick_preset(), customer_preset()),
        path=config.path,
    )


def organizer(fake: FakeMicrosoft365, meeting: Meeting) -> str:
    """Who owns ``meeting`` on the fake (its organizer's user name)."""
    stored = fake.meetings[meeting.id]
    upn: str = stored["participants"]["organizer"]["upn"]
    return upn


def tenant_of(fake: FakeMicrosoft365, meeting: Meeting) -> str:
    owner = fake.meetings[meeting.id]["_organizer"]
    return fake.users[owner].tenant_id
