"""The CLI's clipboard hand-off, on a real X server."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from meettray.demo.fake365 import FakeMicrosoft365
from meettray.platform.clipboard import HolderClipboard, NullClipboard, system_clipboard

from ..conftest import run_cli, wait_for
from ..xserver import xclip_read, xvfb

pytestmark = pytest.mark.x11


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with xvfb() as value:
        yield value


def holders(display: str) -> list[str]:
    """Clipboard holder processes serving ``display`` (other displays are not ours)."""
    done = subprocess.run(
        ["pgrep", "-f", "meettray.platform.clipboard_holder"],
        capture_output=True,
        text=True,
        check=False,
    )
    mine = []
    for pid in done.stdout.split():
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue  # already gone
        if f"DISPLAY={display}".encode() in environ:
            mine.append(pid)
    return mine


def test_link_stays_pasteable_after_the_cli_exits(
    display: str, config_file: Path, fake: FakeMicrosoft365
) -> None:
    env = {"DISPLAY": display, "WAYLAND_DISPLAY": ""}
    assert run_cli("login", "--device-code", env=env).returncode == 0

    done = run_cli("now", env=env)

    assert done.returncode == 0, done.stderr
    assert "Copied to the clipboard." in done.stderr
    link = done.stdout.strip()
    assert xclip_read(display) == link  # the CLI process is gone; the holder serves it
    assert len(holders(display)) == 1
    assert "text/html" in xclip_read(display, "TARGETS").split()
    html = xclip_read(display, "text/html")
    assert f'<a href="{link}">Join Microsoft Teams meeting</a>' in html.replace("&amp;", "&")

    # Copying something else ends the holder: nothing lingers.
    subprocess.run(
        ["xclip", "-selection", "clipboard"],
        input="something else",
        text=True,
        env={**os.environ, "DISPLAY": display},
        check=True,
        timeout=10,
    )
    assert wait_for(lambda: not holders(display))
    assert xclip_read(display) == "something else"


def test_backend_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":5")
    assert isinstance(system_clipboard(), HolderClipboard)
    monkeypatch.setenv("DISPLAY", "")
    monkeypatch.setenv("WAYLAND_DISPLAY", "")
    backend = system_clipboard()
    assert isinstance(backend, NullClipboard)
    assert backend.copy("x").copied is False
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert "wl-clipboard" in system_clipboard().copy("x").message


def test_a_holder_started_ahead_serves_the_copy_or_leaves_untouched(
    display: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``warm()`` starts the holder before the text is known (a cold ``meettray now``):
    the copy then uses it; discarded unused, it leaves and the clipboard keeps what it had."""
    monkeypatch.setenv("DISPLAY", display)
    subprocess.run(["xclip", "-selection", "clipboard"], input="before", text=True,
                   env={**os.environ, "DISPLAY": display}, check=True, timeout=10)  # fmt: skip
    unused = HolderClipboard("xcb")
    unused.warm()
    assert wait_for(lambda: len(holders(display)) == 1)
    unused.discard()
    assert wait_for(lambda: not holders(display))
    assert xclip_read(display) == "before"

    used = HolderClipboard("xcb")
    used.warm()
    assert wait_for(lambda: len(holders(display)) == 1)
    outcome = used.copy("https://teams.microsoft.com/l/meetup-join/warm")
    assert outcome.copied
    assert len(holders(display)) == 1  # the one started ahead, not a second
    assert xclip_read(display) == "https://teams.microsoft.com/l/meetup-join/warm"
    used.discard()  # nothing left to let go of: the copy is served on
    assert xclip_read(display) == "https://teams.microsoft.com/l/meetup-join/warm"
    subprocess.run(["xclip", "-selection", "clipboard"], input="after", text=True,
                   env={**os.environ, "DISPLAY": display}, check=True, timeout=10)  # fmt: skip
    assert wait_for(lambda: not holders(display))


def test_the_x11_holder_serves_text_in_every_form_and_refuses_the_rest(
    display: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The libxcb holder: UTF-8 under the text targets, Latin-1 under STRING, the HTML
    under text/html, nothing for a target it does not hold."""
    monkeypatch.setenv("DISPLAY", display)
    text = "Réunion ✓ https://teams.microsoft.com/l/meetup-join/x"
    assert HolderClipboard("xcb").copy(text, "<b>Réunion</b>").copied
    for target in ("UTF8_STRING", "TEXT", "text/plain", "text/plain;charset=utf-8"):
        assert xclip_read(display, target) == text, target
    latin = subprocess.run(["xclip", "-selection", "clipboard", "-o", "-t", "STRING"],
                           capture_output=True, env={**os.environ, "DISPLAY": display},
                           timeout=10, check=False).stdout  # fmt: skip
    assert latin == text.encode("latin-1", "replace")
    assert xclip_read(display, "text/html") == "<b>Réunion</b>"
    refused = subprocess.run(["xclip", "-selection", "clipboard", "-o", "-t", "image/png"],
                             capture_output=True, env={**os.environ, "DISPLAY": display},
                             timeout=10, check=False)  # fmt: skip
    assert refused.returncode != 0
    assert refused.stdout == b""
    assert len(holders(display)) == 1  # a refused request does not end it


def test_a_copy_too_big_for_one_reply_goes_through_qt(
    display: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", display)
    text = "x" * 200_000  # far beyond a link with details

    assert HolderClipboard("xcb").copy(text).copied

    assert xclip_read(display) == text  # Qt's holder sends it in increments
