"""Where meettray keeps its files: platformdirs' per-user directories.

On Linux these honour ``XDG_CONFIG_HOME``, ``XDG_DATA_HOME``, ``XDG_STATE_HOME``
and ``XDG_CACHE_HOME``.  The demo keeps its data apart from real data.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from meettray import APP_NAME


def config_file(*, demo: bool = False) -> Path:
    """The settings file when ``--config`` does not name one.

    ``$MEETTRAY_CONFIG`` if set; else, for the demo, ``config.toml`` beside the
    demo's history (so trying things out never changes real settings); else
    ``config.toml`` in the user config dir.  Every command and the tray follow
    this one rule.
    """
    override = os.environ.get("MEETTRAY_CONFIG")
    if override:
        return Path(override).expanduser()
    if demo:
        return data_dir(demo=True) / "config.toml"
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def data_dir(*, demo: bool = False) -> Path:
    """Per-user data directory (history, token cache); a ``demo`` subfolder for the demo."""
    base = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return base / "demo" if demo else base


def log_dir() -> Path:
    """Per-user log directory."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable only by the user; return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
