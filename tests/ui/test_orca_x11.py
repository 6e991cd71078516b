"""meettray with a real screen reader: Orca, under Xvfb with a window manager (mutter)
and AT-SPI's bus, driven from the keyboard as its users drive it, and heard through
Orca's own speech log (``SPEECH OUTPUT:`` lines of ``--debug-file``).

The no-tray window's notices are the case that matters: no notification server
speaks them.  Orca 43 (Debian 12) does not read Qt's announcement event; it reads a
notification as it appears (see ``meettray/ui/views/announce.py``).  Xvfb, the bus,
mutter and Orca start once for the module; meettray once per language."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from meettray import i18n

from ..conftest import wait_for
from ..xserver import xclip_read
from .a11y_session import accessible_session

pytestmark = pytest.mark.x11

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SYSTEM_PYTHON = "/usr/bin/python3"  # Orca's
LANGUAGES = {"en": "C.UTF-8", "de": "de_DE.UTF-8"}
#: One utterance in Orca's log: ``SPEECH OUTPUT: 'text'`` and the voice it used.
SPOKEN = re.compile(r"SPEECH OUTPUT: '(.*?)' ?(?: voice=\S+)?(?:\{.*\})?$", re.MULTILINE)


def _available() -> str | None:
    if not sys.platform.startswith("linux"):
        return "Orca is Linux's"
    for program in ("orca", "mutter", "dbus-daemon", "xdotool"):
        if shutil.which(program) is None:
            return f"{program} is not installed (scripts/bootstrap.sh test installs it)"
    return None


class Orca:
    """The screen reader, and what it has said."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [SYSTEM_PYTHON, str(HERE / "orca_speech.py"), str(log), "--replace"],
            # No sound here: what Orca says is read from its log, and Speech Dispatcher
            # (which finds no sound device) is not started.
            env={**env, "SPEECHD_CMD": "/bin/false"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def said(self) -> list[str]:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        return SPOKEN.findall(text)

    def says(self, wanted: str, *, after: int, timeout: float = 20) -> list[str]:
        """What Orca said after its ``after``-th utterance, once one of them holds
        ``wanted`` (an empty list if none did in time)."""
        found: list[str] = []

        def heard() -> bool:
            nonlocal found
            found = self.said()[after:]
            return any(wanted in line for line in found)

        return found if wait_for(heard, timeout=timeout) else []


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], Orca]]:
    """Xvfb, a session bus, mutter as the window manager, and Orca, for the module."""
    if (why := _available()) is not None:
        pytest.skip(why)
    home = tmp_path_factory.mktemp("orca-home")
    with accessible_session(home) as env:
        window_manager = subprocess.Popen(
            ["mutter", "--x11", "--replace", "--sm-disable"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        orca = Orca(env, home / "orca-speech.log")
        try:
            assert orca.says("Screen reader on", after=0, timeout=60), orca.process.poll()
            yield env, orca
        finally:
            for process in (orca.process, window_manager):
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture(scope="module", params=list(LANGUAGES))
def app(
    desktop: tuple[dict[str, str], Orca], request: pytest.FixtureRequest
) -> Iterator[tuple[dict[str, str], Orca, i18n.Catalog]]:
    """meettray's demo in its no-tray window, focused, in one language."""
    env, orca = desktop
    env = {**env, "LANG": LANGUAGES[request.param]}
    before = len(orca.said())
    process = subprocess.Popen(
        [sys.executable, "-m", "meettray", "--demo"], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    catalog = i18n.load(env)
    try:
        # The window takes the focus as it opens; Orca names it, then its first button.
        assert orca.says(f"{meet_now(catalog)} push button", after=before, timeout=60), (
            process.poll(), orca.said()[before:],
        )  # fmt: skip
        yield env, orca, catalog
    finally:
        process.terminate()
        process.communicate(timeout=15)


def meet_now(catalog: i18n.Catalog) -> str:
    """The window's Meet now: the demo has two accounts, so it names the default one
    ([account], unlabelled: "main")."""
    return catalog.gettext("&Meet now ({account})").replace("&", "").format(account="main")


def _key(env: dict[str, str], *keys: str) -> None:
    subprocess.run(["xdotool", "key", "--delay", "100", *keys], env=env, check=True, timeout=10)


def test_orca_says_link_copied_once_for_each_meeting(
    app: tuple[dict[str, str], Orca, i18n.Catalog],
) -> None:
    env, orca, catalog = app
    copied = catalog.gettext("Link copied")
    for _meeting in range(2):
        before = len(orca.said())
        _key(env, "space")  # Meet now has the focus
        heard = orca.says(copied, after=before)
        assert heard, orca.said()[before:]
        time.sleep(1.5)  # anything said twice would be said by now
        heard = orca.said()[before:]
        assert len([line for line in heard if copied in line]) == 1, heard
        assert "teams" in xclip_read(env["DISPLAY"]) or "meetup-join" in xclip_read(env["DISPLAY"])
        if catalog.gettext("Meet now") != "Meet now":
            assert not any("Link copied" in line for line in heard)  # it speaks German


def test_orca_reads_schedule_opened_from_the_keyboard(
    app: tuple[dict[str, str], Orca, i18n.Catalog],
) -> None:
    env, orca, catalog = app
    before = len(orca.said())
    mnemonic = catalog.gettext("&Schedule…").split("&", 1)[1][0].lower()
    _key(env, f"alt+{mnemonic}")
    title = catalog.gettext("Schedule a Teams meeting — meettray")
    heard = orca.says(title, after=before)
    assert heard, orca.said()[before:]
    shown = len(orca.said())
    _key(env, "Escape")  # and back to the window, where the focus was
    heard = orca.says(f"{meet_now(catalog)} push button", after=shown)
    assert heard, orca.said()[shown:]
    assert not any(title in line for line in heard)  # the dialog is gone
