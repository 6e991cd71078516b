"""Putting a link on the clipboard from a short-lived process (the CLI).

On X11 (and Wayland) a clipboard is owned by a running program: when
``meettray now`` exits, what it copied would be gone.  So the copy is handed
to a small detached holder process (:mod:`meettray.platform.clipboard_holder`)
that keeps serving it until something else is copied.  On Windows and macOS
the system keeps the data, and the holder exits straight away.  Without any
display nothing is copied, and the caller says so.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import IO, Protocol

from meettray.i18n import N_, _

log = logging.getLogger(__name__)

#: Seconds to wait for the holder to own the clipboard.
HOLDER_READY_TIMEOUT = 15.0


@dataclass(frozen=True)
class CopyOutcome:
    copied: bool
    #: A short sentence for the person: how it was copied, or why not.
    message: str


class ClipboardBackend(Protocol):
    def copy(self, text: str, html: str | None = None) -> CopyOutcome: ...

    def warm(self) -> None:
        """Get ready to copy (start what takes long) before the text is known."""

    def discard(self) -> None:
        """Nothing will be copied after all: let go of what :meth:`warm` started."""


def _not_copied(why: object) -> str:
    """``Not copied to the clipboard: why.``, in the person's language."""
    return _("Not copied to the clipboard: {problem}.").format(problem=why)


class NullClipboard:
    """No display: nothing can be copied."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def copy(self, text: str, html: str | None = None) -> CopyOutcome:
        return CopyOutcome(False, _not_copied(_(self.reason)))

    def warm(self) -> None:
        pass

    def discard(self) -> None:
        pass


class HolderClipboard:
    """A detached Qt process that owns the clipboard until something else is copied.

    Starting it (Python, Qt, the display connection) takes about 0.2 s: :meth:`warm`
    starts it before the text is known, so that a cold ``meettray now`` whose link
    needs no network (a prepared meeting) finds it ready.
    """

    def __init__(self, qpa_platform: str | None = None) -> None:
        self.qpa_platform = qpa_platform
        self._warm: subprocess.Popen[bytes] | None = None

    def warm(self) -> None:
        if self._warm is None:
            try:
                self._warm = self._start()
            except OSError as exc:
                log.info("clipboard holder not started ahead: %s", exc.strerror)

    def discard(self) -> None:
        holder, self._warm = self._warm, None
        if holder is not None:  # no text on its input: it leaves without touching anything
            for pipe in (holder.stdin, holder.stdout):
                with contextlib.suppress(OSError):
                    if pipe is not None:
                        pipe.close()
            threading.Thread(target=holder.wait, name="clipboard-holder", daemon=True).start()

    def _start(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        if self.qpa_platform:
            env["QT_QPA_PLATFORM"] = self.qpa_platform
        return subprocess.Popen(  # noqa: S603 - our own executable, fixed arguments
            holder_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # outlives this process and its terminal
            close_fds=True,
        )

    def copy(self, text: str, html: str | None = None) -> CopyOutcome:
        holder, self._warm = self._warm, None
        try:
            holder = holder or self._start()
        except OSError as exc:
            return CopyOutcome(False, _not_copied(exc.strerror))
        assert holder.stdin is not None
        assert holder.stdout is not None
        try:
            holder.stdin.write(json.dumps({"text": text, "html": html}).encode())
            holder.stdin.close()
            ready = _read_line(holder, HOLDER_READY_TIMEOUT)
        except OSError:
            ready = ""
        finally:
            holder.stdout.close()
        if ready.startswith("ready"):
            # It serves the copy until something else is copied; whoever started it
            # (a tray that runs for days) reaps it then, never leaving a zombie.
            threading.Thread(target=holder.wait, name="clipboard-holder", daemon=True).start()
            return CopyOutcome(True, _("Copied to the clipboard."))
        holder.kill()
        return CopyOutcome(False, _not_copied(_("the clipboard did not respond")))


class WlCopyClipboard:
    """Wayland: ``wl-copy`` (wl-clipboard) serves the copy.

    wl-copy forks a helper that serves the selection until something else is
    copied; it must not inherit our stdout or a pipe of ours, or
    ``link=$(meettray now)`` would wait for it forever: its error text goes to
    a file.  Where the compositor offers no data-control protocol (GNOME),
    wl-copy needs keyboard focus and may wait for it: ``timeout`` bounds that.
    The copy is read back with ``wl-paste`` before it is reported as done.
    """

    def __init__(
        self, executable: str, paste: str | None = None, *, timeout: float = HOLDER_READY_TIMEOUT
    ) -> None:
        self.executable = executable
        self.paste = paste
        self.timeout = timeout

    def warm(self) -> None:
        pass  # wl-copy starts in milliseconds

    def discard(self) -> None:
        pass

    def copy(self, text: str, html: str | None = None) -> CopyOutcome:
        import tempfile

        with tempfile.TemporaryFile() as errors:
            try:
                subprocess.run(  # noqa: S603 - a fixed, resolved executable
                    [self.executable, "--type", "text/plain;charset=utf-8"],
                    input=text.encode(),
                    stdout=subprocess.DEVNULL,
                    stderr=errors,
                    check=True,
                    timeout=self.timeout,
                )
            except subprocess.TimeoutExpired:
                return CopyOutcome(
                    False,
                    _not_copied(
                        _("wl-copy did not finish within {seconds} s (this compositor gives "
                          "the clipboard only to the window that has the keyboard)").format(
                            seconds=f"{self.timeout:g}")
                    ),
                )  # fmt: skip
            except subprocess.CalledProcessError:
                return CopyOutcome(False, _not_copied(_said(errors)))
            except OSError as exc:
                return CopyOutcome(False, _not_copied(exc.strerror))
        return self._read_back(text)

    def _read_back(self, text: str) -> CopyOutcome:
        if self.paste is None:
            return CopyOutcome(True, _("Handed to wl-copy (not read back: wl-paste is missing)."))
        try:
            pasted = subprocess.run(  # noqa: S603 - a fixed, resolved executable
                [self.paste, "--no-newline", "--type", "text/plain"],
                capture_output=True,
                timeout=HOLDER_READY_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return CopyOutcome(False, _not_copied(type(exc).__name__))
        if pasted.stdout.decode(errors="replace") != text:
            return CopyOutcome(
                False,
                _not_copied(_("the compositor did not take the copy (it read back differently)")),
            )
        return CopyOutcome(True, _("Copied to the clipboard."))


def _said(errors: IO[bytes]) -> str:
    """wl-copy's own last words ("This seat has no keyboard"), bounded, as plain text."""
    from meettray.plaintext import displayable

    errors.seek(0)
    lines = errors.read(4096).decode(errors="replace").strip().splitlines()
    said = displayable(lines[-1]).strip()[:200] if lines else ""
    return _("wl-copy said: {words}").format(words=said) if said else _("wl-copy failed")


#: The argument a frozen (PyInstaller) meettray takes to act as the clipboard holder.
HOLDER_ARGUMENT = "--clipboard-holder"


def holder_command() -> list[str]:
    """How to start the holder: the same executable when frozen, else ``python -m``."""
    if getattr(sys, "frozen", False):
        return [sys.executable, HOLDER_ARGUMENT]
    return [sys.executable, "-m", "meettray.platform.clipboard_holder"]


def system_clipboard() -> ClipboardBackend:
    """The right backend for this session."""
    if sys.platform.startswith(("win", "darwin")):
        return HolderClipboard()
    if os.environ.get("DISPLAY"):
        # Also under Wayland with XWayland: the X clipboard is bridged to Wayland's.
        return HolderClipboard("xcb")
    if os.environ.get("WAYLAND_DISPLAY"):
        wl_copy = shutil.which("wl-copy")
        if wl_copy:
            return WlCopyClipboard(wl_copy, shutil.which("wl-paste"))
        return NullClipboard(N_("install wl-clipboard to copy from the command line on Wayland"))
    return NullClipboard(N_("there is no display"))


def _read_line(
    process: subprocess.Popen[bytes], timeout: float, *, selectable: bool | None = None
) -> str:
    """The holder's first line, or "" if it gives none within ``timeout`` seconds (it is
    then killed: a hung holder must not hang ``meettray now``)."""
    import selectors

    assert process.stdout is not None
    if selectable is None:
        selectable = not sys.platform.startswith("win")  # Windows' pipes are not selectable
    if not selectable:
        return _read_line_on_a_thread(process, timeout)
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return process.stdout.readline(256).decode(errors="replace")


def _read_line_on_a_thread(process: subprocess.Popen[bytes], timeout: float) -> str:
    """Where a pipe cannot be waited on: a thread reads, and if no line comes in time the
    holder is killed, which ends the read (its end of the pipe closes)."""
    stdout = process.stdout
    assert stdout is not None
    line: list[bytes] = []
    reader = threading.Thread(
        target=lambda: line.append(stdout.readline(256)), name="clipboard-ready", daemon=True
    )
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        process.kill()
        reader.join()
        return ""
    return line[0].decode(errors="replace") if line else ""
