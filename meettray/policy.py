"""Settings an organisation sets: a read-only policy layer under the person's settings.

Two tables whose keys are the settings file's own: ``[enforced.SECTION]`` and
``[recommended.SECTION]`` (``[enforced.meeting] prepare_next_link = false``,
``[recommended.presets.standup] subject = "Stand-up"``).  Where they come from:

- Linux and other XDG systems: ``policy.toml`` in each ``$XDG_CONFIG_DIRS/meettray/``
  (default ``/etc/xdg/meettray/policy.toml``), the first folder winning;
- Windows: ``HKLM\\Software\\Policies\\meettray\\{enforced,recommended}\\SECTION``;
- macOS: the managed preferences domain ``io.github.meettray`` (a configuration
  profile), with ``enforced`` and ``recommended`` dictionaries.

Precedence: enforced, then the person's file, then recommended, then the defaults.
A policy source that cannot be read, or whose values are not valid settings, is
reported (:attr:`PolicySource.problem`) and ignored, never a crash.  Presets an
organisation sets replace the built-in ones; a person's own presets stay beside them.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from meettray.errors import ConfigError
from meettray.i18n import _

LEVELS = ("enforced", "recommended")
#: The managed preferences domain (a configuration profile's PayloadType) on macOS.
MAC_DOMAIN = "io.github.meettray"
POLICY_KEY = r"Software\Policies\meettray"

#: One value a policy sets: its level, its section (``meeting``, ``presets.standup``), key.
Value = tuple[str, str, str, Any]


@dataclass(frozen=True)
class PolicySource:
    """One place policy was read from, and what it sets (or why it was ignored)."""

    name: str
    values: tuple[Value, ...] = ()
    #: Why this source was ignored ("" when it is in force).
    problem: str = ""


@dataclass(frozen=True)
class Policy:
    sources: tuple[PolicySource, ...] = ()

    def tables(self, level: str) -> dict[str, dict[str, Any]]:
        """``{section: {key: value}}`` at ``level``; an earlier source wins over a later."""
        tables: dict[str, dict[str, Any]] = {}
        for source in reversed(self.in_force):
            for value_level, section, key, value in source.values:
                if value_level == level:
                    tables.setdefault(section, {})[key] = value
        return tables

    @property
    def in_force(self) -> tuple[PolicySource, ...]:
        return tuple(s for s in self.sources if not s.problem)

    def enforcer(self, section: str, key: str) -> tuple[Any, str] | None:
        """The value an organisation enforces for ``[section] key``, and where it is set."""
        for source in self.in_force:
            for level, value_section, value_key, value in source.values:
                if (level, value_section, value_key) == ("enforced", section, key):
                    return value, source.name
        return None

    def recommended(self, section: str, key: str) -> tuple[Any, str] | None:
        for source in self.in_force:
            for level, value_section, value_key, value in source.values:
                if (level, value_section, value_key) == ("recommended", section, key):
                    return value, source.name
        return None

    @property
    def preset_names(self) -> frozenset[str]:
        return frozenset(section.split(".", 1)[1] for source in self.in_force
                         for _l, section, _k, _v in source.values
                         if section.startswith("presets."))  # fmt: skip

    def apply(self, person: Mapping[str, Any]) -> dict[str, Any]:
        """The settings document in force: recommended, the person's over it, enforced over
        both (table by table, key by key)."""
        merged = _nested(self.tables("recommended"))
        own = copy.deepcopy(dict(person))
        enforced = _nested(self.tables("enforced"))
        # One default preset: the person's choice over a recommendation, enforcement over both.
        if _has_default(own):
            _drop_defaults(merged)
        if _has_default(enforced):
            _drop_defaults(merged)
            _drop_defaults(own)
        _merge(merged, own)
        _merge(merged, enforced)
        return merged


def refuse_override(policy: Policy | None, section: str, key: str, value: Any) -> None:
    """A :class:`ConfigError` when ``value`` would change what an organisation enforces."""
    found = policy.enforcer(section, key) if policy else None
    if found is not None and found[0] != value:
        enforced, where = found
        raise ConfigError(
            _("[{section}] {key} is set by your organisation to {value} ({source}); "
              "meettray cannot change it. Ask your IT department.").format(
                section=section, key=key, value=repr(enforced), source=where)
        )  # fmt: skip


def kept_out(policy: Policy | None, section: str, key: str, value: Any, *, in_file: bool) -> bool:
    """Whether saving the person's settings leaves ``[section] key`` out: an enforced value
    is never the person's; a recommended one is theirs only once they change it."""
    if policy is None:
        return False
    if policy.enforcer(section, key) is not None:
        return True
    found = policy.recommended(section, key)
    return found is not None and found[0] == value and not in_file


def _nested(tables: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``{"presets.standup": {...}}`` as ``{"presets": {"standup": {...}}}``."""
    document: dict[str, Any] = {}
    for section, values in tables.items():
        target = document
        for part in section.split("."):
            target = target.setdefault(part, {})
        target.update(values)
    return document


def _merge(into: dict[str, Any], over: Mapping[str, Any]) -> None:
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def _has_default(document: Mapping[str, Any]) -> bool:
    presets = document.get("presets")
    return isinstance(presets, Mapping) and any(
        isinstance(t, Mapping) and t.get("default") is True for t in presets.values()
    )


def _drop_defaults(document: dict[str, Any]) -> None:
    for table in (document.get("presets") or {}).values():
        if isinstance(table, dict):
            table.pop("default", None)


# -- reading ---------------------------------------------------------------------------------


def _flatten(document: Any, name: str) -> PolicySource:
    """A policy document (``{"enforced": {...}, "recommended": {...}}``) checked and
    flattened; anything that is not valid settings makes the whole source ignored."""
    from meettray.config import config_from_mapping

    if not isinstance(document, Mapping):
        return PolicySource(name, problem="it is not a table of settings")
    values: list[Value] = []
    for level, tables in document.items():
        if level not in LEVELS or not isinstance(tables, Mapping):
            return PolicySource(name, problem=f"{level!r} is neither [enforced] nor [recommended]")
        try:
            checked = config_from_mapping(tables, partial=True)
        except ConfigError as exc:
            return PolicySource(name, problem=exc.message.replace("settings: ", "", 1))
        if checked.warnings:
            return PolicySource(name, problem="; ".join(w.replace("settings: ", "", 1)
                                                         for w in checked.warnings))  # fmt: skip
        for section, keys in _sections(tables):
            values.extend((level, section, key, value) for key, value in keys.items())
    return PolicySource(name, tuple(values))


def _sections(tables: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for section, keys in tables.items():
        if section in ("presets", "accounts"):
            for name, named_keys in keys.items():
                yield f"{section}.{name}", named_keys
        else:
            yield section, keys


class PolicyStore(Protocol):
    def read(self) -> list[PolicySource]: ...


class XdgPolicy:
    """``policy.toml`` in each ``$XDG_CONFIG_DIRS/meettray/`` (default ``/etc/xdg``)."""

    def __init__(self, folders: list[Path] | None = None) -> None:
        dirs = os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
        self.folders = folders if folders is not None else [
            Path(p) for p in dirs.split(os.pathsep) if p
        ]  # fmt: skip

    def read(self) -> list[PolicySource]:
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - exercised on Python 3.10 only
            import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

        sources = []
        for folder in self.folders:
            path = folder / "meettray" / "policy.toml"
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as exc:
                sources.append(PolicySource(str(path), problem=f"cannot be read: {exc.strerror}"))
                continue
            try:
                document = tomllib.loads(raw.decode("utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                sources.append(PolicySource(str(path), problem=f"is not valid TOML: {exc}"))
                continue
            except RecursionError:  # nested too deeply: the parser's stack, not a crash
                sources.append(PolicySource(str(path), problem="is not valid TOML: its "
                                            "brackets are nested too deeply"))  # fmt: skip
                continue
            sources.append(_flatten(document, str(path)))
        return sources


class PolicyRegistry(Protocol):
    """``HKEY_LOCAL_MACHINE`` as policy needs it: a key's sub-keys and values."""

    def subkeys(self, key: str) -> list[str]: ...

    def values(self, key: str) -> dict[str, object]: ...


class WinPolicyRegistry:  # pragma: no cover - needs Windows
    def __init__(self) -> None:
        import importlib

        self._winreg: Any = importlib.import_module("winreg")

    def subkeys(self, key: str) -> list[str]:
        w = self._winreg
        try:
            with w.OpenKey(w.HKEY_LOCAL_MACHINE, key) as handle:
                return [w.EnumKey(handle, n) for n in range(w.QueryInfoKey(handle)[0])]
        except OSError:
            return []

    def values(self, key: str) -> dict[str, object]:
        w = self._winreg
        try:
            with w.OpenKey(w.HKEY_LOCAL_MACHINE, key) as handle:
                count = w.QueryInfoKey(handle)[1]
                return {name: data for name, data, _type in
                        (w.EnumValue(handle, n) for n in range(count))}  # fmt: skip
        except OSError:
            return {}


class WindowsPolicy:
    """``HKLM\\Software\\Policies\\meettray\\{enforced,recommended}\\SECTION`` (a preset:
    ``...\\presets\\NAME``); a DWORD stands for true or false where the setting is one."""

    def __init__(self, registry: PolicyRegistry | None = None) -> None:
        self._registry = registry if registry is not None else WinPolicyRegistry()

    def read(self) -> list[PolicySource]:
        document: dict[str, Any] = {}
        for level in LEVELS:
            base = rf"{POLICY_KEY}\{level}"
            for section in self._registry.subkeys(base):
                if section == "presets":
                    for preset in self._registry.subkeys(rf"{base}\presets"):
                        values = self._registry.values(rf"{base}\presets\{preset}")
                        document.setdefault(level, {}).setdefault("presets", {})[preset] = values
                else:
                    values = self._registry.values(rf"{base}\{section}")
                    document.setdefault(level, {})[section] = values
        if not document:
            return []
        return [_flatten(_booleans(document), rf"HKEY_LOCAL_MACHINE\{POLICY_KEY}")]


def _booleans(document: dict[str, Any]) -> dict[str, Any]:
    """Registry DWORDs 0 and 1 as false and true where the setting is true or false."""
    import dataclasses

    from meettray.config import Config
    from meettray.meetings import OPTION_SPECS

    defaults = Config()
    for tables in document.values():
        for section, values in tables.items():
            if section == "presets":
                for preset in values.values():
                    for key, value in preset.items():
                        if key == "default" or key in OPTION_SPECS:
                            preset[key] = _as_bool(value)
                continue
            if section in ("account", "meeting", "ui", "hotkeys"):
                kinds = {
                    f.name: type(f.default) for f in dataclasses.fields(getattr(defaults, section))
                }
                for key, value in values.items():
                    if kinds.get(key) is bool:
                        values[key] = _as_bool(value)
    return document


def _as_bool(value: object) -> object:
    return bool(value) if type(value) is int and value in (0, 1) else value


class MacPolicy:
    """The managed preferences domain: ``/Library/Managed Preferences/[USER/]
    io.github.meettray.plist`` (the user's own profile first)."""

    def __init__(self, folder: Path | None = None, user: str | None = None) -> None:
        self.folder = folder or Path("/Library/Managed Preferences")
        self.user = user if user is not None else os.environ.get("USER", "")

    def read(self) -> list[PolicySource]:
        import plistlib

        sources = []
        for path in (self.folder / self.user / f"{MAC_DOMAIN}.plist",
                     self.folder / f"{MAC_DOMAIN}.plist"):  # fmt: skip
            try:
                document = plistlib.loads(path.read_bytes())
            except FileNotFoundError:
                continue
            except (OSError, plistlib.InvalidFileException, ValueError) as exc:
                sources.append(PolicySource(str(path), problem=f"cannot be read: {exc}"))
                continue
            if isinstance(document, dict):
                document = {k: v for k, v in document.items() if k in LEVELS}
            sources.append(_flatten(document, str(path)))
        return sources


def system_policy_store() -> PolicyStore:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return WindowsPolicy()
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        return MacPolicy()
    return XdgPolicy()


def read_policy(store: PolicyStore | None = None) -> Policy:
    """The organisation's policy (empty where there is none)."""
    return Policy(tuple((store or system_policy_store()).read()))
