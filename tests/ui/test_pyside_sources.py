"""PySide6's per-import check no longer keeps every module's source (ui/shell/pyside_sources.py).

Each check runs in a fresh Python: the check is process-wide, once PySide6 is loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: Imports a module after PySide6 and reports what PySide's check made of it.
PROBE = """
import json, linecache, sys
{first}
import PySide6.QtCore
sys.path.insert(0, {folder!r})
import uses_qt, plain
feature = sys.modules["shibokensupport.feature"]
print(json.dumps({{
    "cached": sorted(n for n in ("uses_qt.py", "plain.py")
                     if any(f.endswith(n) for f in linecache.cache)),
    "uses_qt": feature.pyside_feature_dict.get("uses_qt"),
    "plain": feature.pyside_feature_dict.get("plain"),
}}))
"""


def probe(tmp_path: Path, first: str) -> dict[str, object]:
    (tmp_path / "uses_qt.py").write_text("from PySide6 import QtCore\n")
    (tmp_path / "plain.py").write_text("VALUE = 1\n" * 1000)
    code = PROBE.format(first=first, folder=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_without_it_pyside_keeps_the_source_of_each_module_imported_after_it(
    tmp_path: Path,
) -> None:
    """What it fixes (and proof that the next test could fail)."""
    assert probe(tmp_path, first="")["cached"] == ["plain.py", "uses_qt.py"]


def test_the_tray_imports_pyside_so_that_no_source_is_kept(tmp_path: Path) -> None:
    result = probe(tmp_path, first="import meettray.ui.shell.main")

    assert result["cached"] == []
    # PySide's answer is unchanged: the module that uses it is switchable (0), the
    # other ignored (-1).
    assert (result["uses_qt"], result["plain"]) == (0, -1)


def test_an_unknown_pyside_version_is_left_as_it_is() -> None:
    """A PySide6 outside the known range keeps its own check."""
    code = (
        "import sys\n"
        "import PySide6.QtCore\n"
        "feature = sys.modules['shibokensupport.feature']\n"
        "original = feature._mod_uses_pyside\n"
        "sys.modules['PySide6'].__version_info__ = (6, 99, 0, '', '')\n"
        "import meettray.ui.shell.pyside_sources as s\n"
        "print(feature._mod_uses_pyside is original, s.read_sources_once((6, 4)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})  # fmt: skip
    assert done.stdout.split() == ["True", "False"]
