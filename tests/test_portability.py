"""What Windows and macOS see: no Linux-only import, and user folders kept per test.

CI runs the suite on all three OSes; these tests let Linux find, before a Windows or
macOS runner does, the module that imports python-xlib at its top (the wheel's
import-everything test then fails there) or the test module that cannot even be
collected without a Linux-only package.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.markers import Marker

from meettray import paths

ROOT = Path(__file__).resolve().parent.parent

#: Import names of the distributions pyproject.toml installs on Linux only.
IMPORT_NAMES = {"python-xlib": "Xlib", "jeepney": "jeepney", "secretstorage": "secretstorage"}
#: Standard modules Windows lacks.
NOT_ON_WINDOWS = ("fcntl", "termios", "pwd", "grp", "resource")


def linux_only_packages() -> list[str]:
    """The import names of pyproject's ``sys_platform == 'linux'`` dependencies."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    text = text.split("\ndependencies = [", 1)[1].split("\n]", 1)[0]  # the runtime ones
    found = re.findall(r'"([A-Za-z0-9_.-]+)[^"]*;\s*sys_platform\s*==\s*.linux.', text)
    return sorted({IMPORT_NAMES[name.lower()] for name in found})


def blocked(code: str) -> str:
    """``code`` run after every Linux-only import has been made to fail, as off Linux."""
    names = [*linux_only_packages(), *NOT_ON_WINDOWS]
    return f"import sys\nfor name in {names!r}: sys.modules[name] = None\n{code}"


def module_names() -> list[str]:
    names = []
    for path in sorted((ROOT / "meettray").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] != "__main__":  # runs the CLI when imported
            names.append(".".join(parts))
    return names


def run(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-c", blocked(code)], capture_output=True,
                          text=True, timeout=120, check=False, env=env, cwd=ROOT)  # fmt: skip


def test_the_linux_only_dependencies_are_known() -> None:
    assert linux_only_packages() == ["Xlib", "jeepney", "secretstorage"]


def test_every_module_imports_without_linux_only_packages() -> None:
    modules = module_names()
    assert "meettray.hotkeys.x11" in modules
    done = run(f"import importlib\nfor m in {modules!r}: importlib.import_module(m)\n")
    assert done.returncode == 0, done.stderr[-3000:]


def test_every_test_module_is_collected_without_linux_only_packages() -> None:
    """A test that needs X11 or D-Bus skips off Linux; it must not break collection."""
    done = run(
        "import pytest\n"
        "sys.exit(pytest.main(['--collect-only', '-q', '-p', 'no:cacheprovider', "
        "'-m', '', 'tests']))\n"
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "error" not in done.stdout.splitlines()[-1], done.stdout[-3000:]


def test_each_test_has_its_own_user_folders(user_dirs: Path) -> None:
    """platformdirs ignores XDG_* on Windows (and, before 4.x, on macOS): every folder
    meettray writes to is under this test's own home, whatever the OS."""
    for folder in (paths.config_file().parent, paths.data_dir(), paths.log_dir()):
        assert folder.is_relative_to(user_dirs), folder


def test_ci_uploads_the_packages_as_tarballs() -> None:
    """upload-artifact drops execute bits and symlinks: the builds are tarred first."""
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    upload = workflow.split("actions/upload-artifact", 1)[1]
    path = re.search(r"\n\s+path:\s*(.+)", upload)
    assert path is not None, upload
    assert path.group(1).endswith(".tar.gz"), upload
    assert f'tar -czf "{path.group(1)}"' in workflow


def broker_marker() -> Marker:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (line,) = re.findall(r'"msal\[broker\][^;"]*;([^"]+)"', text)
    return Marker(line)


@pytest.mark.parametrize(
    ("system", "implementation", "version", "machine", "installed"),
    [
        ("win32", "CPython", "3.13", "AMD64", True),
        ("win32", "CPython", "3.10", "x86", True),
        ("win32", "CPython", "3.14", "ARM64", True),
        ("win32", "CPython", "3.15", "AMD64", False),  # no wheel yet: optional there
        ("win32", "PyPy", "3.11", "AMD64", False),
        ("linux", "CPython", "3.12", "x86_64", False),  # the 'broker' extra elsewhere
        ("darwin", "CPython", "3.12", "arm64", False),
    ],
)
def test_the_windows_broker_runtime_is_required_only_where_it_has_wheels(
    system: str, implementation: str, version: str, machine: str, installed: bool
) -> None:
    environment = {
        "sys_platform": system,
        "platform_python_implementation": implementation,
        "python_version": version,
        "platform_machine": machine,
    }
    assert broker_marker().evaluate(environment) is installed
