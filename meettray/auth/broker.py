"""How sign-in meets device-based Conditional Access: the OS's broker, or Microsoft Edge.

A policy that asks for a compliant or registered device is satisfied only by
something that can present the device: the Web Account Manager on Windows,
Company Portal on macOS, Microsoft's identity broker on Linux (all through
msal's broker support and ``pymsalruntime``), or Microsoft Edge signed in to
the work profile on Linux.  This module decides which applies; no network,
no Qt, nothing loaded that is not used.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import platform as host
import queue
import shutil
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from meettray.accounts import Cancellation
from meettray.errors import SignInCancelled

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
#: The first msal that knows each flag: an older one raises TypeError on an unknown
#: keyword (msal 1.31 and 1.32 on enable_broker_on_linux).
MSAL_FOR_BROKER = {"win32": (1, 25), "darwin": (1, 31), "linux": (1, 33)}


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


def msal_version() -> tuple[int, int]:
    """The installed msal's major and minor version ((0, 0) when unreadable)."""
    try:
        major, minor = importlib.metadata.version("msal").split(".")[:2]
        return int(major), int("".join(c for c in minor if c.isdigit()) or 0)
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return (0, 0)


def choose_broker(setting: str, *, microsoft: bool = True, platform: str = sys.platform,
                  runtime: bool | None = None, machine: str | None = None,
                  msal: tuple[int, int] | None = None) -> BrokerChoice:  # fmt: skip
    """``setting`` is ``[account] broker``: ``auto`` (the default) uses the OS's broker
    where its runtime is installed (on Windows it comes with meettray where it has
    wheels), ``off`` never.
    ``microsoft``: the authority is Microsoft's own (a broker knows no other).
    ``machine`` and ``msal`` (the CPU and msal's version) are read when not given."""
    key = os_key(platform)
    if key not in _NAMES:
        return BrokerChoice("", "this system has no sign-in broker")
    if not microsoft:
        return BrokerChoice("", "the sign-in service is not Microsoft's, so no broker applies")
    if setting == "off":
        return BrokerChoice("", 'turned off in the settings ([account] broker = "off")')
    if key == "darwin" and (machine or host.machine()) != "arm64":
        return BrokerChoice("", "Company Portal's sign-in broker works on Apple silicon Macs "
                                "only, not on this Intel Mac")  # fmt: skip
    needed = MSAL_FOR_BROKER[key]
    if (found := msal or msal_version()) < needed:
        return BrokerChoice("", f"the {_NAMES[key]} needs msal {needed[0]}.{needed[1]} or "
                                f"later; this is {found[0]}.{found[1]} "
                                "(pip install -U 'meettray[broker]')")  # fmt: skip
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


def wait_for_broker(
    call: Callable[[], Any], *, timeout: float, cancel: Cancellation | None = None
) -> Any:
    """Run a broker sign-in on a thread of its own and wait for it, ``timeout`` seconds
    at most or until ``cancel``: msal ignores its timeout when a broker signs in, and
    nothing can stop the broker's window, so a cancelled or late sign-in is left
    behind (a daemon thread whose answer nobody reads).  Raises what ``call`` raised."""
    answers: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()

    def run() -> None:
        try:
            answers.put(("result", call()))
        except Exception as exc:  # noqa: BLE001 - handed to the waiting thread, raised there
            answers.put(("error", exc))

    if cancel is not None:
        cancel.on_cancel(lambda: answers.put(("cancelled", None)))
    threading.Thread(target=run, name="meettray-broker-sign-in", daemon=True).start()
    try:
        kind, value = answers.get(timeout=timeout)
    except queue.Empty:
        raise SignInCancelled(
            f"Sign-in did not finish within {timeout:.0f} seconds. Try again."
        ) from None
    if kind == "cancelled":
        raise SignInCancelled("Sign-in was cancelled.")
    if kind == "error":
        raise value
    return value
