"""Shared fixtures: a running fake Microsoft 365, isolated user directories, configs."""

from __future__ import annotations

import gc
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from meettray.auth import DelegatedAuth, memory_token_cache
from meettray.config import AccountConfig, Config, MeetingConfig
from meettray.demo.browser import FakeBrowser
from meettray.demo.fake365 import FakeApp, FakeMicrosoft365
from meettray.graph import GraphClient

# Qt widgets in unit tests draw off screen; tests of what a person sees start Xvfb.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CLIENT_ID = "11111111-2222-3333-4444-555555555555"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Off Linux there is no Xvfb: tests of what a person sees on X11 skip, and say why."""
    system = sys.platform  # a variable: mypy would judge the rest unreachable on Linux
    if system.startswith("linux"):
        return
    no_x = pytest.mark.skip(reason="needs a real X server (Xvfb), which only Linux CI has")
    posix = pytest.mark.skip(reason="POSIX only (file modes, Unix sockets, signals)")
    for item in items:
        if item.get_closest_marker("x11"):
            item.add_marker(no_x)
        elif system == "win32" and item.get_closest_marker("posix"):
            item.add_marker(posix)


#: Warnings every test may log: the test machines have no keyring, by design.
ENVIRONMENT_WARNINGS = (r"token cache is not encrypted",)


#: Test folders whose tests make Qt objects.
QT_TESTS = ("ui", "platform", "hotkeys", "desktops")


@pytest.fixture(autouse=True)
def _cycles_freed_on_the_main_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """Python's cycle collector runs on whichever thread allocates when one is due: a Qt
    object a test left in a reference cycle would then be destroyed on a fake server's
    thread, and the process crash later (seen once as a SIGSEGV in a later test's event
    processing).  The tray app collects from its event loop (``ui/shell/process.py``); the Qt
    tests collect here, on the main thread, after each test (the others need not)."""
    if request.path.parent.name not in QT_TESTS:
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.enable()


@pytest.fixture(autouse=True)
def _fail_on_unexpected_warnings(request: pytest.FixtureRequest) -> Iterator[None]:
    """A WARNING (or worse) that meettray logs fails the test unless the test says it
    expects it: ``@pytest.mark.logs("regex", ...)`` (qutebrowser does the same)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(keep)
    try:
        yield
    finally:
        root.removeHandler(keep)
    marker = request.node.get_closest_marker("logs")
    allowed = [*ENVIRONMENT_WARNINGS, *(marker.args if marker else ())]
    unexpected = [
        f"{r.levelname} {r.name}: {r.getMessage()}"
        for r in records
        if r.name.startswith(("meettray", "qt"))
        and not any(re.search(pattern, r.getMessage()) for pattern in allowed)
    ]
    if unexpected:
        pytest.fail("unexpected warnings logged:\n" + "\n".join(unexpected), pytrace=False)


@pytest.fixture(autouse=True)
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own XDG directories and no inherited meettray settings."""
    home = tmp_path / "home"
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        folder = home / name.lower()
        folder.mkdir(parents=True)
        monkeypatch.setenv(f"XDG_{name}_HOME", str(folder))
    # platformdirs reads none of XDG_* on Windows: its folders come from the shell
    # (SHGetKnownFolderPath), which the WIN_PD_OVERRIDE_* variables override; the
    # classic variables are set too, for whatever reads them (tests/test_portability.py).
    for variable, name in (("APPDATA", "roaming"), ("LOCALAPPDATA", "local")):
        folder = home / name
        folder.mkdir()
        monkeypatch.setenv(variable, str(folder))
        monkeypatch.setenv(f"WIN_PD_OVERRIDE_{variable}", str(folder))
    if sys.platform == "darwin":  # ~/Library/Logs (the log folder) follows no XDG_* there
        monkeypatch.setenv("HOME", str(home))
    # Socket paths are limited to ~100 bytes: keep the runtime folder short.
    runtime = Path(tempfile.mkdtemp(prefix="mt-"))
    runtime.chmod(0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    for name in (
        "MEETTRAY_CONFIG",
        "MEETTRAY_CLIENT_SECRET",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "SSL_CERT_FILE",
        "BROWSER",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def desktop() -> Iterator[str]:
    """A real X server (Xvfb) with a system tray (trayer); yields its DISPLAY."""
    from .xserver import tray_host, xvfb

    with xvfb() as display, tray_host(display):
        yield display


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMicrosoft365]:
    """The fake service, trusted through REQUESTS_CA_BUNDLE like any private CA."""
    with FakeMicrosoft365() as service:
        service.add_app(CLIENT_ID)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(service.ca_path))
        yield service


@pytest.fixture
def app(fake: FakeMicrosoft365) -> FakeApp:
    return fake.apps[CLIENT_ID]


@pytest.fixture
def account(fake: FakeMicrosoft365) -> AccountConfig:
    return AccountConfig(
        client_id=CLIENT_ID, authority=fake.authority, graph_endpoint=fake.graph_endpoint
    )


#: Tests count the meetings they make: no meeting made ahead of need unless a test asks
#: for one (tests/test_spare.py).  The app's default is on.
NO_SPARE = MeetingConfig(prepare_next_link=False)


@pytest.fixture
def config(account: AccountConfig) -> Config:
    return Config(account=account, meeting=NO_SPARE)


@pytest.fixture
def browser(fake: FakeMicrosoft365) -> FakeBrowser:
    return FakeBrowser(fake.ca_path)


@pytest.fixture
def config_file(tmp_path: Path, fake: FakeMicrosoft365, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A settings file pointing at the fake, named by MEETTRAY_CONFIG."""
    path = tmp_path / "config.toml"
    path.write_text(
        "[account]\n"
        f'client_id = "{CLIENT_ID}"\n'
        f'authority = "{fake.authority}"\n'
        f'graph_endpoint = "{fake.graph_endpoint}"\n'
        "[meeting]\n"
        'subject = "Incident bridge"\n'
        "duration_minutes = 30\n"
        "prepare_next_link = false\n"
    )
    monkeypatch.setenv("MEETTRAY_CONFIG", str(path))
    return path


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the real ``meettray`` command in a new process."""
    return subprocess.run(
        [sys.executable, "-m", "meettray", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


BROWSER_COMMAND = f"{sys.executable} -m meettray.demo.browser %s"


@pytest.fixture
def signed_in(account: AccountConfig, browser: FakeBrowser) -> DelegatedAuth:
    """A delegated sign-in (tokens in memory) that has completed the browser flow."""
    cache, _ = memory_token_cache()
    signer = DelegatedAuth(account, cache, open_browser=browser)
    signer.sign_in_browser(timeout=20)
    return signer


class SleepRecorder:
    """Stands in for time.sleep so retry tests take no time and show each wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def graph(fake: FakeMicrosoft365, signed_in: DelegatedAuth, sleeps: SleepRecorder) -> GraphClient:
    return GraphClient(fake.graph_endpoint, signed_in, sleep=sleeps, timeout=(2.0, 3.0))


def wait_for(condition: Callable[[], object], timeout: float = 15) -> bool:
    """Poll ``condition`` until it is true (for what other processes do)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
