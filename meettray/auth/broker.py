"""How sign-in meets device-based Conditional Access: the OS's broker, or Microsoft Edge.

A policy that asks for a compliant or registered device is satisfied only by
something that can present the device: the Web Account Manager on Windows,
Company Portal on macOS, Microsoft's identity broker on Linux (all through
msal's broker support and ``pymsalruntime``), or Microsoft Edge signed in to
the work profile on Linux.  This module decides which applies; no network,
no Qt, nothing loaded that is not used.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import dataclass, field

#: The redirect URI each broker signs in with; the app registration lists them all
#: under "Mobile and desktop applications" (README, "Registering meettray in Microsoft Entra ID").
BROKER_REDIRECTS = {
    "win32": "ms-appx-web://microsoft.aad.brokerplugin/{client_id}",
    "darwin": "msauth.com.msauth.unsignedapp://auth",
    "linux": "https://login.microsoftonline.com/common/oauth2/nativeclient",
}
#: The browser sign-in's redirect, on every OS.
LOOPBACK_REDIRECT = "http://localhost"
_NAMES = {"win32": "Web Account Manager", "darwin": "Company Portal",
          "linux": "Microsoft identity broker"}  # fmt: skip
_FLAGS = {"win32": "enable_broker_on_windows", "darwin": "enable_broker_on_mac",
          "linux": "enable_broker_on_linux"}  # fmt: skip
_EDGE = ("microsoft-edge", "microsoft-edge-stable")


@dataclass(frozen=True)
class BrokerChoice:
    """Which broker sign-in uses ("" for none), and why, in a sentence for doctor."""

    name: str
    reason: str
    #: Keyword arguments for ``msal.PublicClientApplication``.
    options: dict[str, bool] = field(default_factory=dict)


def os_key(platform: str = sys.platform) -> str:
    return "linux" if platform.startswith("linux") else platform


def runtime_installed() -> bool:
    """Whether msal's broker runtime (``pymsalruntime``, the ``broker`` extra) is here."""
    return importlib.util.find_spec("pymsalruntime") is not None


def choose_broker(setting: str, *, microsoft: bool = True, platform: str = sys.platform,
                  runtime: bool | None = None) -> BrokerChoice:  # fmt: skip
    """``setting`` is ``[account] broker``: ``auto`` (the default) uses the OS's broker
    where its runtime is installed (on Windows it comes with meettray where it has
    wheels), ``off`` never.
    ``microsoft``: the authority is Microsoft's own (a broker knows no other)."""
    key = os_key(platform)
    if key not in _NAMES:
        return BrokerChoice("", "this system has no sign-in broker")
    if not microsoft:
        return BrokerChoice("", "the sign-in service is not Microsoft's, so no broker applies")
    if setting == "off":
        return BrokerChoice("", 'turned off in the settings ([account] broker = "off")')
    if not (runtime_installed() if runtime is None else runtime):
        return BrokerChoice(  # Windows too: pymsalruntime has no wheel for every Python
            "",
            f"the {_NAMES[key]} cannot be used: its runtime is not installed "
            "(pip install 'meettray[broker]')",
        )
    return BrokerChoice(_NAMES[key], f"sign-in goes through the {_NAMES[key]}",
                        {_FLAGS[key]: True})  # fmt: skip


def edge(platform: str = sys.platform) -> str | None:
    """Microsoft Edge on Linux, which presents the device to Entra ID (msal prefers it
    there for that reason); ``None`` elsewhere or where it is not installed."""
    if os_key(platform) != "linux":
        return None
    return next((found for name in _EDGE if (found := shutil.which(name))), None)
