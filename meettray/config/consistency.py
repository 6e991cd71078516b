"""Rules across settings, checked once every value is valid on its own: no two hotkeys
the same, and what application mode needs (an organizer by object ID, one tenant)."""

from __future__ import annotations

import re
from typing import Any

from meettray.choices import MAIN_ACCOUNT
from meettray.config.sections import MULTI_TENANT
from meettray.config.settings import Config
from meettray.errors import ConfigError
from meettray.i18n import _


def check_hotkeys(config: Config, where: str) -> None:
    """No two hotkeys the same: [hotkeys] and each preset's."""
    from meettray.hotkeys.keys import Hotkey

    taken: dict[Any, str] = {}
    named = [("[hotkeys] meet_now", config.hotkeys.meet_now),
             ("[hotkeys] copy_last", config.hotkeys.copy_last),
             *((f"[presets.{p.name}] hotkey", p.hotkey) for p in config.own_presets)]  # fmt: skip
    for key, text in named:
        hotkey = Hotkey.parse(text)
        if hotkey is None:
            continue
        if hotkey in taken:
            raise ConfigError(
                _(
                    "{where}: {key} = {text} is already {other}; each hotkey can do one thing."
                ).format(where=where, key=key, text=repr(text), other=taken[hotkey])
            )
        taken[hotkey] = key


_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_guid(text: str) -> bool:
    return _GUID.fullmatch(text) is not None


def check_consistency(config: Config, where: str) -> None:
    """What the active profile's mode needs (checked for each profile's view)."""
    account = config.account
    table = "[account]" if config.profile == MAIN_ACCOUNT else f"[accounts.{config.profile}]"
    if account.mode == "application":
        if not account.user_id:
            raise ConfigError(
                _(
                    "{where}: {table} user_id must name the meeting organizer by their object "
                    "ID when mode = 'application' (Microsoft Entra admin centre → Users → the "
                    "user → Object ID)."
                ).format(where=where, table=table)
            )
        if not is_guid(account.user_id):
            # /users/{id}/onlineMeetings takes the object ID only: a UPN answers 404.
            raise ConfigError(
                _(
                    "{where}: {table} user_id = {user} is not an object ID. "
                    "Microsoft Graph creates meetings for another user only by their object ID, "
                    "a GUID such as 6e1c1f5e-54a4-4c43-8b39-7f3b1c1d2a01: find it in the "
                    "Microsoft Entra admin centre under Users → the user → Object ID."
                ).format(where=where, table=table, user=repr(account.user_id))
            )
        if not account.authority and account.tenant in MULTI_TENANT:
            raise ConfigError(
                _(
                    "{where}: {table} tenant must be your organisation's tenant id or domain "
                    "(not {tenant}) when mode = 'application'."
                ).format(where=where, table=table, tenant=repr(account.tenant))
            )
