"""A field that records one global hotkey: the keys a person presses, except the keys
that edit the field itself.

Backspace and Delete clear it (the hotkey is then off), Escape leaves it, and Return
reaches the dialog's default button: none of them is ever recorded as a hotkey.  While
it has the focus it says so (``editing``), so that the app can pause its global grabs:
otherwise pressing a bound hotkey here would make a meeting instead of being recorded.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QKeySequenceEdit, QLineEdit, QWidget

_CLEARS = (Qt.Key.Key_Backspace, Qt.Key.Key_Delete)
_LEAVES = (Qt.Key.Key_Escape,)
_PASSES = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
#: Modifiers that leave a key "bare" (the keypad's Enter carries KeypadModifier).
_BARE = Qt.KeyboardModifier.NoModifier | Qt.KeyboardModifier.KeypadModifier


class HotkeyEdit(QKeySequenceEdit):
    """One key combination, in PortableText (``Ctrl+Alt+M``); "" is off."""

    #: True when the field takes the focus, False when it leaves it.
    editing = Signal(bool)

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMaximumSequenceLength(1)
        self.setClearButtonEnabled(True)
        self.set_text(text)

    def set_text(self, text: str) -> None:
        self.setKeySequence(QKeySequence.fromString(text, QKeySequence.SequenceFormat.PortableText))

    def text(self) -> str:
        return self.keySequence().toString(QKeySequence.SequenceFormat.PortableText)

    def setAccessibleName(self, name: str) -> None:
        """The name, for the field and for the line edit inside it (which a screen reader
        reaches too)."""
        super().setAccessibleName(name)
        for inner in self.findChildren(QLineEdit):
            inner.setAccessibleName(name)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        bare = not (event.modifiers() & ~_BARE)
        if bare and key in _CLEARS:
            self.clear()  # says keySequenceChanged
            event.accept()
        elif bare and key in _LEAVES:
            event.accept()
            self.focusNextChild()
        elif bare and key in _PASSES:
            event.ignore()  # to the dialog: its default button
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.editing.emit(True)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editing.emit(False)
