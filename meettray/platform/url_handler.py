"""Which app opens a kind of link here (``msteams:`` for Teams' desktop app), so that
``doctor`` can say whether joining in the app works.  No Qt; OS calls are lazy.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from typing import Any

log = logging.getLogger(__name__)


def scheme_handler(scheme: str) -> str | None:
    """The app registered for ``scheme:`` links ("" when none), or ``None`` when this
    system cannot tell (macOS without LaunchServices bindings)."""
    if sys.platform == "win32":
        return _windows(scheme)
    if sys.platform == "darwin":
        return None
    xdg_mime = shutil.which("xdg-mime")
    if xdg_mime is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - the resolved xdg-mime and our own arguments
            [xdg_mime, "query", "default", f"x-scheme-handler/{scheme}"],
            capture_output=True, text=True, timeout=5, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.info("xdg-mime did not answer: %s", type(exc).__name__)
        return None
    return done.stdout.strip()[:200] if done.returncode == 0 else None


def _windows(scheme: str) -> str:  # pragma: no cover - needs Windows
    import importlib

    # Any: the stubs describe winreg only when type-checking for Windows.
    winreg: Any = importlib.import_module("winreg")
    try:
        with winreg.OpenKey(winreg.HKEY_CLASSES_ROOT, rf"{scheme}\shell\open\command") as key:
            return str(winreg.QueryValue(key, None))[:200]
    except OSError:
        return ""
