"""What the Wayland compositor offers, read from its registry (the wire protocol, stdlib only).

meettray asks one thing of the compositor: does it offer a *data-control*
protocol (wlroots' ``zwlr_data_control_manager_v1`` or the newer
``ext_data_control_manager_v1``)?  With it, ``wl-copy`` sets the clipboard
without keyboard focus (sway, KWin).  Without it (mutter, GNOME's
compositor) ``wl-copy`` needs a focused window, which a tray never has, and
the X11 clipboard through Xwayland is the way that works.

The registry is read with two requests and one round trip: no library, no
Qt, a bounded read, a timeout.  Blocking: call it off the GUI thread.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
from collections.abc import Mapping

DATA_CONTROL = ("zwlr_data_control_manager_v1", "ext_data_control_manager_v1")
#: Never read more than this from the compositor.
MAX_BYTES = 256 * 1024

_DISPLAY, _REGISTRY, _CALLBACK = 1, 2, 3  # object ids: wl_display is 1; ours follow


class WaylandError(OSError):
    """The compositor could not be reached or answered nonsense."""


def socket_path(env: Mapping[str, str] | None = None) -> str | None:
    """Where the compositor listens (``WAYLAND_DISPLAY`` under ``XDG_RUNTIME_DIR``)."""
    env = os.environ if env is None else env
    display = env.get("WAYLAND_DISPLAY")
    if not display:
        return None
    if os.path.isabs(display):
        return display
    runtime = env.get("XDG_RUNTIME_DIR")
    return os.path.join(runtime, display) if runtime else None


def offered_globals(path: str, timeout: float = 2.0) -> set[str]:
    """The interface names the compositor's registry announces.  Raises :class:`WaylandError`."""
    if sys.platform == "win32":
        raise WaylandError("there is no Wayland on Windows")
    request = _message(_DISPLAY, 1, struct.pack("<I", _REGISTRY))  # wl_display.get_registry
    request += _message(_DISPLAY, 0, struct.pack("<I", _CALLBACK))  # wl_display.sync
    names: set[str] = set()
    buffer = b""
    received = 0
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.sendall(request)
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    raise WaylandError("the compositor closed the connection")
                received += len(chunk)
                if received > MAX_BYTES:
                    raise WaylandError("the compositor's registry is too large")
                buffer += chunk
                while len(buffer) >= 8:
                    sender, size_opcode = struct.unpack_from("<II", buffer)
                    size, opcode = size_opcode >> 16, size_opcode & 0xFFFF
                    if size < 8 or size % 4:
                        raise WaylandError("the compositor sent a malformed message")
                    if len(buffer) < size:
                        break
                    body, buffer = buffer[8:size], buffer[size:]
                    if sender == _CALLBACK and opcode == 0:  # wl_callback.done: all announced
                        return names
                    if sender == _DISPLAY and opcode == 0:  # wl_display.error
                        raise WaylandError("the compositor reported a protocol error")
                    if sender == _REGISTRY and opcode == 0:  # wl_registry.global
                        names.add(_interface(body))
    except (OSError, struct.error, UnicodeDecodeError) as exc:
        if isinstance(exc, WaylandError):
            raise
        raise WaylandError(f"the Wayland compositor did not answer ({exc})") from exc


#: What each compositor (by socket) answered: a compositor keeps its protocols, so each
#: copy after the first asks nothing.
_ANSWERED: dict[str, bool] = {}


def has_data_control(env: Mapping[str, str] | None = None) -> bool | None:
    """Whether the compositor offers a data-control protocol; ``None`` if it cannot tell
    (asked again next time)."""
    path = socket_path(env)
    if path is None:
        return None
    if path not in _ANSWERED:
        try:
            names = offered_globals(path)
        except WaylandError:
            return None
        _ANSWERED[path] = any(name in names for name in DATA_CONTROL)
    return _ANSWERED[path]


def _message(sender: int, opcode: int, body: bytes) -> bytes:
    return struct.pack("<II", sender, ((8 + len(body)) << 16) | opcode) + body


def _interface(body: bytes) -> str:
    """wl_registry.global's second argument: (uint name, string interface, uint version)."""
    (length,) = struct.unpack_from("<I", body, 4)
    if length == 0 or 8 + length > len(body):
        raise WaylandError("the compositor sent a malformed global")
    return body[8 : 8 + length - 1].decode("ascii")
