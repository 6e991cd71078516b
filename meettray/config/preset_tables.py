"""Reading ``[presets.NAME]`` tables: each checked key by key (the error names the key),
one of them the default, and an older file's ``[meeting] subject`` read into it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from meettray.choices import LOBBY_BYPASS_SCOPES, PRESET_NAME
from meettray.config.checks import (
    MAX_MINUTES,
    MIN_MINUTES,
    account_name,
    choice,
    hotkey_text,
    int_range,
    not_blank,
    type_name,
)
from meettray.config.presets import PRESET_PRESENTERS, Preset
from meettray.config.sections import MeetingConfig
from meettray.errors import ConfigError, ValidationError
from meettray.meetings import OPTION_SPECS, MeetingOptions
from meettray.options import UNSETTABLE_OPTIONS, unsettable_option

PRESET_TEXT_KEYS = ("label", "subject", "lobby", "presenters", "hotkey")


def default_from_meeting(
    presets: tuple[Preset, ...], document: Mapping[str, Any]
) -> tuple[Preset, ...]:
    """An older file's ``[meeting] subject`` read into the default preset, when that
    preset names no subject of its own (its length already defaults to ``[meeting]``'s).
    ``document`` is the person's own file: their subject wins over one an organisation
    only recommends."""
    meeting = document.get("meeting")
    if not isinstance(meeting, Mapping) or "subject" not in meeting or not presets:
        return presets
    index = next((i for i, p in enumerate(presets) if p.default), 0)
    own = document.get("presets")
    table = own.get(presets[index].name, {}) if isinstance(own, Mapping) else {}
    if "subject" in table:
        return presets
    chosen = dataclasses.replace(presets[index], subject=meeting["subject"])
    return (*presets[:index], chosen, *presets[index + 1 :])


def read_presets(
    tables: Any, meeting: MeetingConfig, where: str, warnings: list[str]
) -> tuple[Preset, ...]:
    """``[presets.NAME]`` tables, each checked key by key (the error names the key)."""
    if not isinstance(tables, Mapping):
        raise ConfigError(f"{where}: presets must be tables, as in [presets.incident].")
    presets = []
    for name, table in tables.items():
        section = f"[presets.{name}]"
        if not PRESET_NAME.fullmatch(name):
            raise ConfigError(
                f"{where}: {section}: a preset's name is lower-case letters, digits, - and _ "
                "(at most 32), as in [presets.incident]."
            )
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where}: {section} must be a table of settings.")
        values: dict[str, Any] = {}
        options: dict[str, object] = {}
        for key, value in table.items():
            if key in OPTION_SPECS:
                options[key] = value
            elif key in UNSETTABLE_OPTIONS:  # refused, the rest of the preset kept
                warnings.append(f"{where}: {section} {key} ignored: {unsettable_option(key)}")
            elif key in PRESET_TEXT_KEYS or key in ("duration_minutes", "default", "account"):
                expected = {"duration_minutes": int, "default": bool}.get(key, str)
                if type(value) is not expected:
                    raise ConfigError(f"{where}: {section} {key} must be "
                                      f"{type_name(expected)}, not {type_name(type(value))} "
                                      f"({value!r}).")  # fmt: skip
                values[key] = value
            else:
                warnings.append(f"{where}: unknown setting {section} {key} ignored")
        problem = _preset_problem(values)
        if problem:
            key, text = problem
            raise ConfigError(f"{where}: {section} {key} = {values[key]!r} {text}.")
        try:
            chosen = MeetingOptions.parse(options)
        except ValidationError as exc:
            key, text = next(iter(exc.problems.items()))
            raise ConfigError(f"{where}: {section} {key}: {text}") from None
        label = values.get("label", name.replace("-", " ").replace("_", " ").capitalize())
        presets.append(Preset(
            name, label, values.get("subject", label),
            values.get("duration_minutes", meeting.duration_minutes),
            lobby=values.get("lobby", ""), presenters=values.get("presenters", ""),
            options=chosen, hotkey=values.get("hotkey", ""), default=values.get("default", False),
            account=values.get("account"),
        ))  # fmt: skip
    marked = [p.name for p in presets if p.default]
    if len(marked) > 1:
        raise ConfigError(
            f"{where}: [presets.{marked[0]}] and [presets.{marked[1]}] both say default = true; "
            "one preset is the default."
        )
    if presets and not marked:  # the first one is
        presets[0] = dataclasses.replace(presets[0], default=True)
    return tuple(presets)


def _preset_problem(values: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first key of a preset whose value is wrong, and what is wrong with it."""
    checks: dict[str, Callable[[Any], str | None]] = {
        "label": not_blank,
        "subject": not_blank,
        "duration_minutes": int_range(MIN_MINUTES, MAX_MINUTES),
        "lobby": choice("", *LOBBY_BYPASS_SCOPES),
        "presenters": choice("", *PRESET_PRESENTERS),
        "hotkey": hotkey_text,
        "account": account_name,
    }
    for key, check in checks.items():
        if key in values and (problem := check(values[key])):
            return key, problem
    return None
