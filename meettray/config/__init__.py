"""The one typed settings object, loaded and validated in one place.

The file is TOML (see README, "Configuration").  A missing file means all
defaults.  A file that cannot be parsed, or a value of the wrong type or out of
range, raises :class:`~meettray.errors.ConfigError` naming the file, the key
and what is wrong; unknown keys are kept as warnings, never fatal.

Its modules: ``checks`` (a value's checks), ``sections`` (the sections and the
clouds), ``presets``, ``settings`` (:class:`Config`), ``reading`` (parsing, the
policy merge, validation), ``preset_tables`` (``[presets.*]`` read),
``consistency`` (rules across settings), ``profiles`` (``[accounts.*]``, several
accounts) and ``saving`` (tomlkit).  Everything
is imported from here.
"""

from meettray.choices import MAIN_ACCOUNT
from meettray.config.checks import MAX_MINUTES, MIN_MINUTES
from meettray.config.consistency import is_guid
from meettray.config.presets import PRESET_PRESENTERS, Preset, builtin_presets
from meettray.config.reading import config_from_mapping, load_config, load_config_or_defaults
from meettray.config.saving import save_config
from meettray.config.sections import (
    CLOUDS,
    DEFAULT_CLICK_ACTION,
    DEFAULT_MEET_NOW,
    DEMO_LINK_HOST,
    MICROSOFT_LOGIN_HOSTS,
    MULTI_TENANT,
    AccountConfig,
    CalendarConfig,
    Cloud,
    HotkeysConfig,
    MeetingConfig,
    UiConfig,
)
from meettray.config.settings import Config

__all__ = [
    "CLOUDS",
    "DEFAULT_CLICK_ACTION",
    "DEFAULT_MEET_NOW",
    "DEMO_LINK_HOST",
    "MAIN_ACCOUNT",
    "MAX_MINUTES",
    "MICROSOFT_LOGIN_HOSTS",
    "MIN_MINUTES",
    "MULTI_TENANT",
    "PRESET_PRESENTERS",
    "AccountConfig",
    "CalendarConfig",
    "Cloud",
    "Config",
    "HotkeysConfig",
    "MeetingConfig",
    "Preset",
    "UiConfig",
    "builtin_presets",
    "config_from_mapping",
    "is_guid",
    "load_config",
    "load_config_or_defaults",
    "save_config",
]
