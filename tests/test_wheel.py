"""What 'pip install' and 'pipx install' give people: the wheel, installed outside the checkout.

The rest of the suite runs against the editable checkout, which can hide a
module or data file that the wheel leaves out.  Here the wheel is built,
installed with its dependencies into a new virtualenv in a temporary folder,
and used from there only: no test below imports meettray from the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from meettray.demo.fake365 import FakeMicrosoft365

from .conftest import wait_for
from .xserver import find_tray_icon, xclip_read, xdotool

pytestmark = [pytest.mark.wheel, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "meettray"


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    site_packages: Path
    #: A folder outside the checkout to run commands from.
    outside: Path

    def bin(self, name: str) -> str:
        folder = "Scripts" if sys.platform == "win32" else "bin"
        return str(self.venv / folder / name)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    # From a copy without build/: setuptools would reuse a stale build/lib, and with it
    # modules that the packaging configuration no longer includes.
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
    ))  # fmt: skip
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(base), str(source)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = base.glob("meettray-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, cwd=base,
    ).stdout.strip()  # fmt: skip
    print(f"wheel: {wheel.name}, {wheel.stat().st_size / 1024:.0f} KiB")
    return Installed(wheel, venv, Path(site), base)


def _source_files() -> set[str]:
    """Every file of the package in the checkout, relative to the checkout."""
    return {
        str(path.relative_to(ROOT))
        for path in SOURCE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def _module_names() -> list[str]:
    names = []
    for path in sorted(SOURCE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] != "__main__":  # runs the CLI when imported
            names.append(".".join(parts))
    return names


def _clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without anything that would find the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return {**env, **extra}


def test_the_wheel_holds_every_file_of_the_package(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    missing = sorted(_source_files() - names)
    assert not missing, f"in the checkout but not in the wheel: {missing}"
    assert "meettray/resources/icons/meettray-22.png" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(installed.wheel).read(entry_points).decode()
    assert "meettray = meettray.entry:main" in text  # the first stage, then cli
    assert "[gui_scripts]\nmeettray-tray = meettray.cli:main" in text


def test_every_module_imports_from_the_install(installed: Installed) -> None:
    modules = _module_names()
    assert "meettray.hotkeys.x11" in modules  # the subpackage a hand-written list once left out
    script = (
        "import importlib, json, sys\n"
        "found = {m: importlib.import_module(m).__file__ for m in sys.argv[1:]}\n"
        "print(json.dumps(found))\n"
    )
    done = subprocess.run(
        [installed.bin("python"), "-c", script, *modules],
        capture_output=True, text=True, timeout=120, check=False, cwd=installed.outside,
        env=_clean_env(QT_QPA_PLATFORM="offscreen"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout)
    assert sorted(found) == modules
    for module, file in found.items():
        assert Path(file).is_relative_to(installed.site_packages), (module, file)


def test_the_installed_demo_makes_a_meeting(installed: Installed) -> None:
    done = subprocess.run(
        [installed.bin("meettray"), "--demo", "now", "--json", "--no-copy"],
        capture_output=True, text=True, timeout=120, check=False, cwd=installed.outside,
        env=_clean_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    meeting = json.loads(done.stdout)
    assert meeting["join_url"].startswith("https://")
    assert done.stderr == ""  # no warnings, no tracebacks


@pytest.mark.x11
def test_the_installed_tray_app_answers_its_hotkey_and_a_click(
    installed: Installed,
    desktop: str,
    config_file: Path,
    fake: FakeMicrosoft365,
    user_dirs: Path,
) -> None:
    env = _clean_env(DISPLAY=desktop, QT_QPA_PLATFORM="xcb", WAYLAND_DISPLAY="")
    meettray = installed.bin("meettray")
    login = subprocess.run([meettray, "login", "--device-code"], env=env, capture_output=True,
                           text=True, timeout=60, check=False, cwd=installed.outside)  # fmt: skip
    assert login.returncode == 0, login.stderr
    app = subprocess.Popen([meettray], env=env, cwd=installed.outside, text=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    log = user_dirs / "state" / "meettray" / "log" / "meettray.log"
    try:
        x, y = find_tray_icon(desktop)
        assert wait_for(lambda: log.exists() and "hotkey Ctrl+Alt+M grabbed" in log.read_text())
        assert wait_for(lambda: "ready (account:" in log.read_text())

        # The click first: the notification balloon it raises may cover the icon after.
        xdotool(desktop, "mousemove", str(x), str(y), "click", "1")
        assert wait_for(lambda: len(fake.meetings) == 1)
        (first,) = fake.meetings.values()
        assert wait_for(lambda: xclip_read(desktop) == first["joinWebUrl"])

        time.sleep(1)  # past the debounce that makes a double click one meeting
        xdotool(desktop, "key", "ctrl+alt+m")
        assert wait_for(lambda: len(fake.meetings) == 2)
        (second,) = (m for m in fake.meetings.values() if m["id"] != first["id"])
        assert wait_for(lambda: xclip_read(desktop) == second["joinWebUrl"])
    finally:
        app.terminate()
        _, errors = app.communicate(timeout=15)
    assert app.returncode == 0, errors
    assert "unexpected" not in log.read_text()
