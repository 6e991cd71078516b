"""The one typed settings object, :class:`Config`: its sections, its presets (the default
one holds Meet now's subject and length), where it came from and the organisation's
policy over it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meettray.config.presets import Preset, builtin_presets
from meettray.config.sections import (
    AccountConfig,
    CalendarConfig,
    HotkeysConfig,
    MeetingConfig,
    UiConfig,
)
from meettray.errors import ConfigError
from meettray.policy import Policy


@dataclass(frozen=True)
class Config:
    """Everything meettray reads from its configuration file."""

    account: AccountConfig = field(default_factory=AccountConfig)
    meeting: MeetingConfig = field(default_factory=MeetingConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    hotkeys: HotkeysConfig = field(default_factory=HotkeysConfig)
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    #: The file's ``[presets.*]``, in its order; none: :func:`builtin_presets`.
    own_presets: tuple[Preset, ...] = ()
    #: The file this came from (``None`` for built-in defaults).
    path: Path | None = None
    #: Problems that are not fatal, such as unknown keys, one sentence each.
    warnings: tuple[str, ...] = ()
    #: What an organisation sets, enforced or recommended (``meettray.policy``).
    policy: Policy | None = None

    def __post_init__(self) -> None:
        # One source of truth: with presets of its own, Meet now's subject and length are
        # the default preset's; ``meeting`` mirrors them for every reader (Schedule…, the
        # General tab), never a second value that a click would not use.
        if self.own_presets:
            default = self.preset()
            mirrored = dataclasses.replace(
                self.meeting, subject=default.subject, duration_minutes=default.duration_minutes
            )
            object.__setattr__(self, "meeting", mirrored)

    @property
    def presets(self) -> tuple[Preset, ...]:
        """The presets in use, the default one marked."""
        return self.own_presets or builtin_presets(self.meeting)

    def preset(self, name: str | None = None) -> Preset:
        """The preset called ``name`` (``None``: the default one); an unknown name is a
        :class:`ConfigError` naming the settings file and the presets there are."""
        presets = self.presets
        if name is None:
            return next((p for p in presets if p.default), presets[0])
        for preset in presets:
            if preset.name == name:
                return preset
        where = str(self.path) if self.path else "the settings"
        raise ConfigError(
            f"There is no preset {name!r} in {where}; the presets are: "
            f"{', '.join(p.name for p in presets)}."
        )


SECTIONS: dict[str, type[Any]] = {
    "account": AccountConfig,
    "meeting": MeetingConfig,
    "ui": UiConfig,
    "hotkeys": HotkeysConfig,
    "calendar": CalendarConfig,
}
