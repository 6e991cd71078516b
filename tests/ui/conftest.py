"""Fixtures for the tray app: a model on the real service, against the fake."""

from __future__ import annotations

import dataclasses
import functools
import gc
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import TypeVar

import pytest
from pytestqt.qtbot import QtBot

from meettray.accounts import CALENDAR_SCOPES, MEETINGS
from meettray.config import CalendarConfig, Config
from meettray.demo.browser import FakeBrowser
from meettray.formatting import ClipboardPayload
from meettray.platform.clipboard import CopyOutcome
from meettray.service import MeetingService, build_service
from meettray.ui.app_model.intents import MeetNow, RefreshUpcoming, SaveSettings, SignIn
from meettray.ui.app_model.jobs import Delivered, MeetingJob, SignInJob
from meettray.ui.app_model.model import AppModel
from meettray.ui.app_model.tasks import TaskRunner

T = TypeVar("T")


class RecordingClipboard:
    """The model's clipboard port, recording what it was given."""

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


@pytest.fixture(autouse=True)
def _windows_closed_after_each_test(qapp: object) -> Iterator[None]:
    """A window a test left on screen (a no-tray window, History opened by a link, a
    banner) took the keyboard from the next test's window: each test starts with none."""
    yield
    from PySide6.QtWidgets import QApplication

    for window in QApplication.topLevelWidgets():
        if window.isVisible():
            window.close()


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
def make_model(
    config: Config,
    browser: FakeBrowser,
    clipboard: RecordingClipboard,
    clock: Clock,
    opened: list[str],
    qtbot: QtBot,
) -> Iterator[functools.partial[AppModel]]:
    made: list[AppModel] = []

    def factory(**overrides: object) -> AppModel:
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
        model = AppModel(settings, **options)  # type: ignore[arg-type]
        made.append(model)
        return model

    yield functools.partial(factory)
    for model in made:
        model.shutdown()
    # Free the controllers here, on the GUI thread: left to the cycle collector, they
    # would be freed on whichever thread it runs next (a fake server's), and a QObject
    # with timers must not be destroyed off its own thread.
    made.clear()
    gc.collect()


def _build_with_browser(config: Config, *, browser: FakeBrowser, **kwargs: object) -> object:
    kwargs.pop("open_browser", None)
    return build_service(config, open_browser=browser, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def model(make_model: functools.partial[AppModel], qtbot: QtBot) -> AppModel:
    """A started model whose person is signed in."""
    made = make_model()
    with qtbot.waitSignal(made.state_changed, timeout=10_000):
        made.start()
    sign_in(made, qtbot)
    return made


def sign_in(model: AppModel, qtbot: QtBot, intent: SignIn | None = None) -> SignInJob:
    """Sign in through the model's one door, and wait until it is done."""
    job = model.dispatch(intent or SignIn())
    assert isinstance(job, SignInJob)
    qtbot.waitUntil(lambda: job.is_settled, timeout=20_000)
    assert job.account is not None, job.error
    return job


def meet_now(model: AppModel, qtbot: QtBot, intent: MeetNow | None = None) -> Delivered:
    """Meet now through the model's one door; the meeting it delivered."""
    job = model.dispatch(intent or MeetNow())
    assert isinstance(job, MeetingJob)
    qtbot.waitUntil(lambda: job.is_settled, timeout=15_000)
    assert isinstance(job.outcome, Delivered), job.outcome
    return job.outcome


def apply_settings(model: AppModel, qtbot: QtBot, config: Config) -> None:
    """Save settings through the model's one door, and wait until they are in force."""
    job = model.dispatch(SaveSettings(config))
    assert job is not None
    qtbot.waitUntil(lambda: job.is_settled, timeout=10_000)
    assert job.error is None, job.error


def on_service(model: AppModel, qtbot: QtBot, work: Callable[[MeetingService], T]) -> T:
    """Run ``work`` with the service, on the service's own thread, and wait for it."""
    box: list[tuple[object, Exception | None]] = []
    model.owner.run(work, lambda r: box.append((r, None)), lambda e: box.append((None, e)))
    qtbot.waitUntil(lambda: bool(box), timeout=20_000)
    result, error = box[0]
    if error is not None:
        raise error
    return result  # type: ignore[return-value]


# -- upcoming meetings (tests/ui/test_upcoming_feed.py, test_upcoming_menu.py) -------------------


def now() -> datetime:
    return datetime.now(timezone.utc).replace(second=0, microsecond=0)


def calendar_on(config: Config, **changes: object) -> Config:
    calendar = CalendarConfig(upcoming=True, **changes)  # type: ignore[arg-type]
    return dataclasses.replace(config, calendar=calendar)


@pytest.fixture
def reading(make_model: functools.partial[AppModel], config: Config, qtbot: QtBot) -> AppModel:
    made = make_model(config=calendar_on(config))
    with qtbot.waitSignal(made.state_changed, timeout=10_000):
        made.start()
    sign_in(made, qtbot, SignIn(scopes=(MEETINGS, *CALENDAR_SCOPES)))
    return made


def refreshed(model: AppModel, qtbot: QtBot) -> None:
    before = model.state.upcoming
    model.dispatch(RefreshUpcoming())
    qtbot.waitUntil(lambda: model.state.upcoming is not before, timeout=15_000)


# -- several accounts (tests/ui/test_accounts*.py) -------------------------------------------


@pytest.fixture
def two_accounts(
    make_model: functools.partial[AppModel], config: Config, fake: object, qtbot: QtBot
) -> AppModel:
    """A started model with two profiles (Contoso's "main", the default, and Fabrikam's),
    both signed in."""
    from .accounts import two_profiles

    made = make_model(config=two_profiles(config, fake))  # type: ignore[arg-type]
    made.start()
    qtbot.waitUntil(lambda: made.accounts.people.keys() == {"main", "fabrikam"}, timeout=15_000)
    sign_in(made, qtbot)
    sign_in(made, qtbot, SignIn(account="fabrikam"))
    return made
