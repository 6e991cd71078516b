"""Saving the settings with tomlkit: the person's comments and layout kept, only what
differs from a default (or was in the file) written, never over what an organisation
enforces, nothing written that could not be read back, atomically and user-only."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

from meettray import paths
from meettray.choices import MAIN_ACCOUNT
from meettray.config.preset_tables import PRESET_TEXT_KEYS
from meettray.config.presets import Preset
from meettray.config.reading import config_from_mapping, parsed
from meettray.config.settings import SECTIONS, Config
from meettray.errors import ConfigError, DamagedConfig
from meettray.i18n import _
from meettray.meetings import OPTION_SPECS
from meettray.policy import kept_out, refuse_override

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]


def save_config(config: Config, path: Path | None = None) -> Path:
    """Write ``config`` to its file, keeping the person's comments and layout.

    Only settings that differ from their defaults, or that the file already
    had, are written.  The file is replaced atomically and is user-only.
    """
    import os
    import tempfile

    import tomlkit

    path = path or config.path or paths.config_file()
    try:
        raw = path.read_bytes()
        parsed(raw, path)  # what load_config refuses (too deep for tomlkit, too) first
        document = tomlkit.parse(raw.decode("utf-8"))
    except FileNotFoundError:
        document = tomlkit.document()
    except DamagedConfig as exc:
        raise ConfigError(
            _("Cannot update the settings file: {problem}").format(problem=exc.message)
        ) from exc
    except (OSError, ValueError, RecursionError) as exc:
        raise ConfigError(
            _("Cannot update the settings file {path}: {problem}.").format(path=path, problem=exc)
        ) from exc
    for name in SECTIONS:
        if name == "account":
            continue  # every profile, "main" the [account] table: _save_accounts
        # Meet now's subject and length are saved in the default preset, where it is edited.
        moved = _IN_DEFAULT_PRESET if name == "meeting" and config.own_presets else ()
        _save_table(document, name, getattr(config, name), config, moved=moved)
    _save_accounts(document, config)
    _save_presets(document, _own_presets(config, document.get("presets")))
    text = tomlkit.dumps(document)
    config_from_mapping(tomllib.loads(text), path=path)  # never write what we cannot read
    try:
        paths.ensure_private_dir(path.parent)
        handle, temporary = tempfile.mkstemp(prefix=".config-", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        raise ConfigError(
            _("Cannot save the settings file {path}: {problem}.").format(
                path=path, problem=exc.strerror
            )
        ) from exc
    return path


#: ``[meeting]`` keys that live in the default preset once the file has presets.
_IN_DEFAULT_PRESET = ("subject", "duration_minutes")


def _save_table(
    parent: Any,
    key: str,
    values: Any,
    config: Config,
    *,
    section: str = "",
    moved: tuple[str, ...] = (),
) -> Any:
    """``values`` (a section's dataclass) into ``parent[key]``: what differs from a default
    or was in the file, never over what an organisation enforces; ``moved`` keys are
    removed (saved elsewhere).  Returns the table (``None``: nothing to write)."""
    import tomlkit

    section = section or key
    table = parent.get(key)
    for spec in dataclasses.fields(values):
        value = getattr(values, spec.name)
        if spec.name in moved:
            if table is not None and spec.name in table:
                del table[spec.name]
            continue
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
    return table


def _save_accounts(document: Any, config: Config) -> None:
    """Each profile into its table (``[account]`` is "main"): a table kept (with its
    comments) for each profile still there, its keys set or removed; a table for a new
    one; none for one gone.  No other profile: no ``[accounts]``."""
    import tomlkit

    profiles = {n: config.account_config(n) for n in config.account_names()}
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
    policy_sections = {s for source in (config.policy.in_force if config.policy else ())
                       for _l, s, _k, _v in source.values}  # fmt: skip
    for name, account in profiles.items():
        section = f"accounts.{name}"
        table = _save_table(existing, name, account, config, section=section)
        if table is None and section not in policy_sections:
            existing[name] = tomlkit.table()  # a profile with every default still is one


def _own_presets(config: Config, in_file: Any) -> tuple[Preset, ...]:
    """The presets to write: the organisation's are not the person's, unless their file
    has them already."""
    names = config.policy.preset_names if config.policy else frozenset()
    return tuple(p for p in config.own_presets if p.name not in names or p.name in (in_file or {}))


def _save_presets(document: Any, presets: tuple[Preset, ...]) -> None:
    """``[presets.NAME]`` as ``presets`` has them: a table kept (with its comments) for each
    preset still there, its keys set or removed; a table for a new one; none for one gone.
    No presets at all: no ``[presets]`` (the built-in ones)."""
    import tomlkit

    existing = document.get("presets")
    if not presets:
        if existing is not None:
            del document["presets"]
        return
    if existing is None:
        existing = tomlkit.table(is_super_table=True)
        document["presets"] = existing
    for gone in [name for name in existing if name not in {p.name for p in presets}]:
        del existing[gone]
    for preset in presets:
        table = existing.get(preset.name)
        if table is None:
            table = tomlkit.table()
            existing[preset.name] = table
        values: dict[str, Any] = {"label": preset.label, "subject": preset.subject,
                                  "duration_minutes": preset.duration_minutes,
                                  "lobby": preset.lobby, "presenters": preset.presenters,
                                  "hotkey": preset.hotkey, "default": preset.default,
                                  "account": preset.account,
                                  **preset.options.chosen()}  # fmt: skip
        empty = ("lobby", "presenters", "hotkey")
        for key in [*PRESET_TEXT_KEYS, "duration_minutes", "default", "account", *OPTION_SPECS]:
            value = values.get(key)
            if value is None or (key in empty and value == "") or (key == "default" and not value):
                if key in table:
                    del table[key]
            else:
                table[key] = value
