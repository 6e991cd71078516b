"""Several accounts: ``[accounts.NAME]`` tables read (each like ``[account]``, whose
profile is "main") and saved, keeping the person's comments, and the names that
``[ui] default_account`` and each preset's ``account`` must be."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from meettray.choices import ACCOUNT_NAME, MAIN_ACCOUNT
from meettray.config.sections import AccountConfig
from meettray.config.settings import Config
from meettray.errors import ConfigError, UnknownAccount
from meettray.policy import kept_out, refuse_override

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


def section_name(name: str) -> str:
    """The settings file's table for profile ``name``: ``account`` or ``accounts.NAME``."""
    return "account" if name == MAIN_ACCOUNT else f"accounts.{name}"


def save_accounts(document: Any, config: Config) -> None:
    """Each profile into its table (``[account]`` is "main"): a table kept (with its
    comments) for each profile still there, its keys set or removed; a table for a new
    one; none for one gone.  No other profile: no ``[accounts]``."""
    import tomlkit

    profiles = dict((n, config.account_config(n)) for n in config.account_names())
    _save_table(document, "account", profiles.pop(MAIN_ACCOUNT), config)
    existing = document.get("accounts")
    if not profiles:
        if existing is not None:
            del document["accounts"]
        return
    if existing is None:
        existing = tomlkit.table(is_super_table=True)
        document["accounts"] = existing
    for gone in [name for name in existing if name not in profiles]:
        del existing[gone]
    for name, account in profiles.items():
        _save_table(existing, name, account, config, section=f"accounts.{name}")


def _save_table(
    parent: Any, key: str, account: AccountConfig, config: Config, *, section: str = ""
) -> None:
    """One profile's keys into ``parent[key]``: what differs from a default or was in the
    file, never over what an organisation enforces."""
    import tomlkit

    section = section or key
    table = parent.get(key)
    for spec in dataclasses.fields(AccountConfig):
        value = getattr(account, spec.name)
        refuse_override(config.policy, section, spec.name, value)
        in_file = table is not None and spec.name in table
        if (value == spec.default and not in_file) or kept_out(
            config.policy, section, spec.name, value, in_file=in_file
        ):
            continue
        if table is None:
            table = tomlkit.table()
            parent[key] = table
        table[spec.name] = value
    from_policy = config.policy is not None and any(
        name == section for source in config.policy.in_force for _l, name, _k, _v in source.values
    )
    if table is None and section != "account" and not from_policy:
        parent[key] = tomlkit.table()  # a profile with every default still is one
