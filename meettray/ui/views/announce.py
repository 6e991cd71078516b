"""What a screen reader hears when meettray tells the person something in a window
of its own (the banner, the no-tray window's status line).

A desktop notification server speaks its own notifications; meettray's banner is a
tool-tip window and its status line a label, which screen readers do not read unasked.
So each widget that shows notices is marked with :func:`mark_notice`, and
:func:`announce` makes it speak:

* on Linux (AT-SPI) the widget is a *notification* (``ATSPI_ROLE_NOTIFICATION``) whose
  name is the notice, and each notice reports it shown again.  Orca reads a
  notification as it appears, in every version: Orca 43 (Debian 12) ignores Qt's
  announcement event, which it only learnt in later releases (tried with Orca's own
  speech log: ``tests/ui/test_orca_x11.py``).  Announcing both ways would make newer
  readers say it twice, so AT-SPI gets only the notification;
* elsewhere (UI Automation, NSAccessibility) Qt's ``QAccessibleAnnouncementEvent``
  (Qt 6.8 and later), polite for good news, assertive for a failure; before 6.8 an
  alert on the widget.
"""

from __future__ import annotations

import functools
import sys

from PySide6 import QtGui
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent, QAccessibleInterface
from PySide6.QtWidgets import QAccessibleWidget, QWidget

#: The widget property that marks a notice widget, and holds what it last said.
NOTICE = "meettray-notice"


class _Announcements(QObject):
    #: Each announcement made (its text, and whether it interrupts): for tests and logs.
    made = Signal(str, bool)


#: The process's announcements (see :func:`announce`).
announcements = _Announcements()


class _Notice(QAccessibleWidget):
    """A notice widget as AT-SPI sees it: a notification named by what it last said."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget, QAccessible.Role.Notification)

    def text(self, kind: QAccessible.Text) -> str:
        said = self.widget().property(NOTICE)
        if kind == QAccessible.Text.Name and isinstance(said, str) and said:
            return said
        return super().text(kind)


def _notices(_class_name: str, candidate: QObject) -> QAccessibleInterface | None:
    """Qt's accessibility factory for notice widgets (``None``: Qt's own interface).
    Qt keeps what this returns, and deletes it with its widget."""
    if isinstance(candidate, QWidget) and candidate.property(NOTICE) is not None:
        return _Notice(candidate)
    return None


@functools.cache
def _install_factory() -> None:
    """Once: Qt asks the factories installed last first, so after QApplication's own."""
    QAccessible.installFactory(_notices)


def _at_spi() -> bool:
    return sys.platform.startswith("linux")


def mark_notice(widget: QWidget) -> None:
    """Make ``widget`` one that shows notices (the banner, the status line).  Called
    before anything asks for its accessible interface (Qt keeps the first one made)."""
    widget.setProperty(NOTICE, "")
    if _at_spi():
        _install_factory()


def announce(widget: QWidget, text: str, *, urgent: bool = False) -> None:
    """Have screen readers say ``text`` for ``widget`` (one marked with
    :func:`mark_notice`): politely (after what they are saying), or at once when
    ``urgent`` (a failure).  A hidden widget is announced as it is shown: call this
    before showing it."""
    text = " ".join(text.split())  # one line: a reader pauses at each break
    if not text:
        return
    widget.setProperty(NOTICE, text)
    if _at_spi():
        if widget.isVisible():
            # Shown again: the reader meets the notification as a new one, and reads it.
            QAccessible.updateAccessibility(QAccessibleEvent(widget, QAccessible.Event.NameChanged))
            QAccessible.updateAccessibility(QAccessibleEvent(widget, QAccessible.Event.ObjectShow))
        # else Qt reports it shown, named by this text, when it is shown next
        announcements.made.emit(text, urgent)
        return
    if (announcement := getattr(QtGui, "QAccessibleAnnouncementEvent", None)) is not None:
        politeness = QAccessible.AnnouncementPoliteness
        said = announcement(widget, text)
        said.setPoliteness(politeness.Assertive if urgent else politeness.Polite)
        event = said
    else:  # Qt before 6.8: an alert on the widget, which readers read out with its text
        widget.setAccessibleDescription(text)
        event = QAccessibleEvent(widget, QAccessible.Event.Alert)
    QAccessible.updateAccessibility(event)  # nothing is sent when no reader listens
    announcements.made.emit(text, urgent)
