"""Every window in German and in Arabic, as a keyboard and a screen reader meet it: no
English left where a translation exists, each control Tab reaches named, Alt+letters
unique, Enter on the visible primary button, and Arabic mirrored.  The windows are
built in :mod:`tests.ui.windows`, as the English checks in ``test_windows.py``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QGroupBox, QLabel, QWidget
from pytestqt.qtbot import QtBot

from meettray import i18n
from meettray.ui.views.translation import install, uninstall

from .test_windows import PRIMARY
from .windows import WINDOWS, default_buttons, mnemonics, unnamed

LANGUAGES = {"de": "de_DE.UTF-8", "ar": "ar_EG.UTF-8"}


@pytest.fixture(scope="module", params=list(LANGUAGES))
def language(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[i18n.Catalog]:
    catalog = i18n.load({"LANG": LANGUAGES[request.param]})
    assert catalog.language == request.param
    translator = install(qapp, catalog)
    yield catalog
    uninstall(qapp, translator)


@pytest.fixture(params=list(WINDOWS))
def window(
    language: i18n.Catalog, request: pytest.FixtureRequest, qtbot: QtBot
) -> tuple[str, QWidget]:
    made = WINDOWS[request.param]()
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    return request.param, made


def _texts(window: QWidget) -> list[str]:
    texts = [window.windowTitle()]
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QAbstractButton | QLabel):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
    return texts


def test_the_window_speaks_the_language(
    language: i18n.Catalog, window: tuple[str, QWidget]
) -> None:
    _name, shown = window
    # English left where the catalog has other words ("&Name:" is German too).
    english = [t for t in _texts(shown) if language.gettext(t) not in (t, "")]
    assert english == []
    assert shown.windowTitle() not in language.messages  # the title too
    assert shown.isRightToLeft() == language.right_to_left


def test_every_control_tab_reaches_has_a_name(
    language: i18n.Catalog, window: tuple[str, QWidget]
) -> None:
    assert unnamed(window[1]) == []


def test_mnemonics_are_unique(language: i18n.Catalog, window: tuple[str, QWidget]) -> None:
    doubles = {key: n for key, n in Counter(mnemonics(window[1])).items() if n > 1}
    assert doubles == {}


def test_enter_presses_the_visible_primary_button(
    language: i18n.Catalog, window: tuple[str, QWidget]
) -> None:
    name, shown = window
    if not isinstance(shown, QDialog):
        return
    (default,) = default_buttons(shown)
    assert default.isVisible()
    assert default.text() != PRIMARY[name]  # in the language: Qt's own, or ours
    assert default.text() in (language.gettext(PRIMARY[name]), shown.tr(PRIMARY[name])) or (
        PRIMARY[name] in ("Save", "Close")  # Qt's own words, from Qt's catalog
    )
