"""The layering rules in pyproject.toml ([tool.importlinter]) hold, and would catch a break."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the package found in ``tree``, with this project's contracts."""
    command = Path(sys.executable).parent / "lint-imports"
    return subprocess.run(
        [str(command), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        capture_output=True, text=True, timeout=120, check=False, cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
    )  # fmt: skip


def test_the_ui_reaching_past_the_service_breaks_the_build(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "meettray", tmp_path / "meettray",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    tray = tmp_path / "meettray" / "ui" / "views" / "tray.py"
    tray.write_text(tray.read_text() + "\nfrom meettray.history import HistoryStore  # noqa\n")

    done = lint_imports(tmp_path)

    assert done.returncode == 1, done.stdout
    assert "meettray.ui is not allowed to import meettray.history" in done.stdout
    assert "meettray.ui.views.tray -> meettray.history" in done.stdout


def test_the_checkout_keeps_every_contract() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout
    assert "0 broken" in done.stdout


def test_the_tray_app_loads_no_network_stack_on_the_gui_thread() -> None:
    """Importing the tray app's modules (all the GUI thread ever imports) loads neither
    requests, msal nor urllib3: they load on the worker that builds the service."""
    views = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in sorted((ROOT / "meettray" / "ui").rglob("*.py"))
        if path.stem != "__init__"
    ]
    code = (
        "import sys\n"
        f"for name in {views!r}: __import__(name)\n"
        "print(' '.join(sorted(m for m in ('requests', 'msal', 'urllib3', "
        "'meettray.service') if m in sys.modules)))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(views) > 15  # every module of the tray app was imported
    assert done.stdout.strip() == ""


def test_every_module_is_in_the_code_map() -> None:
    """ARCHITECTURE.md names every module, so it stays true as files come and go."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "meettray").rglob("*.py"))
        if path.stem not in ("__init__", "__main__")
        and not any(
            form in text for form in (f"`{path.stem}.py`", f"`{path.stem}`", f"/{path.stem}`")
        )
    ]
    assert missing == []
