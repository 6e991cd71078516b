"""The Linux package: built with PyInstaller, started under Xvfb against the fake service."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from meettray.demo.fake365 import FakeMicrosoft365

from .conftest import wait_for
from .xserver import find_tray_icon, xclip_read

pytestmark = [pytest.mark.package, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        ["bash", str(ROOT / "packaging" / "build.sh"), str(dist)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    print(f"package size: {done.stdout.strip().splitlines()[-1]}")
    return dist / "meettray"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux desktop files only")
def test_desktop_integration_files_are_valid(package: Path) -> None:
    share = package / "share"
    assert shutil.which("desktop-file-validate")
    for desktop in (share / "applications" / "meettray.desktop",
                    share / "applications" / "meettray-links.desktop"):  # fmt: skip
        checked = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True,
                                 text=True, check=False)  # fmt: skip
        assert checked.returncode == 0, checked.stdout
    metainfo = share / "metainfo" / "io.github.meettray.metainfo.xml"
    checked = subprocess.run(["appstreamcli", "validate", "--no-net", str(metainfo)],
                             capture_output=True, text=True, check=False)  # fmt: skip
    assert checked.returncode == 0, checked.stdout
    for size in (16, 48, 256):
        assert (share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "meettray.png").is_file()


@pytest.mark.x11
def test_package_reaches_tray_ready_and_exits_cleanly(
    package: Path, desktop: str, config_file: Path, fake: FakeMicrosoft365, user_dirs: Path
) -> None:
    binary = str(package / "meettray")
    env = {**os.environ, "DISPLAY": desktop, "QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": ""}
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("meettray ")
    login = subprocess.run([binary, "login", "--device-code"], env=env, capture_output=True,
                           text=True, timeout=60, check=False)  # fmt: skip
    assert login.returncode == 0, login.stderr

    app = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        log = user_dirs / "state" / "meettray" / "log" / "meettray.log"
        assert wait_for(lambda: log.exists() and "tray ready" in log.read_text(), timeout=30)
        find_tray_icon(desktop)
        now = subprocess.run([binary, "now"], env=env, capture_output=True, text=True,
                             timeout=60, check=False)  # fmt: skip
        assert now.returncode == 0, now.stderr
        assert "by the running meettray" in now.stderr
        assert wait_for(lambda: xclip_read(desktop) == now.stdout.strip())
        assert len(fake.meetings) == 1
    finally:
        app.send_signal(signal.SIGTERM)
        assert app.wait(15) == 0  # a clean exit on SIGTERM
