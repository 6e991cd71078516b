"""The app's icons: normal, busy and error, from the shipped PNG sizes."""

from __future__ import annotations

import sys
from functools import cache
from importlib.resources import files

from PySide6.QtGui import QIcon

SIZES = (16, 22, 24, 32, 48, 64, 128, 256)


@cache
def icon(state: str = "normal") -> QIcon:
    """``normal``, ``busy`` or ``error``; on macOS the menu bar gets the template."""
    folder = files("meettray.resources") / "icons"
    name = {"normal": "meettray", "busy": "meettray-busy", "error": "meettray-error"}[state]
    result = QIcon()
    for size in SIZES:
        result.addFile(str(folder / f"{name}-{size}.png"))
    return result


def icon_file(size: int = 64) -> str:
    """The app icon as a file path, for those who take a path (notification servers)."""
    return str(files("meettray.resources") / "icons" / f"meettray-{size}.png")


@cache
def tray_icon(state: str = "normal") -> QIcon:
    if sys.platform == "darwin" and state == "normal":  # pragma: no cover - macOS only
        template = QIcon()
        folder = files("meettray.resources") / "icons"
        for size in SIZES:
            template.addFile(str(folder / f"meettray-template-{size}.png"))
        template.setIsMask(True)  # the menu bar tints it for light and dark mode
        return template
    return icon(state)
