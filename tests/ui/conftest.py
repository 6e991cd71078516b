"""Fixtures for the tray app: a controller on the real service, against the fake."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from meettray.config import Config
from meettray.demo.browser import FakeBrowser
from meettray.formatting import ClipboardPayload
from meettray.platform.clipboard import CopyOutcome
from meettray.service import build_service
from meettray.ui.app_model.controller import AppController
from meettray.ui.app_model.tasks import TaskRunner


class RecordingClipboard:
    """The controller's clipboard port, recording what it was given."""

    def __init__(self) -> None:
        self.copies: list[tuple[str, str | None]] = []
        #: Set to a reason to play a clipboard that refuses the write (Wayland without a serial).
        self.refuse = ""
        #: Called at each copy (to see what else had happened by then).
        self.on_copy: Callable[[], None] = lambda: None

    def copy(self, payload: ClipboardPayload, done: Callable[[CopyOutcome], None]) -> None:
        if self.refuse:
            done(CopyOutcome(False, self.refuse))
            return
        self.copies.append((payload.text, payload.html))
        self.on_copy()
        done(CopyOutcome(True, "Copied to the clipboard."))

    @property
    def text(self) -> str:
        return self.copies[-1][0] if self.copies else ""


class Clock:
    """A monotonic clock the test moves by hand (for the debounce)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clipboard() -> RecordingClipboard:
    return RecordingClipboard()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def opened() -> list[str]:
    return []


@pytest.fixture
def make_controller(
    config: Config,
    browser: FakeBrowser,
    clipboard: RecordingClipboard,
    clock: Clock,
    opened: list[str],
    qtbot: QtBot,
) -> Iterator[functools.partial[AppController]]:
    made: list[AppController] = []

    def factory(**overrides: object) -> AppController:
        def open_url(url: str) -> bool:
            opened.append(url)
            return True

        options: dict[str, object] = {
            "runner": TaskRunner(),
            "clipboard": clipboard,
            "open_url": open_url,
            # Sign-in pages go to the fake's browser; meetings are "opened" into a list.
            "service_factory": functools.partial(_build_with_browser, browser=browser),
            "monotonic": clock,
        }
        settings = overrides.pop("config", config)
        options.update(overrides)
        controller = AppController(settings, **options)  # type: ignore[arg-type]
        made.append(controller)
        return controller

    yield functools.partial(factory)
    for controller in made:
        controller.shutdown()
    # Free the controllers here, on the GUI thread: left to the cycle collector, they
    # would be freed on whichever thread it runs next (a fake server's), and a QObject
    # with timers must not be destroyed off its own thread.
    made.clear()
    gc.collect()


def _build_with_browser(config: Config, *, browser: FakeBrowser, **kwargs: object) -> object:
    kwargs.pop("open_browser", None)
    return build_service(config, open_browser=browser, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def controller(make_controller: functools.partial[AppController], qtbot: QtBot) -> AppController:
    """A started controller whose person is signed in."""
    made = make_controller()
    with qtbot.waitSignal(made.state_changed, timeout=10_000):
        made.start()
    with qtbot.waitSignal(made.signed_in, timeout=20_000):
        made.sign_in()
    return made
