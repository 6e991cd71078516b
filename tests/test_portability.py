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
