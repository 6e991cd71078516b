"""The one typed settings object, :class:`Config`: its sections, its presets (the default
one holds Meet now's subject and length), where it came from and the organisation's
policy over it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meettray.choices import MAIN_ACCOUNT
from meettray.config.presets import Preset, builtin_presets
from meettray.config.sections import (
    AccountConfig,
    CalendarConfig,
    HotkeysConfig,
    MeetingConfig,
    UiConfig,
)
from meettray.errors import ConfigError, UnknownAccount
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
    #: The name of the profile ``account`` is (``[account]`` is :data:`MAIN_ACCOUNT`).
    profile: str = MAIN_ACCOUNT
    #: Every other profile, by name: for a file's config its ``[accounts.NAME]`` tables in
    #: the file's order; for a view (:meth:`for_account`), "main" among them.
    accounts: tuple[tuple[str, AccountConfig], ...] = ()
    #: A view's every profile name in the file's order (``()``: "main", then ``accounts``).
    profile_order: tuple[str, ...] = field(default=(), repr=False)

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

    # -- profiles (several accounts) ------------------------------------------------------

    def _profiles(self) -> dict[str, AccountConfig]:
        """Every profile by name: "main" first, then the file's order."""
        profiles = dict(self.accounts)
        profiles[self.profile] = self.account
        order = self.profile_order or (MAIN_ACCOUNT, *(n for n, _a in self.accounts))
        ordered = {n: profiles.pop(n) for n in order if n in profiles}
        return {MAIN_ACCOUNT: AccountConfig(), **ordered, **profiles}

    def account_names(self) -> tuple[str, ...]:
        """Every profile's name: "main" first, then the file's order (the same on views)."""
        return tuple(self._profiles())

    def default_account(self) -> str:
        """The profile a plain Meet now uses: ``[ui] default_account``, where it names one."""
        name = self.ui.default_account
        return name if name in self._profiles() else MAIN_ACCOUNT

    def account_config(self, name: str | None = None) -> AccountConfig:
        """The profile called ``name`` (``None``: the default one); an unknown name is an
        :class:`UnknownAccount` listing the names there are."""
        profiles = self._profiles()
        chosen = self.default_account() if name is None else name
        if chosen not in profiles:
            raise UnknownAccount(chosen, tuple(profiles), str(self.path) if self.path else "")
        return profiles[chosen]

    def for_account(self, name: str | None = None) -> Config:
        """A view of these settings whose ``account`` is profile ``name``'s (``None``: the
        default one).  Nothing is lost: saving a view writes the same file."""
        chosen = self.default_account() if name is None else name
        if chosen == self.profile:
            return self
        account = self.account_config(chosen)
        others = tuple((n, a) for n, a in self._profiles().items() if n != chosen)
        return dataclasses.replace(self, account=account, profile=chosen, accounts=others,
                                   profile_order=() if chosen == MAIN_ACCOUNT
                                   else self.account_names())  # fmt: skip

    def label_of(self, name: str) -> str:
        """How the menu and messages name profile ``name``: its label, else its name."""
        return self.account_config(name).label or name


SECTIONS: dict[str, type[Any]] = {
    "account": AccountConfig,
    "meeting": MeetingConfig,
    "ui": UiConfig,
    "hotkeys": HotkeysConfig,
    "calendar": CalendarConfig,
}
