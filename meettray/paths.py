"""Where meettray keeps its files: platformdirs' per-user directories.

On Linux these honour ``XDG_CONFIG_HOME``, ``XDG_DATA_HOME``, ``XDG_STATE_HOME``
and ``XDG_CACHE_HOME``.  The demo keeps its data apart from real data.
"""

from __future__ import annotations

import os
import stat
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


def history_file(*, demo: bool = False) -> Path:
    """The meeting history database (also the prepared meetings and hand-outs)."""
    return data_dir(demo=demo) / "history.sqlite3"


def log_dir() -> Path:
    """Per-user log directory."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def _app_roots() -> tuple[Path, ...]:
    """meettray's own top folders, below the per-user folders it shares with other apps."""
    found = (
        platformdirs.user_config_dir(APP_NAME, appauthor=False),
        platformdirs.user_data_dir(APP_NAME, appauthor=False),
        platformdirs.user_state_dir(APP_NAME, appauthor=False),
        platformdirs.user_log_dir(APP_NAME, appauthor=False),
        platformdirs.user_cache_dir(APP_NAME, appauthor=False),
    )
    return tuple(dict.fromkeys(Path(folder) for folder in found))


def _tighten(path: Path) -> None:
    """Folders 0700, files 0600 (keeping the owner's bits); links are left alone."""
    if os.name == "nt":  # Windows has per-user ACLs instead
        return
    info = path.lstat()
    if _exposed(info):
        os.chmod(path, stat.S_IMODE(info.st_mode) & 0o700)


def _exposed(info: os.stat_result) -> bool:
    """Readable (or more) by others; a link's own mode means nothing."""
    return bool(info.st_mode & 0o077) and not stat.S_ISLNK(info.st_mode)


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` readable only by the user, with every folder of meettray's above it.

    ``mkdir(parents=True, mode=…)`` would give missing parents the umask's mode
    (usually 0755), so ``…/meettray`` itself would be readable by everyone.
    Shared folders such as ``~/.local/share`` keep their own mode.
    """
    root = next((r for r in _app_roots() if path == r or r in path.parents), None)
    if root is None:  # a folder the person chose (--config elsewhere): create, don't retouch
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path
    root.parent.mkdir(parents=True, exist_ok=True)
    folder = root
    for part in ("", *path.relative_to(root).parts):
        folder = folder / part if part else folder
        folder.mkdir(exist_ok=True, mode=0o700)
        _tighten(folder)
    return path


def secure_existing_files() -> None:
    """Make everything meettray keeps readable by the user only (at start-up).

    Earlier versions left some folders 0755 and files (history, token cache, logs)
    0644.  New files are made private by the umask the command sets (cli.main).
    """
    for path in exposed_files():
        try:
            _tighten(path)
        except OSError:
            continue  # a file we cannot change is reported where it is used (and by doctor)


def exposed_files() -> list[Path]:
    """meettray's files and folders that others could read: what doctor reports."""
    if os.name == "nt":  # per-user ACLs instead of modes
        return []
    found: list[Path] = []
    for root in _app_roots():
        if not root.is_dir():
            continue
        paths = [root]
        for folder, subfolders, files in os.walk(root):
            paths.extend(Path(folder) / name for name in (*subfolders, *files))
        for path in paths:
            try:
                if _exposed(path.lstat()):
                    found.append(path)
            except OSError:
                continue
    return found
