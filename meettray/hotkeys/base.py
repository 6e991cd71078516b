"""The hotkey backend interface, the Null fallback, and the choice of backend."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QObject, Signal

from meettray.hotkeys.keys import Hotkey
from meettray.i18n import N_, _

log = logging.getLogger(__name__)

#: What Settings says where no backend works (translated where said).
DESKTOP_SHORTCUT_HELP = N_(
    "Bind a shortcut in your desktop's keyboard settings to the command "
    "'meettray now': it asks the running meettray to create the meeting."
)


def grabbed(hotkey: Hotkey) -> str:
    """What Settings and doctor say of a hotkey whose keys a backend grabbed."""
    return _("{hotkey} works everywhere.").format(hotkey=hotkey.portable())


def confirmed_by_desktop(trigger: str) -> str:
    """What they say of a hotkey the desktop confirmed, in the desktop's own words."""
    return _("Bound by the desktop, which shows it as {trigger}.").format(trigger=trigger)


class HotkeyError(Exception):
    """A hotkey could not be registered; the message is for the person."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: What the person can do about it ("" where the message says it already).
        self.fix = _("Choose another combination in Settings.") if fix is None else fix


class HotkeyBackend(QObject):
    """Registers global hotkeys with the OS and reports presses as ``activated(action)``."""

    activated = Signal(str)
    #: action, message: a registration that failed after register() returned (portal).
    registration_failed = Signal(str, str)
    #: action, the trigger as the desktop shows it: a registration the desktop confirmed
    #: after register() returned (portal).
    bound = Signal(str, str)
    name = "base"
    #: register() only asks: the outcome comes later, as bound or registration_failed.
    #: Otherwise a register() that returns has grabbed the keys.
    confirms_later = False

    def register(self, action: str, hotkey: Hotkey) -> None:
        """Grab ``hotkey`` for ``action``; raises :class:`HotkeyError`."""
        raise NotImplementedError

    def unregister(self, action: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release every hotkey."""


class NullBackend(HotkeyBackend):
    """No global hotkeys here; says why and what to do instead."""

    name = "none"

    def __init__(self, reason: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reason = reason

    def register(self, action: str, hotkey: Hotkey) -> None:
        raise HotkeyError(f"{self.reason} {_(DESKTOP_SHORTCUT_HELP)}", fix="")

    def unregister(self, action: str) -> None:
        return


def create_backend(platform_name: str) -> HotkeyBackend:
    """The backend for this desktop (``platform_name`` is Qt's, e.g. ``xcb``)."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        from meettray.hotkeys.windows import WindowsBackend

        return WindowsBackend()
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        from meettray.hotkeys.macos import MacBackend

        return MacBackend()
    if platform_name == "xcb":
        try:
            from meettray.hotkeys.x11 import X11Backend

            return X11Backend()
        except Exception as exc:  # noqa: BLE001 - any failure here means "no hotkeys", said once
            log.warning("X11 hotkeys unavailable: %s", exc)
            return NullBackend(
                _("Global hotkeys could not be set up ({problem}).").format(
                    problem=type(exc).__name__
                )
            )
    if platform_name.startswith("wayland"):
        from meettray.hotkeys.portal import PortalBackend, open_portal_bus

        return PortalBackend(open_portal_bus())  # says later if the desktop has no portal
    return NullBackend(_("Global hotkeys need a desktop session."))
