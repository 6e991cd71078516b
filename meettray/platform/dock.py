"""macOS: keep a tray started from a pip install out of the Dock.

The packaged ``meettray.app`` says ``LSUIElement`` in its Info.plist: a menu-bar
app, no Dock icon and no application menu.  Started as ``meettray`` from a pip
or pipx install (and so by the LaunchAgent of Start on login) the process is a
bare Python, which Qt turns into a regular app: a Dock icon and a "Python"
menu.  :func:`keep_out_of_the_dock` makes it what ``LSUIElement`` makes the
bundle, an accessory app, through the Objective-C runtime (ctypes; nothing to
install).  The calls sit behind :class:`AppKitApi`, so the decision is tested
on any OS.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Protocol

log = logging.getLogger(__name__)

#: NSApplicationActivationPolicyAccessory: no Dock icon, no menu bar of its own.
ACCESSORY = 1


class AppKitApi(Protocol):
    def set_activation_policy(self, policy: int) -> bool: ...


class AppKit:  # pragma: no cover - needs macOS
    """``[NSApp setActivationPolicy:]`` through libobjc."""

    def __init__(self) -> None:
        import ctypes
        import ctypes.util

        self._c = ctypes
        self._objc: Any = ctypes.CDLL(ctypes.util.find_library("objc"))
        ctypes.CDLL(ctypes.util.find_library("AppKit"))  # defines NSApplication
        self._objc.objc_getClass.restype = ctypes.c_void_p
        self._objc.objc_getClass.argtypes = [ctypes.c_char_p]
        self._objc.sel_registerName.restype = ctypes.c_void_p
        self._objc.sel_registerName.argtypes = [ctypes.c_char_p]

    def _send(self, restype: Any, *argtypes: Any) -> Any:
        """objc_msgSend as a function of exactly these types (required on arm64)."""
        c = self._c
        address = c.cast(self._objc.objc_msgSend, c.c_void_p).value
        return c.CFUNCTYPE(restype, c.c_void_p, c.c_void_p, *argtypes)(address)

    def set_activation_policy(self, policy: int) -> bool:
        c, objc = self._c, self._objc
        application = self._send(c.c_void_p)(
            objc.objc_getClass(b"NSApplication"), objc.sel_registerName(b"sharedApplication")
        )
        return bool(
            self._send(c.c_bool, c.c_long)(
                application, objc.sel_registerName(b"setActivationPolicy:"), policy
            )
        )


def keep_out_of_the_dock(
    api: AppKitApi | None = None, *, platform: str = sys.platform, frozen: bool | None = None
) -> bool:
    """Make this process a menu-bar app where nothing else does; whether it did.  Call it
    once Qt's application exists (Qt makes the process a regular app as it starts)."""
    if platform != "darwin":
        return False
    if getattr(sys, "frozen", False) if frozen is None else frozen:
        return False  # the bundle's Info.plist says LSUIElement
    try:
        api = api if api is not None else AppKit()
        done = api.set_activation_policy(ACCESSORY)
    except (OSError, AttributeError, TypeError) as exc:  # no libobjc: a Dock icon, no harm
        log.info("could not keep meettray out of the Dock: %s", exc)
        return False
    return done
