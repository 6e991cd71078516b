"""``meettray join --clipboard``, run as a real process on a real X server: the clipboard
read without Qt (xclip here), checked as the tray checks it, joined as ``[calendar] join``
says, and anything else refused without repeating it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from meettray.errors import ExitCode
from meettray.platform.clipboard_read import ClipboardUnreadable, clipboard_command

from .conftest import run_cli
from .test_cli_upcoming import recorder
from .xserver import xvfb

LINK = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_Zm9v%40thread.v2/0?context=%7b%7d"
NO_LINK = "The clipboard holds no Teams meeting link."


@pytest.fixture
def display() -> Iterator[str]:
    if shutil.which("xclip") is None:
        pytest.fail("xclip is not installed: run scripts/bootstrap.sh test")
    with xvfb() as name:
        yield name


def copy(display: str, text: str) -> None:
    """Put ``text`` on the X clipboard as another program does (xclip stays to serve it,
    until the X server ends)."""
    subprocess.run(["xclip", "-selection", "clipboard", "-in"], input=text.encode(),
                   env={**os.environ, "DISPLAY": display}, check=True, timeout=10)  # fmt: skip


def join_clipboard(display: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_cli("join", "--clipboard", env={**env, "DISPLAY": display, "WAYLAND_DISPLAY": ""})


def test_the_link_on_the_clipboard_is_joined_the_way_settings_say(
    config_file: Path, display: str, tmp_path: Path
) -> None:
    config_file.write_text(config_file.read_text() + '[calendar]\njoin = "app"\n')
    env, seen = recorder(tmp_path)
    copy(display, f"{LINK}\n")
    done = join_clipboard(display, env)
    assert done.returncode == 0, done.stderr
    assert seen.read_text().split() == [
        "msteams:/l/meetup-join/19%3ameeting_Zm9v%40thread.v2/0?context=%7b%7d"
    ]
    assert f"Joining: {LINK}" in done.stdout


@pytest.mark.parametrize(
    "text",
    [
        "https://teams.microsoft.com.evil.example/l/meetup-join/x",
        "javascript:alert(1)//https://teams.microsoft.com/l/x",
        f"{LINK}\u202e evil",
        LINK + "evil" * 100_000,  # 400 kB: refused whole, and read no further than needed
    ],
    ids=["look-alike", "javascript", "direction override", "huge"],
)
def test_anything_else_is_refused_and_not_repeated(
    config_file: Path, display: str, tmp_path: Path, text: str
) -> None:
    env, seen = recorder(tmp_path)
    copy(display, text)
    done = join_clipboard(display, env)
    assert done.returncode == ExitCode.USAGE, done.stderr
    assert NO_LINK in done.stderr
    assert "evil" not in done.stderr + done.stdout
    assert not seen.exists()


def test_an_empty_clipboard_holds_no_link(config_file: Path, display: str, tmp_path: Path) -> None:
    env, seen = recorder(tmp_path)
    done = join_clipboard(display, env)  # nobody owns the clipboard
    assert done.returncode == ExitCode.USAGE
    assert NO_LINK in done.stderr
    assert not seen.exists()


def test_without_a_display_it_says_so(config_file: Path, tmp_path: Path) -> None:
    env, seen = recorder(tmp_path)
    done = run_cli("join", "--clipboard", env={**env, "DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert done.returncode == ExitCode.NO_DESKTOP
    assert "no display" in done.stderr
    assert not seen.exists()


def test_each_desktop_has_its_way_to_read_it() -> None:
    assert clipboard_command("darwin", {}) == ["pbpaste"]
    assert clipboard_command("win32", {})[0] == "powershell"
    wayland = clipboard_command("linux", {"WAYLAND_DISPLAY": "wayland-0"})
    assert Path(wayland[0]).name == "wl-paste"
    x11 = clipboard_command("linux", {"DISPLAY": ":0"})
    assert Path(x11[0]).name in {"xclip", "xsel"}
    # GNOME (no data-control): wl-paste would need the keyboard; Xwayland's is the same.
    gnome = clipboard_command("linux", {"WAYLAND_DISPLAY": "w", "DISPLAY": ":0"}, False)
    assert Path(gnome[0]).name in {"xclip", "xsel"}
    sway = clipboard_command("linux", {"WAYLAND_DISPLAY": "w", "DISPLAY": ":0"}, True)
    assert Path(sway[0]).name == "wl-paste"
    with pytest.raises(ClipboardUnreadable, match="no display"):
        clipboard_command("linux", {})


def test_the_refusal_speaks_german(config_file: Path, display: str, tmp_path: Path) -> None:
    env, seen = recorder(tmp_path)
    copy(display, "https://evil.example/")
    done = join_clipboard(display, {**env, "LANGUAGE": "de", "LANG": "de_DE.UTF-8"})
    assert done.returncode == ExitCode.USAGE
    assert "In der Zwischenablage ist kein Teams-Besprechungslink." in done.stderr
    assert not seen.exists()
