"""What a screen reader hears when meettray tells the person something in a window
of its own (the banner, the no-tray window's status line).

A desktop notification server speaks its own notifications; meettray's banner is a
tool-tip window and its status line a label, which screen readers do not read unasked.
So :func:`announce` makes them heard:

* Qt's ``QAccessibleAnnouncementEvent`` (Qt 6.8 and later): UI Automation and
  NSAccessibility read it, and so does Orca from release 46 on, politely for good
  news, at once for a failure; before Qt 6.8 an alert on the widget;
* on Linux, where meettray's own window has the focus, the focused control's
  accessible description carries the notice for a few seconds instead: every Orca
  reads a change to the focused control's description, Orca 43 (Debian 12) included,
  which ignores the announcement event (tried with Orca's own speech log:
  ``tests/ui/test_orca_x11.py``).  Both at once would make newer readers say it
  twice, so that case gets only the description.

(An accessible *notification* role would reach Orca 43 without the focus, but it needs
an accessibility interface written in Python, and PySide6 6.11 crashed in Qt's
clean-up of one: 3 test runs in 4.)
"""

from __future__ import annotations

import sys

from PySide6 import QtGui
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import QApplication, QWidget

#: How long the focused control's description carries a notice (long enough for a
#: reader to say it; then it is the control's own again, and says nothing).
DESCRIPTION_MS = 8000


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
    if not _describe_on_focus(widget, text):
        _announcement(widget, text, urgent=urgent)
    announcements.made.emit(text, urgent)


def _describe_on_focus(widget: QWidget, text: str) -> bool:
    """On AT-SPI, with ``widget``'s window active and a control of it focused that has
    no description of its own: the notice as that control's description, for
    :data:`DESCRIPTION_MS`.  Whether it was put there."""
    if not sys.platform.startswith("linux"):
        return False
    window = widget.window()
    focus = QApplication.focusWidget()
    if focus is None or focus.window() is not window or not window.isActiveWindow():
        return False
    if focus.accessibleDescription() and not focus.property(_CARRIES):
        return False  # its own description: not ours to replace
    focus.setProperty(_CARRIES, text)
    if focus.accessibleDescription() == text:  # the same notice again (a link elided
        focus.setAccessibleDescription("")  # alike): a change, or Qt sends nothing
    focus.setAccessibleDescription(text)  # Qt tells readers the description changed

    def clear() -> None:
        if focus.property(_CARRIES) == text:  # no newer notice since
            focus.setProperty(_CARRIES, None)
            focus.setAccessibleDescription("")

    QTimer.singleShot(DESCRIPTION_MS, focus, clear)
    return True


#: The property naming the notice a control's description carries (``None``: its own).
_CARRIES = "meettray-notice"


def _announcement(widget: QWidget, text: str, *, urgent: bool) -> None:
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
