"""The tray app on a real Wayland compositor: headless sway, the tray on Qt's native Wayland.

A tray answering the command line (or a hotkey, or a D-Bus activation) has no
input serial, so the compositor drops Qt's own clipboard write; these tests
read the Wayland clipboard back with wl-paste to see what really happened.
sway refuses to run as root: under root it runs as an unprivileged user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from meettray.demo.fake365 import FakeMicrosoft365

from ..conftest import run_cli, wait_for

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="Wayland compositors are Linux"
)
#: The unprivileged user sway runs as when the tests run as root (scripts/bootstrap.sh).
SWAY_USER = "meettray-sway"


@pytest.fixture(scope="module")
def sway() -> Iterator[str]:
    """A headless sway, one per module; yields WAYLAND_DISPLAY as an absolute socket path."""
    for program in ("sway", "wl-paste", "wl-copy"):
        if shutil.which(program) is None:
            raise RuntimeError(f"{program} is not installed: run the README's test command")
    runtime = Path(tempfile.mkdtemp(prefix="sway-"))
    runtime.chmod(0o700)
    as_user: list[str] = []
    if os.getuid() == 0:
        shutil.chown(runtime, SWAY_USER)
        as_user = ["runuser", "-u", SWAY_USER, "--"]
    config = runtime / "config"
    config.write_text("xwayland disable\n")
    env = {
        "PATH": os.environ["PATH"], "XDG_RUNTIME_DIR": str(runtime), "HOME": str(runtime),
        "WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1", "WLR_RENDERER": "pixman",
    }  # fmt: skip
    compositor = subprocess.Popen([*as_user, "env", *(f"{k}={v}" for k, v in env.items()),
                                   "sway", "-c", str(config)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not (sockets := [p for p in runtime.glob("wayland-*") if p.suffix != ".lock"]):
            if compositor.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("sway did not start")
            time.sleep(0.05)
        yield str(sockets[0])
    finally:
        compositor.terminate()
        compositor.wait(10)
        shutil.rmtree(runtime, ignore_errors=True)


def wl_paste(display: str) -> str:
    done = subprocess.run(["wl-paste", "--no-newline"], capture_output=True, text=True, timeout=10,
                          env={**os.environ, "WAYLAND_DISPLAY": display}, check=False)  # fmt: skip
    return done.stdout


def wayland_env(display: str, **extra: str) -> dict[str, str]:
    return {"WAYLAND_DISPLAY": display, "DISPLAY": "", "QT_QPA_PLATFORM": "wayland", **extra}


@pytest.fixture
def start_tray(
    sway: str, config_file: Path, fake: FakeMicrosoft365, user_dirs: Path
) -> Iterator[object]:
    assert (
        run_cli("login", "--device-code", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""}).returncode
        == 0
    )
    started: list[subprocess.Popen[bytes]] = []
    log = user_dirs / "state" / "meettray" / "log" / "meettray.log"

    def start(**extra: str) -> None:
        env = {**os.environ, **wayland_env(sway, **extra)}
        tray = subprocess.Popen([sys.executable, "-m", "meettray"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        started.append(tray)
        # The socket listens before start-up work begins; "ready" comes after it.
        assert wait_for(lambda: log.exists() and "ready (account:" in log.read_text(), timeout=30)

    yield start
    for tray in started:
        tray.terminate()
        tray.wait(15)


def test_the_command_line_hand_off_reaches_the_wayland_clipboard(
    sway: str, start_tray: object, fake: FakeMicrosoft365
) -> None:
    start_tray()  # type: ignore[operator]

    now = run_cli("now", env=wayland_env(sway))

    assert now.returncode == 0, now.stderr
    assert "Copied to the clipboard by the running meettray." in now.stderr
    (meeting,) = fake.meetings.values()
    assert now.stdout.strip() == meeting["joinWebUrl"]
    assert wl_paste(sway) == meeting["joinWebUrl"]  # read back from the compositor


def test_without_wl_copy_the_tray_says_it_could_not_copy(
    sway: str, start_tray: object, fake: FakeMicrosoft365, tmp_path: Path
) -> None:
    bare = tmp_path / "bin"  # python and nothing of wl-clipboard
    bare.mkdir()
    (bare / "python3").symlink_to(sys.executable)
    start_tray(PATH=str(bare))  # type: ignore[operator]

    now = run_cli("now", env=wayland_env(sway))

    assert now.returncode == 0, now.stderr  # the meeting exists; its link is printed
    assert now.stdout.strip().startswith("https://")
    assert "made the meeting, but: Not copied: on Wayland meettray needs wl-copy" in now.stderr
    assert "Copied to the clipboard" not in now.stderr
    assert wl_paste(sway) != now.stdout.strip()


def test_sway_offers_data_control_so_wl_copy_needs_no_focus(sway: str) -> None:
    from meettray.platform.wayland import DATA_CONTROL, has_data_control, offered_globals

    assert has_data_control({"WAYLAND_DISPLAY": sway}) is True
    assert "wl_seat" in offered_globals(sway)
    assert set(DATA_CONTROL) & offered_globals(sway)


class FakeStatusNotifierWatcher:
    """Plays the shell's StatusNotifierWatcher (Plasma, AppIndicator, waybar) on a private bus."""

    def __init__(self, address: str) -> None:
        from ..dbus_service import FakeDBusService

        items: list[str] = []

        class Watcher(FakeDBusService):
            def handle(self, member: str, interface: str, message: Any) -> None:
                from jeepney import new_method_return

                if interface == "org.freedesktop.DBus.Properties":
                    values = {"IsStatusNotifierHostRegistered": ("b", True),
                              "ProtocolVersion": ("i", 0),
                              "RegisteredStatusNotifierItems": ("as", list(items))}  # fmt: skip
                    if member == "Get":
                        value = values.get(message.body[1], ("b", False))
                        self.send(new_method_return(message, "v", (value,)))
                    else:
                        self.send(new_method_return(message, "a{sv}", (values,)))
                    return
                if member == "RegisterStatusNotifierItem":
                    items.append(str(message.body[0]))
                self.send(new_method_return(message))

        self.items = items
        self.address = address
        self.service = Watcher(address, "org.kde.StatusNotifierWatcher")

    def call_item(
        self, member: str, signature: str = "", body: tuple[Any, ...] = (), *,
        path: str = "/StatusNotifierItem", interface: str = "org.kde.StatusNotifierItem",
    ) -> Any:  # fmt: skip
        """Call the tray item (as the panel does when the icon is clicked), or with
        ``path`` and ``interface``, its menu (``/MenuBar``, ``com.canonical.dbusmenu``).

        From a connection of its own, as the panel is a peer of its own: the
        watcher's connection is read by its serving thread, and a second reader
        on one jeepney connection can take the reply meant for this call (the
        cause of a 120 s hang seen once in a full run).
        """
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        item = DBusAddress(path, bus_name=self.items[0], interface=interface)
        panel = open_dbus_connection(bus=self.address)
        try:
            return panel.send_and_get_reply(new_method_call(item, member, signature, body),
                                            timeout=10)  # fmt: skip
        finally:
            panel.close()


@contextmanager
def watched_tray(start_tray: Any) -> Iterator[FakeStatusNotifierWatcher]:
    """The tray started on a private bus whose StatusNotifierWatcher is ours; yields it
    once Qt has registered its item."""
    pytest.importorskip("jeepney", reason="jeepney is the Linux D-Bus client")
    from ..dbus_service import private_bus

    with private_bus() as address:
        watcher = FakeStatusNotifierWatcher(address)
        try:
            start_tray(DBUS_SESSION_BUS_ADDRESS=address)
            assert wait_for(lambda: bool(watcher.items), timeout=20)  # Qt registered its item
            yield watcher
        finally:
            watcher.service.connection.close()


def test_a_click_on_the_status_notifier_item_reaches_the_wayland_clipboard(
    sway: str, start_tray: object, fake: FakeMicrosoft365
) -> None:
    """The panel's D-Bus Activate, like a hotkey, carries no input serial either."""
    with watched_tray(start_tray) as watcher:
        watcher.call_item("Activate", "ii", (0, 0))

        assert wait_for(lambda: len(fake.meetings) == 1, timeout=20)
        (meeting,) = fake.meetings.values()
        assert wait_for(lambda: wl_paste(sway) == meeting["joinWebUrl"], timeout=10)
