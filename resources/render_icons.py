"""Render the SVG icons to PNG sizes (run after editing an SVG; the PNGs are committed).

    .venv/bin/python resources/render_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
HERE = Path(__file__).parent / "icons"


def main() -> int:
    app = QGuiApplication(sys.argv)
    for svg in sorted(HERE.glob("*.svg")):
        renderer = QSvgRenderer(str(svg))
        for size in SIZES:
            image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(Qt.GlobalColor.transparent)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            renderer.render(painter)
            painter.end()
            image.save(str(HERE / f"{svg.stem}-{size}.png"))
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
