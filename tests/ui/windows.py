"""Every window a person sees, built as the app shows it, and what a keyboard or a screen
reader finds in it: shared by the accessibility tests (offscreen) and the window-size
check on a real X server (``python -m tests.ui.windows``)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QPushButton,
    QTabBar,
    QWidget,
)

from meettray.meetings import Meeting
from meettray.results import HistoryPage

NOW = datetime(2026, 12, 9, 8, 0, tzinfo=timezone.utc)
LINK = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_" + "x" * 200


def sample_meeting(n: int, subject: str = "Design review") -> Meeting:
    start = NOW + timedelta(days=5, hours=6, minutes=30)
    return Meeting(id=f"m{n}", join_url=LINK, subject=subject, start=start,
                   end=start + timedelta(hours=1), created_at=NOW - timedelta(hours=1),
                   meeting_code="123456789012", passcode="pass")  # fmt: skip


class Pages:
    """A history source that answers at once, with a few meetings."""

    def history_page(
        self, search: str, offset: int, limit: int, done: Callable[[HistoryPage], None]
    ) -> None:
        meetings = [sample_meeting(n, f"Design review {n}") for n in range(30)][offset:][:limit]
        done(HistoryPage(meetings, 30 if offset == 0 else None))


def _settings(tab: int = 0) -> QWidget:
    from meettray.config import Config
    from meettray.ui.views.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Config())
    dialog.tabs.setCurrentIndex(tab)  # 1: Presets, 2: Accounts
    return dialog


def _schedule(options: bool = False, result: bool = False) -> QWidget:
    from meettray.config import Config
    from meettray.ui.views.schedule_dialog import ScheduleDialog

    dialog = ScheduleDialog(subject_template="Quick meeting", presets=Config().presets)
    if options:
        dialog.show()
        dialog.options_button.click()
    if result:
        dialog.show()
        warnings = ("The lobby setting could not be applied: your organisation decides it.",)
        dialog.show_result(sample_meeting(1, "Quarterly planning with the whole team"), warnings)
    return dialog


def _history() -> QWidget:
    from meettray.ui.views.history_window import HistoryWindow

    return HistoryWindow(Pages(), now=lambda: NOW)


def _sign_in() -> QWidget:
    from meettray.accounts import DeviceCodePrompt
    from meettray.ui.views.signin_dialog import SignInDialog

    dialog = SignInDialog()
    dialog.show_device_code(DeviceCodePrompt("ABCD-EFGH", "https://microsoft.com/devicelogin",
                                             "", 0.0, {}))  # fmt: skip
    return dialog


def _fallback() -> QWidget:
    from meettray.config import Config
    from meettray.errors import MeettrayError
    from meettray.ui.views.dialogs import FallbackWindow

    window = FallbackWindow(gnome=True)
    window.set_presets(Config().presets)
    window.show_account(True)
    window.show_last_error(MeettrayError("Microsoft Graph did not answer."))
    window.show()
    window.show_status("Link copied", "Design review — " + LINK)
    return window


def _error() -> QWidget:
    from meettray.errors import MeettrayError
    from meettray.ui.views.dialogs import ErrorDialog

    return ErrorDialog(MeettrayError("Microsoft Graph did not answer."))


#: Each window as a person meets it.
WINDOWS: dict[str, Callable[[], QWidget]] = {
    "settings": _settings,
    "settings-presets": lambda: _settings(tab=1),
    "settings-accounts": lambda: _settings(tab=2),
    "schedule": _schedule,
    "schedule-options": lambda: _schedule(options=True),
    "schedule-result": lambda: _schedule(result=True),
    "history": _history,
    "sign-in": _sign_in,
    "fallback": _fallback,
    "error": _error,
}


# -- what a keyboard and a screen reader find ------------------------------------------------


def focus_chain(window: QWidget) -> list[QWidget]:
    """The controls Tab reaches, in order: visible, enabled, taking the focus by Tab."""
    chain: list[QWidget] = []
    widget: QWidget | None = window.nextInFocusChain()
    while widget is not None and widget is not window and widget not in chain:
        if (
            widget.isVisible()
            and widget.isEnabled()
            and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            and widget.focusProxy() is None
            and widget.window() is window
        ):
            chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def accessible_name(widget: QWidget) -> str:
    """What a screen reader says the control is: its name, or the label it is labelled by
    (AT-SPI's labelled-by; a combo box's "name" on Linux is its value, so its label counts),
    a tab bar by its current tab, a spin box's line edit by the spin box."""
    parent = widget.parentWidget()
    own = _name(widget)
    if not own and parent is not None and parent.focusProxy() is widget:
        return _name(parent)
    return own


def _name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    labels = [
        other.text(QAccessible.Text.Name)
        for other, _relation in interface.relations(QAccessible.RelationFlag.Label)
    ]
    if isinstance(widget, QComboBox):
        return widget.accessibleName() or " ".join(labels)
    if isinstance(widget, QTabBar):
        current = interface.child(widget.currentIndex())
        return widget.accessibleName() or (current.text(QAccessible.Text.Name) if current else "")
    return interface.text(QAccessible.Text.Name) or " ".join(labels)


def unnamed(window: QWidget) -> list[str]:
    """The focusable controls a screen reader could not name."""
    return [
        f"{type(w).__name__} {w.objectName()!r}"
        for w in focus_chain(window)
        if not accessible_name(w).strip()
    ]


_MNEMONIC = re.compile(r"(?<!&)&([^&\s])")


def mnemonics(window: QWidget) -> list[str]:
    """Every Alt+letter the shown window answers (hidden widgets' do not fire)."""
    found: list[str] = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.window() is not window:
            continue
        texts: list[str] = []
        if isinstance(widget, QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QLabel):
            texts.append(widget.text() if widget.buddy() is not None else "")
        elif isinstance(widget, QGroupBox) and widget.isCheckable():
            texts.append(widget.title())
        elif isinstance(widget, QTabBar):
            texts += [widget.tabText(i) for i in range(widget.count())]
        found += [m.group(1).lower() for text in texts for m in _MNEMONIC.finditer(text)]
    return found


def default_buttons(window: QWidget) -> list[QPushButton]:
    """The buttons Enter would press (a dialog's default)."""
    return [b for b in window.findChildren(QPushButton) if b.isDefault() and b.window() is window]


def measure(name: str) -> dict[str, Any]:
    """Show one window and say where it is, where its buttons are and the screen's size."""
    window = WINDOWS[name]()
    window.show()
    QApplication.processEvents()
    frame, screen = window.frameGeometry(), window.screen().availableGeometry()
    buttons = [
        (b.text(), b.mapTo(window, b.rect().bottomRight()).y())
        for b in window.findChildren(QPushButton)
        if b.isVisible() and b.window() is window
    ]
    return {
        "window": [frame.width(), frame.height()],
        "inside": [window.width(), window.height()],
        "screen": [screen.width(), screen.height()],
        "buttons_below": max((y for _text, y in buttons), default=0),
        "dialog": isinstance(window, QDialog),
    }


if __name__ == "__main__":  # on a real X server: one line of JSON per window
    application = QApplication(sys.argv[:1])
    if len(sys.argv) > 1:  # a font size in points, as a person may choose a larger one
        font = application.font()
        font.setPointSize(int(sys.argv[1]))
        application.setFont(font)
    for window_name in WINDOWS:
        print(json.dumps({"name": window_name, **measure(window_name)}), flush=True)
