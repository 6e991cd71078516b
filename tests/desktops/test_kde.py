"""meettray on KDE Plasma's compositor: headless kwin_wayland 5.27 with the real
xdg-desktop-portal and xdg-desktop-portal-kde, whose GlobalShortcuts goes to KWin's
kglobalaccel.

One KWin serves the module; each test starts its own tray.  No plasmashell
runs: there is no panel (so no tray: meettray shows its window) and no
notification server.  A key press is not sent: KWin's virtual backend has no
input device we can drive.  kglobalaccel's ``invokeShortcut`` fires the
shortcut as a key press would, from there on (portal → ``Activated`` → meettray).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from meettray.demo.fake365 import FakeMicrosoft365

from ..conftest import run_cli, wait_for
from .conftest import Tray, session_env
from .sessions import Session, plasma

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="KWin runs on Linux"),
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def kwin() -> Iterator[Session]:
    with plasma() as session:
        yield session


def _wl_paste(session: Session) -> str:
    done = subprocess.run(["wl-paste", "--no-newline"], env=session_env(session),
                          capture_output=True, text=True, timeout=10, check=False)  # fmt: skip
    return done.stdout


def _portal_calls(session: Session, method: str) -> int:
    """How often xdg-desktop-portal-kde was asked ``method`` (it logs each call)."""
    log = session.runtime / "portal-kde.log"
    return log.read_text(errors="replace").count(f"{method} called")


def test_the_hotkey_binds_without_system_settings_fires_and_doctor_says_so(
    kwin: Session, tray: Callable[[Session], Tray], fake: FakeMicrosoft365
) -> None:
    running = tray(kwin)
    assert wait_for(lambda: "bound by the desktop" in running.text(), timeout=20), running.text()[
        -2000:
    ]

    doctor = run_cli("doctor", env=session_env(kwin))
    line = next(line for line in doctor.stdout.splitlines() if "Hotkey (meet_now" in line)
    assert line.startswith("✓"), doctor.stdout
    assert "Bound by the desktop, which shows it as Ctrl+Alt+M." in line

    # As a press of Ctrl+Alt+M would: kglobalaccel fires the shortcut the portal registered.
    fired = kwin.call(
        "org.kde.kglobalaccel",
        "/component/meettray",
        "org.kde.kglobalaccel.Component.invokeShortcut",
        "string:meet_now",
    )
    assert fired.returncode == 0, fired.stderr
    assert wait_for(lambda: len(fake.meetings) == 1, timeout=20), running.text()[-2000:]
    (meeting,) = fake.meetings.values()
    assert wait_for(lambda: _wl_paste(kwin) == meeting["joinWebUrl"], timeout=10)
    assert _portal_calls(kwin, "BindShortcuts") == 0  # System Settings never opened

    # The next start finds the assignment under the same session token.
    running.stop()
    sessions = _portal_calls(kwin, "CreateSession")
    bound = running.text().count("bound by the desktop")
    again = tray(kwin)
    assert wait_for(lambda: again.text().count("bound by the desktop") > bound, timeout=20)
    assert _portal_calls(kwin, "CreateSession") == sessions + 1
    assert _portal_calls(kwin, "BindShortcuts") == 0


def test_now_lands_on_the_clipboard_through_data_control(
    kwin: Session, tray: Callable[[Session], Tray], fake: FakeMicrosoft365
) -> None:
    tray(kwin)

    now = run_cli("now", env=session_env(kwin))

    assert now.returncode == 0, now.stderr
    assert "Copied to the clipboard by the running meettray." in now.stderr
    (meeting,) = fake.meetings.values()
    assert _wl_paste(kwin) == meeting["joinWebUrl"]
