"""The app's icons: normal, busy and error, from the shipped PNG sizes."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
#: The shipped PNGs (package data: in the wheel and in PyInstaller bundles alike).
FOLDER = Path(__file__).resolve().parent.parent / "resources" / "icons"


def _icon(name: str) -> QIcon:
    result = QIcon()
    for size in SIZES:  # sizes given: Qt reads a file only when that size is drawn
        result.addFile(str(FOLDER / f"{name}-{size}.png"), QSize(size, size))
    return result


@cache
def icon(state: str = "normal") -> QIcon:
    """``normal``, ``busy`` or ``error``; on macOS the menu bar gets the template."""
    return _icon({"normal": "meettray", "busy": "meettray-busy", "error": "meettray-error"}[state])


def icon_file(size: int = 64) -> str:
    """The app icon as a file path, for those who take a path (notification servers)."""
    return str(FOLDER / f"meettray-{size}.png")


@cache
def tray_icon(state: str = "normal") -> QIcon:
    if sys.platform == "darwin" and state == "normal":  # pragma: no cover - macOS only
        template = _icon("meettray-template")
        template.setIsMask(True)  # the menu bar tints it for light and dark mode
        return template
    return icon(state)
