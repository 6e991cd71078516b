"""What a screen reader hears when meettray tells the person something in a window
of its own (the banner, the no-tray window): an accessible announcement on the
widget that shows it.  A desktop notification server speaks its own notifications;
meettray's banner is a tool-tip window that screen readers do not read unasked."""

from __future__ import annotations

from PySide6 import QtGui
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import QWidget


class _Announcements(QObject):
    #: Each announcement made (its text, and whether it interrupts): for tests and logs.
    made = Signal(str, bool)


#: The process's announcements (see :func:`announce`).
announcements = _Announcements()


def announce(widget: QWidget, text: str, *, urgent: bool = False) -> None:
    """Have screen readers say ``text`` for ``widget``: politely (after what they are
    saying), or at once when ``urgent`` (a failure)."""
    text = " ".join(text.split())  # one line: a reader pauses at each break
    if not text:
        return
    announcement = getattr(QtGui, "QAccessibleAnnouncementEvent", None)  # Qt 6.8 and later
    if announcement is not None:
        politeness = QAccessible.AnnouncementPoliteness
        said = announcement(widget, text)
        said.setPoliteness(politeness.Assertive if urgent else politeness.Polite)
        event: QAccessibleEvent = said
    else:  # before 6.8: an alert on the widget, which readers read out with its text
        widget.setAccessibleDescription(text)
        event = QAccessibleEvent(widget, QAccessible.Event.Alert)
    QAccessible.updateAccessibility(event)  # nothing is sent when no reader listens
    announcements.made.emit(text, urgent)
