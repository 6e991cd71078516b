"""What a click on the tray icon does: the policy, per platform (no Qt), and the tray
following it when Qt is told it runs on macOS's Cocoa."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from meettray.platform.tray_click import attach_menu, reaction
from meettray.ui.app_model.model import AppModel
from meettray.ui.views import tray as tray_module
from meettray.ui.views.tray import Tray


@pytest.mark.parametrize(
    ("platform", "click_action", "reason", "expected"),
    [
        # macOS: with the menu attached, AppKit opens it and Qt says "trigger" meanwhile.
        ("cocoa", "menu", "trigger", "nothing"),  # was: a second menu
        ("cocoa", "menu", "context", "nothing"),
        # macOS, a click makes a meeting: no menu attached, the right button opens it.
        ("cocoa", "meet_now", "trigger", "meet_now"),
        ("cocoa", "meet_now", "context", "menu"),
        ("cocoa", "meet_now", "double_click", "nothing"),
        # Elsewhere: the left click as configured; the desktop has the right button.
        ("xcb", "meet_now", "trigger", "meet_now"),
        ("xcb", "menu", "trigger", "menu"),
        ("windows", "meet_now", "context", "nothing"),
        ("wayland", "menu", "double_click", "nothing"),
    ],
)
def test_a_click_does_one_thing(
    platform: str, click_action: str, reason: str, expected: str
) -> None:
    assert reaction(reason, click_action, platform) == expected  # type: ignore[arg-type]


def test_the_menu_is_attached_except_where_it_would_eat_the_meeting_click() -> None:
    assert attach_menu("cocoa", "menu")
    assert not attach_menu("cocoa", "meet_now")
    assert attach_menu("windows", "meet_now")
    assert attach_menu("xcb", "meet_now")


def test_on_cocoa_the_tray_neither_doubles_the_menu_nor_makes_a_meeting(
    model: AppModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tray_module, "_platform", lambda: "cocoa")
    tray = Tray(model)
    tray.render(dataclasses.replace(model.state, config=dataclasses.replace(
        model.config, ui=dataclasses.replace(model.config.ui, click_action="menu")
    )))  # fmt: skip
    assert tray.icon.contextMenu() is tray.menu

    tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)

    assert not tray.menu.isVisible()  # AppKit shows the attached one
    assert not model.state.creating


def test_on_cocoa_a_meeting_click_has_no_menu_attached(
    model: AppModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tray_module, "_platform", lambda: "cocoa")
    tray = Tray(model)
    tray.render(dataclasses.replace(model.state, config=dataclasses.replace(
        model.config, ui=dataclasses.replace(model.config.ui, click_action="meet_now")
    )))  # fmt: skip
    assert tray.icon.contextMenu() is None

    tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Context)

    assert tray.menu.isVisible()
    tray.menu.hide()
