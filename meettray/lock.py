"""The user's private runtime folder, and the lock that makes one tray the tray.

Needs nothing but ``os``: the tray takes its lock before its icon is shown,
when nothing else may be loaded yet (see ``ui/main.run``).  The socket of
:mod:`meettray.ipc` lives in the same folder.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator

from meettray import APP_NAME


def runtime_dir() -> str:
    """A folder only this user can use, for the socket and the lock.

    ``$XDG_RUNTIME_DIR/meettray`` when that folder is private, as the XDG spec
    requires; else (ssh sessions, containers, root shells) ``meettray-<uid>`` in
    the temporary folder.  A folder someone else made there, or a link, is not
    used: then ``meettray/run`` in the user's cache folder, which nobody else can
    squat (every tray and command of this user picks the same one).  ``OSError``,
    naming the folders refused, when none will do.
    """
    if sys.platform == "win32":  # the socket is a named pipe there
        raise NotImplementedError

    def candidates() -> Iterator[str]:
        if sys.platform == "darwin":  # pragma: no cover - macOS only
            import platformdirs

            yield platformdirs.user_runtime_dir(APP_NAME, appauthor=False)
        xdg = os.environ.get("XDG_RUNTIME_DIR", "")
        if xdg and is_private(xdg):
            yield os.path.join(xdg, APP_NAME)
        import tempfile  # only when there is no private runtime folder (it costs 2 ms)

        yield os.path.join(tempfile.gettempdir(), f"{APP_NAME}-{os.getuid()}")
        # Squatted (another user's folder of that name): the home's cache, ours alone.
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        yield os.path.join(cache, APP_NAME, "run")

    refused = []
    for folder in candidates():
        if len(os.path.join(folder, "instance-demo.sock")) > _MAX_SOCKET_PATH:
            refused.append(f"{folder} (too long a path for a socket)")
            continue
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            if is_private(folder, tighten=True):
                return folder
            refused.append(f"{folder} (another user's, or a link)")
        except OSError as exc:
            refused.append(f"{folder} ({exc.strerror or exc})")
    raise OSError("no private folder for the meettray socket: " + "; ".join(refused))


#: The longest socket path every Unix takes (sun_path is 104 bytes on macOS, 108 on Linux).
_MAX_SOCKET_PATH = 100


def is_private(folder: str, *, tighten: bool = False) -> bool:
    """A real folder (not a link) of this user's, readable by nobody else."""
    if sys.platform == "win32":  # no owner ids or modes to compare
        raise NotImplementedError
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return False
    if info.st_mode & 0o077:
        if not tighten:
            return False
        os.chmod(folder, 0o700)
    return True


class InstanceLock:
    """Held by the one running tray for as long as it runs (the system drops it when the
    process ends, however it ends)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def claim_instance(*, demo: bool = False) -> InstanceLock | None:
    """Become the one tray: an exclusive lock, taken before anything else starts.

    ``None`` when another tray holds it (running, or starting right now: two
    ``meettray`` started together no longer both run).  Raises ``OSError`` when
    there is no private folder to hold it in.
    """
    if sys.platform == "win32":  # pragma: no cover - the named pipe is exclusive itself
        return InstanceLock(-1)
    import fcntl

    path = os.path.join(runtime_dir(), f"instance{'-demo' if demo else ''}.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # not inherited by child processes
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return InstanceLock(fd)
