"""The tray app in German and in Arabic: its words, Qt's own, dates, and the mirrored
layout (views/translation.py with the shipped catalogs)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPushButton
from pytestqt.qtbot import QtBot

from meettray import i18n
from meettray.meetings import Meeting
from meettray.ui.app_model.model import AppModel
from meettray.ui.views.dialogs import ErrorDialog, FallbackWindow
from meettray.ui.views.history_window import row_sentence
from meettray.ui.views.schedule_result import ScheduleResult
from meettray.ui.views.translation import install, uninstall
from meettray.ui.views.tray import Tray


def _speak(language: str) -> Iterator[None]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    translator = install(app, i18n.load({"LANG": language}))
    try:
        yield
    finally:
        uninstall(app, translator)


@pytest.fixture
def german(qapp: QApplication) -> Iterator[None]:
    yield from _speak("de_DE.UTF-8")


@pytest.fixture
def arabic(qapp: QApplication) -> Iterator[None]:
    yield from _speak("ar_EG.UTF-8")


def _meeting(start: datetime, created: datetime) -> Meeting:
    return Meeting("m1", "https://teams.microsoft.com/l/meetup-join/x", "Design review",
                   start, start + timedelta(hours=1), created_at=created)  # fmt: skip


def test_the_tray_menu_speaks_german_with_its_mnemonics(german: None, model: AppModel) -> None:
    tray = Tray(model)
    tray.menu.aboutToShow.emit()
    texts = [a.text() for a in tray.menu.actions() if not a.isSeparator()]
    assert texts == [
        "&Jetzt besprechen",
        "Jetzt besprechen &als",
        "&Planen…",
        "&Zuletzt verwendet",
        "&Verlauf…",
        "Besprechung aus der Zwischenablage bei&treten",
        "Angemeldet als adele@contoso.example",
        "Ab&melden",
        "&Einstellungen…",
        "&Beenden",
    ]
    mnemonics = [t[t.index("&") + 1].lower() for t in texts if "&" in t]
    assert len(mnemonics) == len(set(mnemonics))


def test_schedules_result_page_writes_the_date_the_german_way(german: None, qtbot: QtBot) -> None:
    page = ScheduleResult()
    qtbot.addWidget(page)
    start = datetime(2026, 12, 14, 14, 30).astimezone()  # a Monday
    page.show_meeting(_meeting(start, start), ())
    title = page.title.text()
    assert "14.12.26 14:30" in title, title
    assert "Der Link ist in Ihrer Zwischenablage." in title
    assert "Mon" not in title
    assert "Dec" not in title
    assert page.copy_button.text() == "&Link kopieren"


def test_a_history_row_reads_as_a_german_sentence(german: None) -> None:
    now = datetime(2026, 12, 9, 9, 0).astimezone()  # a Wednesday
    start = datetime(2026, 12, 14, 14, 30).astimezone()  # the next Monday
    meeting = _meeting(start, now - timedelta(hours=2))
    assert row_sentence(meeting, now) == "Design review, beginnt Montag 14:30, erstellt heute"


def test_qts_own_buttons_speak_german_too(german: None, qtbot: QtBot) -> None:
    from meettray.errors import MeettrayError

    dialog = ErrorDialog(MeettrayError("x"))
    qtbot.addWidget(dialog)
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    close = box.button(QDialogButtonBox.StandardButton.Close)
    assert close.text().replace("&", "") == "Schließen"


def test_arabic_mirrors_the_window(arabic: None, qtbot: QtBot) -> None:
    window = FallbackWindow()
    qtbot.addWidget(window)
    assert QApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert window.isRightToLeft()
    buttons = [b.text() for b in window.findChildren(QPushButton)]
    assert buttons[0] == "&الاجتماع الآن"
    assert all(not any("a" <= c <= "z" for c in text.lower()) for text in buttons), buttons


def test_english_is_back_after_a_language(qapp: QApplication, model: AppModel) -> None:
    """The fixtures leave nothing behind: other tests read English."""
    for _ in _speak("ar_EG.UTF-8"):
        pass
    assert QApplication.layoutDirection() == Qt.LayoutDirection.LeftToRight
    tray = Tray(model)
    tray.menu.aboutToShow.emit()
    assert tray.menu.actions()[0].text() == "&Meet now"


def test_the_arabic_tray_menu_has_unique_mnemonics(arabic: None, model: AppModel) -> None:
    tray = Tray(model)
    tray.menu.aboutToShow.emit()
    texts = [a.text() for a in tray.menu.actions() if not a.isSeparator()]
    assert texts[0] == "&الاجتماع الآن"
    mnemonics = [t[t.index("&") + 1] for t in texts if "&" in t]
    assert len(mnemonics) == len(set(mnemonics)) == 9


def test_words_the_catalog_lacks_stay_as_they_are(qapp: QApplication) -> None:
    """Was: the translator answered "" for a string it lacked, which Qt took for the
    translation: every other word went blank (Qt's key names, its menus), and menus
    stopped answering the keyboard on X11."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QKeySequence

    for _ in _speak("C.UTF-8"):
        assert QCoreApplication.translate("QShortcut", "Down") == "Down"
        assert QCoreApplication.translate("meettray", "Not in any catalog") == "Not in any catalog"
    for _ in _speak("de_DE.UTF-8"):
        assert QCoreApplication.translate("meettray", "Not in any catalog") == "Not in any catalog"
        native = QKeySequence("Ctrl+Down").toString(QKeySequence.SequenceFormat.NativeText)
        assert native == "Strg+Herunter"  # Qt's own catalog, asked after ours


def test_the_cores_words_in_the_tray_follow_its_language(german: None) -> None:
    """Recent's entries and the core's messages come from meettray.i18n, not Qt: the
    translator hands the core the same catalog, so one window speaks one language."""
    from meettray.errors import ValidationError
    from meettray.meetings import build_schedule
    from meettray.ui.views.tray import menu_label

    made = datetime(2026, 12, 7, 14, 5, 12).astimezone()  # a Monday
    meeting = Meeting("m1", "https://teams.microsoft.com/l/x", "Sync & plan", None, None, made)
    assert menu_label(meeting) == "Sync && plan · Mo 14:05:12"
    assert i18n._("Enter a subject.") == "Geben Sie einen Betreff ein."
    with pytest.raises(ValidationError, match="Das Ende muss nach dem Beginn liegen"):
        build_schedule(subject="x", start=made, end=made)


def test_the_core_speaks_english_again_after_the_tray_language(qapp: QApplication) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = i18n.catalog()
    translator = install(app, i18n.load({"LANG": "ar_EG.UTF-8"}))
    assert i18n.catalog().language == "ar"
    uninstall(app, translator)
    assert i18n.catalog() is before
