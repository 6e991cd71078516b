"""The hotkey field: the keys that edit it are never recorded as a hotkey."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLineEdit, QPushButton, QVBoxLayout
from pytestqt.qtbot import QtBot

from meettray.ui.views.hotkey_edit import HotkeyEdit

CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def _dialog(qtbot: QtBot) -> tuple[QDialog, HotkeyEdit, QLineEdit, QPushButton]:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    layout = QVBoxLayout(dialog)
    field, after, ok = HotkeyEdit("Ctrl+Alt+M"), QLineEdit(), QPushButton("OK")
    for widget in (field, after, ok):
        layout.addWidget(widget)
    ok.setDefault(True)
    ok.clicked.connect(dialog.accept)
    dialog.show()
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=2000)
    return dialog, field, after, ok


def test_backspace_and_delete_clear_the_field(qtbot: QtBot) -> None:
    dialog, field, _, _ = _dialog(qtbot)
    assert dialog.isVisible()
    for key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
        field.set_text("Ctrl+Alt+M")
        with qtbot.waitSignal(field.keySequenceChanged):
            QTest.keyClick(field, key)
        assert field.text() == ""  # off, not "Backspace"
    QTest.keyClick(field, Qt.Key.Key_K, CTRL_ALT)
    assert field.text() == "Ctrl+Alt+K"  # a real combination is still recorded


def test_escape_leaves_the_field_and_return_presses_the_default_button(qtbot: QtBot) -> None:
    dialog, field, after, _ok = _dialog(qtbot)
    QTest.keyClick(field, Qt.Key.Key_Escape)
    qtbot.waitUntil(after.hasFocus, timeout=2000)
    assert field.text() == "Ctrl+Alt+M"
    assert dialog.isVisible()  # Escape left the field; it did not close the dialog

    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=2000)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        QTest.keyClick(field, Qt.Key.Key_Return)
    assert field.text() == "Ctrl+Alt+M"  # not "Return"


def test_it_says_when_it_has_the_focus(qtbot: QtBot) -> None:
    dialog, field, after, _ = _dialog(qtbot)
    assert dialog.isVisible()
    with qtbot.waitSignal(field.editing) as left:
        after.setFocus()
    assert left.args == [False]
    with qtbot.waitSignal(field.editing) as came:
        field.setFocus()
    assert came.args == [True]
