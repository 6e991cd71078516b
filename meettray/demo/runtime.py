"""``meettray --demo``: the real app, against an in-process fake Microsoft 365.

Everything runs for real (MSAL, requests, TLS); only the far end is ours.
The demo signs in as a sample user through the fake's browser flow, keeps
tokens in memory and history in a separate ``demo`` data folder, and its
join links point at ``demo.meettray.invalid`` so nobody mistakes them.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime, timezone

from meettray.config import Config
from meettray.demo.browser import FakeBrowser
from meettray.demo.fake365 import DEMO_JOIN_HOST, FakeMicrosoft365

DEMO_CLIENT_ID = "00000000-0000-0000-0000-00000000d3e0"
#: The demo's second account: the fake's second tenant, with its own person.
DEMO_ACCOUNT = "fabrikam"
DEMO_ACCOUNT_LABEL = "Fabrikam (demo)"
#: Noted once the demo's settings were given the second account (never offered again:
#: a person who removed it keeps it removed).
_OFFERED = "demo-accounts-offered"


def offer_demo_accounts() -> None:
    """Give the demo's own settings file (never a real one) ``[accounts.fabrikam]``, once,
    so that ``--demo`` shows two accounts; its comments and other settings are kept."""
    from meettray import paths
    from meettray.config import AccountConfig, load_config, save_config
    from meettray.errors import ConfigError

    data = paths.data_dir(demo=True)
    marker = data / _OFFERED
    if marker.exists():
        return
    path = data / "config.toml"
    try:
        config = load_config(path)
        if DEMO_ACCOUNT not in config.account_names():
            second = (DEMO_ACCOUNT, AccountConfig(label=DEMO_ACCOUNT_LABEL))
            save_config(dataclasses.replace(config, accounts=(*config.accounts, second)), path)
        paths.ensure_private_dir(data)
        marker.write_text("", encoding="utf-8")
    except (ConfigError, OSError):  # a settings file being fixed: offered another time
        return


class DemoEnvironment:
    """A running fake service plus what the app needs to use it."""

    def __init__(self, *, latency: float = 0.05) -> None:
        # Its certificates are kept in the demo's data folder, made once by another
        # process: cryptography (13 MiB) is never loaded in a demo tray.
        from meettray import paths

        kept = paths.ensure_private_dir(paths.data_dir(demo=True) / "fake365-tls")
        self.fake = FakeMicrosoft365(join_host=DEMO_JOIN_HOST, latency=latency,
                                     certificates=kept)  # fmt: skip
        self.fake.add_app(DEMO_CLIENT_ID)
        self.fake.calendar.demo_days(datetime.now(timezone.utc))
        self.fake.start()
        offer_demo_accounts()
        # Only the fake is ever contacted in a demo process, so trust exactly its CA.
        os.environ["REQUESTS_CA_BUNDLE"] = str(self.fake.ca_path)
        self.browser = FakeBrowser(self.fake.ca_path)

    def config(self, base: Config) -> Config:
        """``base`` with its account pointed at the fake service: the Fabrikam profile at
        the fake's second tenant (its own person), every other one at Contoso's."""
        tenant = self.fake.authority_for(DEMO_ACCOUNT) if base.profile == DEMO_ACCOUNT else ""
        account = dataclasses.replace(
            base.account,
            mode="delegated",
            client_id=DEMO_CLIENT_ID,
            authority=tenant or self.fake.authority,
            graph_endpoint=self.fake.graph_endpoint,
            user_id="",
        )
        return dataclasses.replace(base, account=account)

    def stop(self) -> None:
        self.fake.stop()
