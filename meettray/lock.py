"""The user's private runtime folder, and the lock that makes one tray the tray.

Needs nothing but ``os``: the tray takes its lock before its icon is shown,
when nothing else may be loaded yet (see ``ui/shell/main.run``).  The socket of
:mod:`meettray.ipc` lives in the same folder.  On Windows the lock is a named
mutex in the session's namespace, ``Local\\meettray-<user SID>``: Qt's named
pipe would let a second tray listen beside the first (it is created with
unlimited instances and without ``FILE_FLAG_FIRST_PIPE_INSTANCE``).
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Callable, Iterator

from meettray import APP_NAME

TYPE_CHECKING = False  # typing is not loaded: 'meettray now' finds the socket through here
if TYPE_CHECKING:
    from typing import Any, Protocol

    class MutexApi(Protocol):
        """The three kernel32 calls the Windows lock needs (a fake stands in for tests)."""

        def user_sid(self) -> str:
            """This process's user, as a string SID (``S-1-5-21-…``)."""
            ...

        def create(self, name: str) -> tuple[int, bool]:
            """``CreateMutexW``: a handle (0 on failure), and whether the mutex existed."""
            ...

        def close(self, handle: int) -> None: ...


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
    process ends, however it ends): a locked file, or on Windows a mutex handle."""

    def __init__(self, fd: int = -1, *, close: Callable[[], None] | None = None) -> None:
        self._fd = fd
        self._close = close

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        close, self._close = self._close, None
        if close is not None:
            close()


def claim_instance(*, demo: bool = False) -> InstanceLock | None:
    """Become the one tray: an exclusive lock, taken before anything else starts.

    ``None`` when another tray holds it (running, or starting right now: two
    ``meettray`` started together no longer both run).  Raises ``OSError`` when
    there is no private folder to hold it in (or, on Windows, no mutex).
    """
    if sys.platform == "win32":  # pragma: no cover - the real kernel32 needs Windows
        return claim_mutex(Kernel32(), demo=demo)
    import fcntl

    path = os.path.join(runtime_dir(), f"instance{'-demo' if demo else ''}.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # not inherited by child processes
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return InstanceLock(fd)


#: What a string SID looks like (``ConvertSidToStringSidW``'s output).
_SID = re.compile(r"S-1(-[0-9]{1,10}){1,15}")


def mutex_name(sid: str, *, demo: bool = False) -> str:
    """The mutex one user's tray holds: per session (``Local\\``) and per user, so that
    two people on one terminal server each have their tray."""
    if not _SID.fullmatch(sid):
        raise OSError(f"unexpected user SID {sid[:80]!r}")
    return f"Local\\{APP_NAME}-{sid}{'-demo' if demo else ''}"


def claim_mutex(api: MutexApi, *, demo: bool = False) -> InstanceLock | None:
    """The Windows lock: the first process to create the named mutex holds it for as
    long as its handle is open; a second sees ``ERROR_ALREADY_EXISTS`` and lets go of
    its own handle at once, so that the mutex ends with the first tray."""
    handle, existed = api.create(mutex_name(api.user_sid(), demo=demo))
    if not handle:
        raise OSError("Windows did not create the single-instance mutex")
    if existed:
        api.close(handle)
        return None
    return InstanceLock(close=lambda: api.close(handle))


class Kernel32:  # pragma: no cover - needs Windows
    """The real calls (ctypes; no extra dependency)."""

    ERROR_ALREADY_EXISTS = 183
    TOKEN_QUERY = 0x0008
    TOKEN_USER = 1  # the TOKEN_INFORMATION_CLASS

    def __init__(self) -> None:
        import ctypes
        from ctypes import wintypes

        self._ctypes: Any = ctypes
        self._kernel32: Any = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        self._advapi32: Any = ctypes.WinDLL("advapi32", use_last_error=True)  # type: ignore[attr-defined]
        self._kernel32.CreateMutexW.restype = wintypes.HANDLE
        self._kernel32.CreateMutexW.argtypes = [wintypes.LPVOID, wintypes.BOOL, wintypes.LPCWSTR]
        self._kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
        self._kernel32.GetCurrentProcess.restype = wintypes.HANDLE
        self._kernel32.LocalFree.argtypes = [wintypes.HLOCAL]
        self._advapi32.OpenProcessToken.argtypes = [
            wintypes.HANDLE, wintypes.DWORD, ctypes.POINTER(wintypes.HANDLE)
        ]  # fmt: skip
        self._advapi32.GetTokenInformation.argtypes = [
            wintypes.HANDLE, ctypes.c_int, wintypes.LPVOID, wintypes.DWORD,
            ctypes.POINTER(wintypes.DWORD),
        ]  # fmt: skip
        self._advapi32.ConvertSidToStringSidW.argtypes = [
            wintypes.LPVOID, ctypes.POINTER(wintypes.LPWSTR)
        ]  # fmt: skip

    def _error(self, call: str) -> OSError:
        code = int(self._ctypes.get_last_error())
        return OSError(code, f"{call} failed (Windows error {code})")

    def user_sid(self) -> str:
        ctypes = self._ctypes
        from ctypes import wintypes

        token = wintypes.HANDLE()
        process = self._kernel32.GetCurrentProcess()
        if not self._advapi32.OpenProcessToken(process, self.TOKEN_QUERY, ctypes.byref(token)):
            raise self._error("OpenProcessToken")
        try:
            size = wintypes.DWORD()
            self._advapi32.GetTokenInformation(token, self.TOKEN_USER, None, 0, ctypes.byref(size))
            buffer = ctypes.create_string_buffer(size.value)
            if not self._advapi32.GetTokenInformation(
                token, self.TOKEN_USER, buffer, size, ctypes.byref(size)
            ):
                raise self._error("GetTokenInformation")
        finally:
            self._kernel32.CloseHandle(token)
        sid = ctypes.cast(buffer, ctypes.POINTER(wintypes.LPVOID))[0]  # TOKEN_USER.User.Sid
        text = wintypes.LPWSTR()
        if not self._advapi32.ConvertSidToStringSidW(sid, ctypes.byref(text)):
            raise self._error("ConvertSidToStringSidW")
        try:
            return str(text.value)
        finally:
            self._kernel32.LocalFree(ctypes.cast(text, ctypes.c_void_p))

    def create(self, name: str) -> tuple[int, bool]:
        handle = self._kernel32.CreateMutexW(None, False, name)
        existed = self._ctypes.get_last_error() == self.ERROR_ALREADY_EXISTS
        return int(handle or 0), existed

    def close(self, handle: int) -> None:
        self._kernel32.CloseHandle(handle)
