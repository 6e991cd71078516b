"""Reading the settings file: its TOML parsed, the organisation's policy merged over it,
and each section validated key by key into a :class:`Config`.

A missing file means all defaults.  A file that cannot be parsed, or a value of the
wrong type or out of range, raises :class:`~meettray.errors.ConfigError` naming the
file, the key and what is wrong; unknown keys are kept as warnings, never fatal.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from meettray import paths
from meettray.config.checks import type_name
from meettray.config.consistency import check_consistency, check_hotkeys
from meettray.config.preset_tables import default_from_meeting, read_presets
from meettray.config.profiles import check_preset_accounts, read_accounts, settle_default_account
from meettray.config.sections import MeetingConfig
from meettray.config.settings import SECTIONS, Config
from meettray.errors import ConfigError, DamagedConfig
from meettray.i18n import _
from meettray.policy import read_policy

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]


def load_config(path: Path | None = None) -> Config:
    """Read and validate the configuration file (default: :func:`paths.config_file`)."""
    path = path or paths.config_file()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _with_policy({}, path)
    except OSError as exc:
        raise ConfigError(
            _("Cannot read the settings file {path}: {problem}.").format(
                path=path, problem=exc.strerror
            )
        ) from exc
    document = parsed(raw, path)
    return _with_policy(document, path)


def _with_policy(document: Mapping[str, Any], path: Path) -> Config:
    """The person's document under the organisation's policy (enforced over it,
    recommended under it)."""
    policy = read_policy()
    config = config_from_mapping(policy.apply(document), path=path, person=document)
    return dataclasses.replace(config, policy=policy)


def _defaults(path: Path) -> Config:
    """The defaults, with the organisation's policy (a bad settings file is no reason to
    drop what IT enforces)."""
    try:
        return _with_policy({}, path)
    except ConfigError:
        return Config(path=path)


def _not_toml(path: Path, why: object) -> str:
    return _("The settings file {path} is not valid TOML: {problem}.").format(
        path=path, problem=why
    )


def parsed(raw: bytes, path: Path) -> dict[str, Any]:
    """The file's TOML, or a :class:`DamagedConfig` naming the file and the reason."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DamagedConfig(_not_toml(path, exc)) from exc
    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DamagedConfig(_not_toml(path, exc)) from exc
    except RecursionError:  # 50,000 nested brackets: the parser's stack, not a crash
        raise DamagedConfig(
            _not_toml(path, _("its brackets or braces are nested too deeply"))
        ) from None
    return document


def load_config_or_defaults(path: Path | None = None) -> tuple[Config, str]:
    """For the tray app, which must start whatever the file holds.

    A file that cannot be parsed is renamed aside (``…corrupt-<timestamp>``) and
    defaults are used; a file with an invalid value is kept for the person to
    fix (the app notices the fix) and defaults are used meanwhile.  Returns the
    configuration and a sentence about the problem ("" if none).
    """
    import time

    path = path or paths.config_file()
    try:
        return load_config(path), ""
    except DamagedConfig as exc:
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            path.replace(aside)
        except OSError:
            return _defaults(path), f"{exc.message} {_('meettray uses its defaults.')}"
        moved = _("It was moved to {path} and meettray started with its defaults.")
        return _defaults(path), f"{exc.message} {moved.format(path=aside)}"
    except ConfigError as exc:
        until = _("meettray uses its defaults until the file is corrected.")
        return _defaults(path), f"{exc.message} {until}"


def config_from_mapping(
    document: Mapping[str, Any],
    *,
    path: Path | None = None,
    person: Mapping[str, Any] | None = None,
    partial: bool = False,
) -> Config:
    """Validate a parsed TOML document into a :class:`Config`.  ``person``: the person's own
    file, where ``document`` has an organisation's policy applied to it.  ``partial``: a
    policy's tables, checked on their own: the accounts they name may be the person's."""
    where = str(path) if path else _("settings")
    warnings: list[str] = []
    sections: dict[str, Any] = {}
    for name, value in document.items():
        if name == "presets":
            continue  # after [meeting], whose subject and length they may default to
        if name == "accounts":
            sections["accounts"] = read_accounts(value, where, warnings, _section)
            continue
        if name not in SECTIONS:
            warnings.append(
                _("{where}: unknown section [{name}] ignored").format(where=where, name=name)
            )
            continue
        if not isinstance(value, Mapping):
            raise ConfigError(
                _("{where}: [{name}] must be a table of settings.").format(where=where, name=name)
            )
        sections[name] = _section(SECTIONS[name], name, value, where, warnings)
    if "presets" in document:
        sections["own_presets"] = default_from_meeting(
            read_presets(
                document["presets"], sections.get("meeting", MeetingConfig()), where, warnings
            ),
            document if person is None else person,
        )
    config = Config(path=path, warnings=tuple(warnings), **sections)
    if not partial:
        config = settle_default_account(config, where, warnings)
        check_preset_accounts(config, where)
    for name in config.account_names():
        check_consistency(config.for_account(name), where)
    check_hotkeys(config, where)
    return config


def _section(
    cls: type[Any], name: str, values: Mapping[str, Any], where: str, warnings: list[str]
) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        spec = fields.get(key)
        if spec is None:
            warnings.append(
                _("{where}: unknown setting [{name}] {key} ignored").format(
                    where=where, name=name, key=key
                )
            )
            continue
        expected = type(spec.default)
        # bool is an int in Python; a TOML true must not pass for a number.
        if type(value) is not expected:
            raise ConfigError(
                _("{where}: [{name}] {key} must be {expected}, not {given} ({value}).").format(
                    where=where,
                    name=name,
                    key=key,
                    expected=type_name(expected),
                    given=type_name(type(value)),
                    value=repr(value),
                )
            )
        check = spec.metadata.get("check")
        problem = check(value) if check else None
        if problem:
            raise ConfigError(
                _("{where}: [{name}] {key} = {value} {problem}.").format(
                    where=where, name=name, key=key, value=repr(value), problem=problem
                )
            )
        kwargs[key] = value
    return cls(**kwargs)
