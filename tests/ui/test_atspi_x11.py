"""What a screen reader finds, through the real accessibility tree: Xvfb, a session
bus with AT-SPI's bus (at-spi2-core), and meettray's demo without a tray, so that it
shows its window.  Each window is opened from that window's buttons (AT-SPI's own
"Press", as a screen reader's user does) and read back over AT-SPI: every control
that takes the focus has a name, the default button is the primary one, the window
fits the screen, and it speaks the language of ``LANG``.

The tree is read by ``atspi_tree.py`` under the system Python (python3-dbus); Xvfb
and the bus start once per module, meettray once per language."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from meettray import i18n

from ..conftest import wait_for
from .a11y_session import accessible_session

pytestmark = pytest.mark.x11

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SYSTEM_PYTHON = "/usr/bin/python3"
SCREEN = (1280, 800)
LANGUAGES = {"en": "C.UTF-8", "de": "de_DE.UTF-8", "ar": "ar_EG.UTF-8"}
#: The windows the no-tray window opens: its button, the window's title, the primary
#: button (Enter's); the History window is a window, not a dialog, with no default.
WINDOWS = {
    "schedule": ("&Schedule…", "Schedule a Teams meeting — meettray", "C&reate"),
    "history": ("&History…", "History — meettray", None),
    "settings": ("S&ettings…", "Settings — meettray", "Save"),
}
#: Qt's own button words, from Qt's catalog (not meettray's).
QT_WORDS = {"Save": {"en": "Save", "de": "Speichern", "ar": "احفظ"}}


def _available() -> str | None:
    if not sys.platform.startswith("linux"):
        return "AT-SPI is Linux's"
    if (
        not Path(SYSTEM_PYTHON).exists()
        or subprocess.run(
            [SYSTEM_PYTHON, "-c", "import dbus"], capture_output=True, check=False
        ).returncode
    ):
        return "python3-dbus is not installed (scripts/bootstrap.sh test installs it)"
    if (
        shutil.which("dbus-daemon") is None
        or not Path("/usr/share/dbus-1/services/org.a11y.Bus.service").exists()
    ):
        return "dbus-daemon or at-spi2-core is not installed"
    return None


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Xvfb and a session bus (which starts AT-SPI's bus when asked), for the module."""
    if (why := _available()) is not None:
        pytest.skip(why)
    with accessible_session(tmp_path_factory.mktemp("atspi-home")) as env:
        yield env


class App:
    """meettray's demo, and its accessibility tree."""

    def __init__(self, env: dict[str, str], language: str) -> None:
        self.env = env
        self.catalog = i18n.load(env)
        self.language = language
        self.process = subprocess.Popen(
            [sys.executable, "-m", "meettray", "--demo"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    def tr(self, text: str) -> str:
        return self.catalog.gettext(text)

    def _walk(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SYSTEM_PYTHON, str(HERE / "atspi_tree.py"), str(self.process.pid), *args],
            env=self.env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    def tree(self) -> dict[str, Any] | None:
        done = self._walk()
        return json.loads(done.stdout) if done.returncode == 0 and done.stdout else None

    def press(self, name: str) -> bool:
        return self._walk("press", name).returncode == 0

    def window(self, title: str) -> dict[str, Any] | None:
        """The shown top-level window called ``title``."""
        tree = self.tree()
        windows: list[dict[str, Any]] = tree["children"] if tree else []
        return next((w for w in windows if w["name"] == title and "showing" in w["states"]), None)


@pytest.fixture(scope="module", params=list(LANGUAGES))
def app(session: dict[str, str], request: pytest.FixtureRequest) -> Iterator[App]:
    env = {**session, "LANG": LANGUAGES[request.param]}
    started = App(env, request.param)
    try:
        assert wait_for(lambda: started.window("meettray") is not None, timeout=30), (
            started.process.poll(),
        )
        yield started
    finally:
        started.process.terminate()
        started.process.communicate(timeout=15)


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("children", []):
        yield from _nodes(child)


def _shown_controls(window: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in _nodes(window) if {"focusable", "showing"} <= set(n["states"])]


def _plain(text: str) -> str:
    """A label as a screen reader says it: without the mnemonic's ampersand."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _check(app: App, window: dict[str, Any], primary: str | None) -> None:
    controls = _shown_controls(window)
    assert controls
    unnamed = [
        (n["role"], [(c["role"], c["name"]) for c in n.get("children", [])][:3], n.get("extents"))
        for n in controls
        if not n["name"].strip()
    ]
    assert unnamed == []
    x, y, width, height = window["extents"]
    assert x >= 0
    assert y >= 0
    assert x + width <= SCREEN[0]
    assert y + height <= SCREEN[1]
    defaults = [n["name"] for n in _nodes(window) if {"default", "showing"} <= set(n["states"])]
    if primary is None:
        assert defaults == []
    else:
        expected = QT_WORDS[primary][app.language] if primary in QT_WORDS else app.tr(primary)
        assert defaults == [_plain(expected)]


def test_the_window_without_a_tray_names_its_controls_and_fits(app: App) -> None:
    window = app.window("meettray")
    assert window is not None
    _check(app, window, None)
    names = [n["name"] for n in _shown_controls(window)]
    # The demo has two accounts ([account], unlabelled, and Fabrikam's): Meet now says whose.
    assert names[0] == _plain(app.tr("&Meet now ({account})").format(account="main"))
    if app.language != "en":
        assert "Meet now" not in names  # it speaks the language
    mirrored = window["extents"][0] + window["extents"][2]
    buttons = [n for n in _shown_controls(window) if n["role"] == "push button"]
    assert all(b["extents"][0] + b["extents"][2] <= mirrored for b in buttons)


@pytest.mark.parametrize("name", list(WINDOWS))
def test_each_window_opens_from_the_window_and_reads_right(app: App, name: str) -> None:
    button, title, primary = WINDOWS[name]
    assert app.press(_plain(app.tr(button)))
    assert wait_for(lambda: app.window(app.tr(title)) is not None, timeout=20)
    window = app.window(app.tr(title))
    assert window is not None
    _check(app, window, primary)
    if app.language != "en":
        english = [n["name"] for n in _shown_controls(window)
                   if n["name"] != _plain(app.tr(n["name"])) or
                   any(n["name"] == _plain(m) and app.tr(m) != m
                       for m in app.catalog.messages)]  # fmt: skip
        assert english == []


def test_schedules_result_page_reads_right(app: App) -> None:
    """Create in Schedule (the demo makes the meeting): the page that follows."""
    title = app.tr(WINDOWS["schedule"][1])
    assert app.press(_plain(app.tr("&Schedule…")))
    assert wait_for(lambda: app.window(title) is not None, timeout=20)
    assert app.press(_plain(app.tr("C&reate")))
    copy = _plain(app.tr("&Copy link"))

    def result() -> dict[str, Any] | None:
        window = app.window(title)
        shown = [n["name"] for n in _shown_controls(window)] if window else []
        return window if copy in shown else None

    assert wait_for(lambda: result() is not None, timeout=30)
    window = result()
    assert window is not None
    _check(app, window, "Close")
    said = " ".join(n["name"] for n in _nodes(window) if n["role"] == "label")
    assert app.tr("The link is on your clipboard.") in said
