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
    tray = tmp_path / "meettray" / "ui" / "tray.py"
    tray.write_text(tray.read_text() + "\nfrom meettray.history import HistoryStore  # noqa\n")

    done = lint_imports(tmp_path)

    assert done.returncode == 1, done.stdout
    assert "meettray.ui is not allowed to import meettray.history" in done.stdout
    assert "meettray.ui.tray -> meettray.history" in done.stdout


def test_the_checkout_keeps_every_contract() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout
    assert "0 broken" in done.stdout
