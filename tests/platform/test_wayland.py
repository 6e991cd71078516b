"""The compositor's registry, and the tray's choice of how to copy on Wayland.

A compositor is played here by a Unix socket that speaks the Wayland wire
protocol as far as the registry goes: it announces a list of globals, as
mutter (GNOME: no data-control) or sway and KWin (data-control) do.  The
real sway answers in ``tests/ui/test_tray_wayland.py``.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from meettray.formatting import ClipboardPayload
from meettray.platform.clipboard import CopyOutcome
from meettray.platform.wayland import WaylandError, has_data_control, offered_globals

pytestmark = pytest.mark.posix

MUTTER = ["wl_compositor", "wl_shm", "wl_seat", "wl_data_device_manager", "xdg_wm_base"]
KWIN = [*MUTTER, "zwlr_data_control_manager_v1"]


def _event(sender: int, opcode: int, body: bytes) -> bytes:
    return struct.pack("<II", sender, ((8 + len(body)) << 16) | opcode) + body


def _global(name: int, interface: str) -> bytes:
    encoded = interface.encode() + b"\0"
    padded = encoded + b"\0" * (-len(encoded) % 4)
    return _event(2, 0, struct.pack("<II", name, len(encoded)) + padded + struct.pack("<I", 1))


@contextmanager
def compositor(tmp_path: Path, answer: bytes | None) -> Iterator[str]:
    """A socket that reads the client's two requests, then sends ``answer`` (None: nothing)."""
    path = str(tmp_path / "wayland-test")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)

    def serve() -> None:
        try:
            client, _ = server.accept()
        except OSError:
            return
        with client:
            client.recv(4096)
            try:
                if answer is not None:
                    client.sendall(answer)
                client.recv(1)  # until the client hangs up
            except OSError:
                pass  # it hung up first (it read enough)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield path
    finally:
        server.close()
        thread.join(5)


def announcing(interfaces: list[str]) -> bytes:
    done = _event(3, 0, struct.pack("<I", 1))  # wl_callback.done
    return b"".join(_global(n, name) for n, name in enumerate(interfaces, 1)) + done


@pytest.mark.parametrize(("interfaces", "expected"), [(MUTTER, False), (KWIN, True)])
def test_data_control_is_read_from_the_registry(
    tmp_path: Path, interfaces: list[str], expected: bool
) -> None:
    with compositor(tmp_path, announcing(interfaces)) as path:
        assert offered_globals(path) == set(interfaces)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    with compositor(runtime, announcing(interfaces)) as path:
        env = {"WAYLAND_DISPLAY": os.path.basename(path), "XDG_RUNTIME_DIR": os.path.dirname(path)}
        assert has_data_control(env) is expected


@pytest.mark.parametrize(
    "answer",
    [
        None,  # silence: the timeout
        b"",  # hangs up at once
        _event(1, 0, b"\0" * 12),  # wl_display.error
        struct.pack("<II", 2, (4 << 16)),  # a size smaller than the header
        _event(2, 0, struct.pack("<II", 1, 4000)),  # a string longer than its message
        _global(1, "x" * 4000) * 100,  # more than anyone's registry, and no end
    ],
)
def test_a_compositor_that_answers_nonsense_is_an_error_never_a_hang(
    tmp_path: Path, answer: bytes | None
) -> None:
    with compositor(tmp_path, answer) as path, pytest.raises(WaylandError):
        offered_globals(path, timeout=0.5)
    assert has_data_control({"WAYLAND_DISPLAY": str(tmp_path / "none")}) is None
    assert has_data_control({}) is None


# -- the tray's choice ----------------------------------------------------------------

WL_COPY_NO_KEYBOARD = """#!/bin/sh
echo "Failed to set the selection" >&2
echo "This seat has no keyboard" >&2
exit 1
"""
WL_COPY_WAITS_FOR_FOCUS = """#!/bin/sh
cat > /dev/null
sleep 30
"""
WL_COPY_RECORDS = """#!/bin/sh
cat > "$WL_STORE"
"""


@pytest.fixture
def wl_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The only folder on PATH: a stand-in wl-copy (written by the test), no wl-paste,
    and the few tools the stand-ins and the checks use."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("sh", "cat", "sleep", "xclip", "Xvfb"):
        found = shutil.which(tool)
        assert found is not None, f"{tool} is not installed: run the README's test command"
        (folder / tool).symlink_to(found)
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.setenv("WL_STORE", str(tmp_path / "store"))
    return folder


def _install(folder: Path, script: str) -> None:
    (folder / "wl-copy").write_text(script)
    (folder / "wl-copy").chmod(0o755)


def _payload(text: str = "https://teams.microsoft.com/l/meetup-join/x") -> ClipboardPayload:
    return ClipboardPayload(text=text, html="")


def _copy_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interfaces: list[str],
    display: str | None, text: str = "https://teams.microsoft.com/l/meetup-join/x",
) -> CopyOutcome:  # fmt: skip
    """The tray's Wayland copy, on a compositor announcing ``interfaces`` (and X11 at
    ``display``, or none)."""
    from meettray.ui.shell.clipboard import _wayland_copy

    with compositor(tmp_path, announcing(interfaces)) as path:
        monkeypatch.setenv("WAYLAND_DISPLAY", path)
        if display is None:
            monkeypatch.delenv("DISPLAY", raising=False)
        else:
            monkeypatch.setenv("DISPLAY", display)
        return _wayland_copy(_payload(text))


def test_gnome_without_xwayland_shows_wl_copys_own_words(
    tmp_path: Path, wl_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(wl_copy, WL_COPY_NO_KEYBOARD)
    outcome = _copy_on(tmp_path, monkeypatch, MUTTER, None)
    assert outcome.copied is False
    said = "Not copied to the clipboard: wl-copy said: This seat has no keyboard."
    assert outcome.message == said


def test_gnome_without_focus_gives_up_after_a_short_wait(
    tmp_path: Path, wl_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meettray.ui.shell import clipboard

    _install(wl_copy, WL_COPY_WAITS_FOR_FOCUS)
    monkeypatch.setattr(clipboard, "FOCUS_WAIT", 0.5)
    outcome = _copy_on(tmp_path, monkeypatch, MUTTER, None)
    assert outcome.copied is False
    assert "wl-copy did not finish within 0.5 s" in outcome.message


def test_gnome_with_xwayland_copies_through_the_x11_clipboard(
    tmp_path: Path, wl_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """mutter has no data-control: wl-copy would wait for focus (the overview right
    after login); the X11 clipboard through Xwayland lands.  Xvfb plays Xwayland."""
    from ..xserver import xclip_read, xvfb

    _install(wl_copy, WL_COPY_RECORDS)
    link = "https://teams.microsoft.com/l/meetup-join/gnome"
    with xvfb() as display:
        outcome = _copy_on(tmp_path, monkeypatch, MUTTER, display, link)
        assert outcome.copied is True, outcome.message
        assert xclip_read(display) == link
    assert not (tmp_path / "store").exists()  # wl-copy was not used


def test_a_compositor_with_data_control_keeps_wl_copy(
    tmp_path: Path, wl_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(wl_copy, WL_COPY_RECORDS)
    # X11 is there, but not the way: wl-copy needs no focus here.
    outcome = _copy_on(tmp_path, monkeypatch, KWIN, ":999", "kwin")
    assert outcome.copied is True
    assert outcome.message == "Handed to wl-copy (not read back: wl-paste is missing)."
    assert (tmp_path / "store").read_text() == "kwin"
