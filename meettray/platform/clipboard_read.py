"""The clipboard's text read for the command line (``meettray join --clipboard``), with no
Qt: the desktop's own small tool, bounded in size and time.

- macOS: ``pbpaste``, always there.
- Windows: PowerShell's ``Get-Clipboard``, always there.
- Linux: ``wl-paste`` (wl-clipboard) on Wayland; ``xclip`` or ``xsel`` on X11 (and on
  Wayland through Xwayland, which bridges the clipboard).

The text is another program's: whoever reads it must check it.  At most ``limit``
characters are kept; the tool is stopped once it has given more than that, or after
:data:`READ_TIMEOUT` seconds (an X11 owner that never answers).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping

#: Seconds a tool may take to hand over the clipboard.
READ_TIMEOUT = 5.0


class ClipboardUnreadable(Exception):
    """No way to read the clipboard here, or the tool failed: ``str()`` says which, in
    words for the person."""


def clipboard_command(
    platform: str = sys.platform,
    env: Mapping[str, str] | None = None,
    data_control: bool | None = None,
) -> list[str]:
    """The command that prints the clipboard's text here; :class:`ClipboardUnreadable`
    where there is none.

    ``data_control``: whether the Wayland compositor offers a data-control protocol
    (:func:`~meettray.platform.wayland.has_data_control`; asked here when it matters).
    Where it offers none (GNOME), ``wl-paste`` must take the keyboard to read, and
    Xwayland's clipboard, the same one, is read with ``xclip`` instead.
    """
    env = os.environ if env is None else env
    if env.get("WAYLAND_DISPLAY") and env.get("DISPLAY") and data_control is None:
        from meettray.platform.wayland import has_data_control

        data_control = has_data_control(env)
    if platform == "darwin":
        return ["pbpaste"]
    if platform.startswith("win"):
        utf8 = "[Console]::OutputEncoding = [Text.Encoding]::UTF8"
        return ["powershell", "-NoProfile", "-NonInteractive", "-Command",
                f"{utf8}; Get-Clipboard -Raw"]  # fmt: skip
    tools: list[list[str]] = []
    if env.get("WAYLAND_DISPLAY"):
        tools.append(["wl-paste", "--no-newline", "--type", "text/plain"])
    if env.get("DISPLAY"):
        x11 = [["xclip", "-out", "-selection", "clipboard"], ["xsel", "--clipboard", "--output"]]
        tools = [*x11, *tools] if data_control is False else [*tools, *x11]
    for tool in tools:
        if (found := shutil.which(tool[0])) is not None:
            return [found, *tool[1:]]
    if not tools:
        raise ClipboardUnreadable("There is no display here, so no clipboard to read.")
    raise ClipboardUnreadable(
        "Here meettray reads the clipboard with "
        + ("wl-paste (the wl-clipboard package)" if env.get("WAYLAND_DISPLAY") else "")
        + (" or " if env.get("WAYLAND_DISPLAY") and env.get("DISPLAY") else "")
        + ("xclip or xsel" if env.get("DISPLAY") else "")
        + ": install one."
    )


def read_clipboard(limit: int, command: list[str] | None = None) -> str:
    """The clipboard's text: at most ``limit + 1`` characters (so that longer text is
    still seen to be longer); "" when it holds no text."""
    command = clipboard_command() if command is None else command
    try:
        process = subprocess.Popen(  # noqa: S603 - a fixed tool, found on PATH
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
    except OSError as exc:
        raise ClipboardUnreadable(f"{command[0]} could not be started: {exc.strerror}.") from None
    assert process.stdout is not None
    # UTF-8 takes at most 4 bytes a character: this many bytes hold limit + 1 of them.
    wanted = (limit + 1) * 4
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(process.stdout.read(wanted)),  # type: ignore[union-attr]
                              daemon=True)  # fmt: skip
    reader.start()
    reader.join(READ_TIMEOUT)
    timed_out = reader.is_alive()
    process.kill()  # done, or given more than a link: either way nothing more is read
    process.wait()
    process.stdout.close()
    if timed_out:
        raise ClipboardUnreadable(
            f"The clipboard was not handed over within {READ_TIMEOUT:g} s "
            "(the program that copied it does not answer)."
        )
    data = got[0] if got else b""
    return data.decode("utf-8", errors="replace")[: limit + 1]
