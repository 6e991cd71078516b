"""Knowing a new version exists: an opt-in check of the project's releases, at most daily.

Off unless ``[ui] check_for_updates = true`` (policy can enforce it off), and off
wherever a package manager owns the install (a distribution's package or pipx
from one, Homebrew, winget): that manager tells people, and its version is the
one to install.  The answer is untrusted: bounded, its version and address
checked.  Plain standard library (``urllib``): the tray's threads may use it
without loading the network stack, and no Qt.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from meettray import __version__

log = logging.getLogger(__name__)

#: The project's latest release (GitHub's API).
RELEASES_URL = "https://api.github.com/repos/meettray/meettray/releases/latest"
#: Where a release's page may be (what the notice links to).
RELEASE_PAGES = "https://github.com/meettray/meettray/releases/"
#: At most one check per this many seconds.
INTERVAL = 24 * 3600
#: The largest answer read.
MAX_ANSWER = 256 * 1024
_VERSION = re.compile(r"v?(\d{1,4})\.(\d{1,4})\.(\d{1,4})")


@dataclass(frozen=True)
class Update:
    version: str
    url: str


def managed_by(
    *, executable: str | None = None, prefix: str | None = None,
    base_prefix: str | None = None, frozen: bool | None = None, platform: str = sys.platform,
) -> str:  # fmt: skip
    """The package manager that owns this install ("" when none does)."""
    executable = (executable or sys.executable).replace("\\", "/")
    prefix = (prefix or sys.prefix).replace("\\", "/")
    base = (base_prefix or sys.base_prefix).replace("\\", "/")
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    distribution = base.startswith("/usr") and not base.startswith("/usr/local")
    if "/Cellar/" in executable or "/homebrew/" in executable.lower():
        return "Homebrew"
    if platform == "win32" and ("/WinGet/" in executable or "/WindowsApps/" in executable):
        return "winget"
    if platform.startswith("linux"):
        if frozen and executable.startswith(("/usr/", "/opt/")):
            return "the Linux package"
        if "/pipx/venvs/" in executable and distribution:
            return "your distribution's pipx"
        if not frozen and prefix == base and distribution:
            return "your distribution's package manager"
    return ""


def due(stamp: Path, now: float) -> bool:
    """Whether a day has passed since the last check (a clock set back counts as due)."""
    try:
        last = float(stamp.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return True
    return not 0 <= now - last < INTERVAL


def _newer(tag: str, current: str) -> bool:
    theirs, ours = _VERSION.fullmatch(tag), _VERSION.fullmatch(current)
    if theirs is None or ours is None:
        return False
    return tuple(map(int, theirs.groups())) > tuple(map(int, ours.groups()))


Opener = Callable[[str, float], bytes]


def _open(url: str, timeout: float) -> bytes:
    parts = urlsplit(url)
    if parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError("the releases address must be https")
    import urllib.request  # on the worker's thread, when a check is due

    headers = {"Accept": "application/vnd.github+json", "User-Agent": f"meettray/{__version__}"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - checked above
    with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - checked above
        return bytes(answer.read(MAX_ANSWER + 1))


def check(
    stamp: Path,
    *,
    url: str | None = None,
    pages: str = RELEASE_PAGES,
    current: str = __version__,
    now: Callable[[], float] = time.time,
    opener: Opener = _open,
) -> Update | None:
    """Ask for the latest release if a day has passed; a newer one, or ``None``.  A
    failure (offline, an odd answer) is logged and costs nothing; it waits a day too."""
    moment = now()
    if not due(stamp, moment):
        return None
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(f"{moment:.0f}", encoding="ascii")
        body = opener(url or RELEASES_URL, 10.0)
        if len(body) > MAX_ANSWER:
            raise ValueError("the answer is too large")
        release = json.loads(body)
        tag, page = release["tag_name"], release["html_url"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.info("update check: no answer (%s)", exc)
        return None
    release_page = re.escape(pages) + r"tag/v?\d{1,4}\.\d{1,4}\.\d{1,4}"
    if not (isinstance(tag, str) and isinstance(page, str) and re.fullmatch(release_page, page)):
        log.info("update check: an answer that is not a release of meettray")
        return None
    if not _newer(tag, current):
        return None
    return Update(tag.lstrip("v"), page)
