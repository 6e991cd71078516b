"""Several accounts: ``[accounts.NAME]`` tables read (each like ``[account]``, whose
profile is "main"), and the names that ``[ui] default_account`` and each preset's
``account`` must be.  Saving them is :mod:`meettray.config.saving`'s."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from meettray.choices import ACCOUNT_NAME, MAIN_ACCOUNT
from meettray.config.sections import AccountConfig
from meettray.config.settings import Config
from meettray.errors import ConfigError, UnknownAccount

#: Reads one section's table into its dataclass (``reading._section``).
SectionReader = Callable[[type[Any], str, Mapping[str, Any], str, list[str]], Any]


def read_accounts(
    tables: Any, where: str, warnings: list[str], section: SectionReader
) -> tuple[tuple[str, AccountConfig], ...]:
    """``[accounts.NAME]`` tables in the file's order, each checked as ``[account]`` is."""
    if not isinstance(tables, Mapping):
        raise ConfigError(f"{where}: accounts must be tables, as in [accounts.fabrikam].")
    accounts = []
    for name, table in tables.items():
        if not ACCOUNT_NAME.fullmatch(name) or name == MAIN_ACCOUNT:
            raise ConfigError(
                f"{where}: [accounts.{name}]: an account's name is lower-case letters, digits, "
                f"- and _ (at most 32) and not {MAIN_ACCOUNT!r} ([account] is), as in "
                "[accounts.fabrikam]."
            )
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where}: [accounts.{name}] must be a table of settings.")
        accounts.append((name, section(AccountConfig, f"accounts.{name}", table, where, warnings)))
    return tuple(accounts)


def settle_default_account(config: Config, where: str, warnings: list[str]) -> Config:
    """``[ui] default_account`` naming no profile: a warning, and "main" instead."""
    name = config.ui.default_account
    names = config.account_names()
    if name in names:
        return config
    warnings.append(
        f"{where}: [ui] default_account = {name!r} names no account (the accounts are: "
        f"{', '.join(names)}); {MAIN_ACCOUNT!r} is used"
    )
    ui = dataclasses.replace(config.ui, default_account=MAIN_ACCOUNT)
    return dataclasses.replace(config, ui=ui, warnings=tuple(warnings))


def check_preset_accounts(config: Config, where: str) -> None:
    """Each preset's ``account`` names a profile there is."""
    names = config.account_names()
    for preset in config.own_presets:
        if preset.account is not None and preset.account not in names:
            raise UnknownAccount(preset.account, names, f"{where} ([presets.{preset.name}])")
