"""What a click on the tray icon does, per platform: a policy without Qt.

Qt's Cocoa tray (macOS) gives the status item its context menu, and AppKit then
opens that menu on every click, reporting the click as ``Trigger`` while the
menu opens.  Popping the menu up again would show it twice, and making a
meeting would answer a click that opened the menu.  So on macOS the menu is
attached only when a click should open it; when a click makes a meeting, the
menu is left off and a right- or Control-click (``Context``) opens it.
Elsewhere a left click is a ``Trigger`` and the desktop opens the context menu
on the right button itself.
"""

from __future__ import annotations

from typing import Literal

#: QSystemTrayIcon's activation reasons, by name.
Reason = Literal["trigger", "context", "double_click", "middle_click", "unknown"]
Reaction = Literal["meet_now", "menu", "nothing"]


def menu_opens_on_click(platform_name: str) -> bool:
    """Whether the system opens an attached context menu on a left click itself
    (``platform_name`` is ``QGuiApplication.platformName()``)."""
    return platform_name == "cocoa"


def attach_menu(platform_name: str, click_action: str) -> bool:
    """Whether the icon should carry the menu as its context menu."""
    return not (menu_opens_on_click(platform_name) and click_action == "meet_now")


def reaction(reason: Reason, click_action: str, platform_name: str) -> Reaction:
    """What meettray does for an activation of its icon."""
    if menu_opens_on_click(platform_name):
        if click_action != "meet_now":
            return "nothing"  # the menu is attached: AppKit has opened it
        if reason == "trigger":
            return "meet_now"
        return "menu" if reason == "context" else "nothing"
    if reason != "trigger":
        return "nothing"  # the desktop opens the context menu on the right button
    return "meet_now" if click_action == "meet_now" else "menu"
