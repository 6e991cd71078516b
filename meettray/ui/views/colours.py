"""Colours that stay readable: the error red is chosen against the window's own
background, light or dark, for a contrast of at least 4.5:1 (WCAG AA)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

#: Fluent's error reds: the dark one on light backgrounds, the light one on dark ones.
ERROR_ON_LIGHT = QColor("#A4262C")
ERROR_ON_DARK = QColor("#FF99A4")
#: WCAG 2's minimum contrast for normal text.
MIN_CONTRAST = 4.5


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2's contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def error_colour(background: QColor) -> QColor:
    """The error red that reads best on ``background``."""
    on_light, on_dark = contrast(ERROR_ON_LIGHT, background), contrast(ERROR_ON_DARK, background)
    return ERROR_ON_LIGHT if on_light >= on_dark else ERROR_ON_DARK


def show_as_error(label: QWidget, error: bool = True) -> None:
    """Colour ``label``'s text as an error, against the theme's window colour (or as
    normal text again: the palette it inherits)."""
    if not error:
        label.setPalette(QPalette())  # nothing set: all inherited
        return
    palette = label.palette()
    background = palette.color(QPalette.ColorRole.Window)
    palette.setColor(QPalette.ColorRole.WindowText, error_colour(background))
    label.setPalette(palette)
