"""The small windows: the no-tray fallback offers every tray action; error details."""

from __future__ import annotations

from PySide6.QtGui import QAccessible
from pytestqt.qtbot import QtBot

from meettray.config import Config
from meettray.errors import MeettrayError
from meettray.ui.views.dialogs import FallbackWindow


def test_the_fallback_window_has_every_tray_action(qtbot: QtBot) -> None:
    window = FallbackWindow(gnome=False)
    qtbot.addWidget(window)
    window.set_presets(Config().presets)
    window.show()
    # A window, for screen readers (a plain QWidget was a "filler").
    interface = QAccessible.queryAccessibleInterface(window)
    assert interface is not None
    assert interface.role() == QAccessible.Role.Window

    labels = [a.text() for a in window.presets.actions()]
    assert labels == ["Quick meeting (default)", "Incident bridge", "Customer call"]
    with qtbot.waitSignal(window.meet_now_as_requested) as asked:
        window.presets.actions()[1].trigger()
    assert asked.args == ["incident"]

    assert window.sign_in.isVisible()
    assert not window.sign_out.isVisible()
    with qtbot.waitSignal(window.sign_in_requested):
        window.sign_in.click()
    window.show_account(True)
    assert window.sign_out.isVisible()
    assert not window.sign_in.isVisible()
    with qtbot.waitSignal(window.sign_out_requested):
        window.sign_out.click()
    window.show_account(False, can_sign_in=False)  # application mode: no sign-in at all
    assert not window.sign_in.isVisible()
    assert not window.sign_out.isVisible()

    assert not window.error_details.isVisible()
    error = MeettrayError("Microsoft Graph did not answer.")
    window.show_last_error(error)
    assert window.error_details.isVisible()
    with qtbot.waitSignal(window.error_details_requested) as details:
        window.error_details.click()
    assert details.args == [error]
    window.show_last_error(None)
    assert not window.error_details.isVisible()


def test_a_long_notice_scrolls_within_the_screen(qtbot: QtBot) -> None:
    from meettray.ui.views.fit import largest

    window = FallbackWindow(gnome=True)
    qtbot.addWidget(window)
    window.show()
    window.show_status("Long", "word " * 3000)
    assert window.height() <= largest(window).height()
    assert window.status.text().endswith("word ")  # all of it, to scroll to
