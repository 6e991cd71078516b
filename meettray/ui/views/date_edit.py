"""A date and time field whose calendar opens from the keyboard too: Alt+Down or F4,
as a combo box's list does (Qt's own opens it only with the mouse)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QDateTimeEdit, QStyle, QStyleOptionComboBox


class DateTimeEdit(QDateTimeEdit):
    """A :class:`QDateTimeEdit` with a calendar popup that Alt+Down and F4 open."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[call-overload]
        self.setCalendarPopup(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, modifiers = event.key(), event.modifiers()
        alt_down = key == Qt.Key.Key_Down and modifiers & Qt.KeyboardModifier.AltModifier
        if alt_down or (key == Qt.Key.Key_F4 and not modifiers):
            event.accept()
            self.open_calendar()
        else:
            super().keyPressEvent(event)

    def open_calendar(self) -> None:
        """Open the calendar: Qt opens it on a press on the arrow, and has no other way."""
        option = QStyleOptionComboBox()
        option.initFrom(self)
        option.editable = True
        option.subControls = QStyle.SubControl.SC_All
        arrow = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxArrow, self
        )
        where = QPointF(arrow.center())
        press = QMouseEvent(
            QEvent.Type.MouseButtonPress, where, self.mapToGlobal(where),
            Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
        )  # fmt: skip
        QApplication.sendEvent(self, press)
