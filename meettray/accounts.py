"""What the app knows of a sign-in, as plain values: no MSAL, no network, no Qt.

The tray, the CLI and the service speak these types; only :mod:`meettray.auth`
makes them from MSAL's answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from meettray.i18n import N_

#: The tenant id Microsoft uses for personal Microsoft accounts.
PERSONAL_ACCOUNT_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"

#: The delegated permissions meettray asks for (bare names; see auth.qualified_scopes).
MEETINGS = "OnlineMeetings.ReadWrite"
CALENDAR = "Calendars.ReadWrite"
#: Reading one's own calendar (upcoming meetings): the least privilege that shows them.
CALENDAR_READ = "Calendars.ReadBasic"
#: What ``meettray login --calendar`` asks for: both calendar features at once.
CALENDAR_SCOPES = (CALENDAR, CALENDAR_READ)

#: (The messages below are translated where they are said.)
#: Calendar access is consented apart from meetings (incremental consent): what grants it.
CALENDAR_CONSENT_MESSAGE = N_(
    "Adding meetings to your calendar needs your permission to use your calendar, which "
    "you have not granted yet. Grant it by signing in again: run 'meettray login "
    "--calendar', or use Schedule… → Grant calendar permission in the tray."
)

#: Said when upcoming meetings cannot read the calendar (no consent yet).
UPCOMING_CONSENT_MESSAGE = N_(
    "Upcoming meetings need your permission to read your calendar, which you have not "
    "granted yet. Grant it by signing in again: run 'meettray login --calendar'."
)


#: Said as the browser opens: a page that shows an AADSTS error never comes back to
#: meettray (an unregistered redirect, for one), so the person must know what to do.
BROWSER_ERROR_HINT = N_(
    "If the page shows an error with an AADSTS number, it will not come back here: close "
    "it, cancel, and look the number up in 'meettray doctor' or the README's "
    "Troubleshooting."
)


class TokenProvider(Protocol):
    """Anything that hands out bearer tokens for Graph."""

    def token(self, scopes: Sequence[str], *, force_refresh: bool = False) -> str:
        """A valid access token for ``scopes`` (bare names such as ``OnlineMeetings.ReadWrite``)."""
        ...


@dataclass(frozen=True)
class Account:
    """The signed-in identity, as far as the app needs to know it."""

    username: str
    name: str
    tenant_id: str
    object_id: str

    @property
    def is_personal(self) -> bool:
        """A personal Microsoft account (outlook.com, hotmail.com...), not work or school."""
        return self.tenant_id == PERSONAL_ACCOUNT_TENANT


@dataclass(frozen=True)
class CacheStatus:
    """Where tokens are kept and how well they are protected."""

    location: str
    encrypted: bool
    explanation: str
    #: Set when the saved sign-in was found damaged at start and put away: what to tell.
    damaged: str = ""


@dataclass(frozen=True)
class DeviceCodePrompt:
    """What to show the person during device-code sign-in."""

    user_code: str
    verification_uri: str
    message: str
    expires_at: float
    flow: dict[str, Any]


class Cancellation:
    """A cancel switch shared between the GUI (or Ctrl+C) and a blocking sign-in."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def cancel(self) -> None:
        with self._lock:
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()
