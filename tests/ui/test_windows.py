"""Every window, as a keyboard and a screen reader meet it: each control Tab reaches has a
name, Alt+letters are unique, Enter presses the visible primary button, Tab follows the
layout and Escape closes.  The windows are built in :mod:`tests.ui.windows`."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from .windows import WINDOWS, accessible_name, default_buttons, focus_chain, mnemonics, unnamed

#: The button Enter presses in each dialog: the visible primary one.
PRIMARY = {
    "settings": "Save",
    "settings-presets": "Save",
    "settings-accounts": "Save",
    "schedule": "C&reate",
    "schedule-options": "C&reate",
    "schedule-result": "Close",
    "sign-in": "&Copy code",
    "error": "Close",
}


@pytest.fixture(params=list(WINDOWS))
def window(request: pytest.FixtureRequest, qtbot: QtBot) -> tuple[str, QWidget]:
    made = WINDOWS[request.param]()
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    return request.param, made


def test_every_control_tab_reaches_has_a_name(window: tuple[str, QWidget]) -> None:
    _name, shown = window
    assert focus_chain(shown)  # something to reach
    assert unnamed(shown) == []
    assert shown.windowTitle()


def test_mnemonics_are_unique(window: tuple[str, QWidget]) -> None:
    _name, shown = window
    doubles = {key: n for key, n in Counter(mnemonics(shown)).items() if n > 1}
    assert doubles == {}


def test_enter_presses_the_visible_primary_button(window: tuple[str, QWidget]) -> None:
    name, shown = window
    if not isinstance(shown, QDialog):
        assert name in ("history", "fallback")  # windows, not dialogs: nothing is default
        return
    defaults = default_buttons(shown)
    assert [b.text() for b in defaults] == [PRIMARY[name]]
    assert defaults[0].isVisible()


def test_tab_goes_left_to_right_along_a_row(window: tuple[str, QWidget]) -> None:
    _name, shown = window
    chain = focus_chain(shown)
    backwards = []
    for first, second in pairwise(chain):
        a, b = (w.mapTo(shown, w.rect().topLeft()) for w in (first, second))
        same_row = abs(a.y() - b.y()) < min(first.height(), second.height())
        if same_row and b.x() < a.x():
            backwards.append((accessible_name(first), accessible_name(second)))
    assert backwards == []


def test_escape_closes(window: tuple[str, QWidget], qtbot: QtBot) -> None:
    name, shown = window
    if name == "fallback":
        return  # the app's only window: it stays
    chain = focus_chain(shown)
    chain[0].setFocus()
    QTest.keyClick(chain[0], Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not shown.isVisible(), timeout=2000)


def test_the_error_red_reads_on_light_and_dark_themes() -> None:
    from PySide6.QtGui import QColor

    from meettray.ui.views.colours import MIN_CONTRAST, contrast, error_colour

    for background in ("#FFFFFF", "#F0F0F0", "#EFEFEF", "#2B2B2B", "#1E1E1E", "#000000",
                       "#31363B", "#353535"):  # fmt: skip
        colour = QColor(background)
        assert contrast(error_colour(colour), colour) >= MIN_CONTRAST, background
    # The red used before: 2.55:1 on a dark theme's window colour.
    assert contrast(QColor("#C4314B"), QColor("#31363B")) < MIN_CONTRAST


def test_an_error_label_takes_its_colour_from_the_theme(qtbot: QtBot) -> None:
    from PySide6.QtGui import QColor, QPalette

    from meettray.ui.views.colours import MIN_CONTRAST, contrast
    from meettray.ui.views.schedule_dialog import ScheduleDialog

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette()
    dark = QPalette(light)
    dark.setColor(QPalette.ColorRole.Window, QColor("#31363B"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#EFF0F1"))
    try:
        for palette in (light, dark):
            app.setPalette(palette)
            dialog = ScheduleDialog()
            qtbot.addWidget(dialog)
            dialog.subject.setText("")
            label = dialog.errors["subject"]
            text = label.palette().color(QPalette.ColorRole.WindowText)
            background = label.palette().color(QPalette.ColorRole.Window)
            assert contrast(text, background) >= MIN_CONTRAST
    finally:
        app.setPalette(light)
