"""Small X clients for the hotkey tests (run as ``python -m tests.x11_client MODE``).

``window``: map a focused window and print ``key <keycode> <state>`` for every
key it receives (a stand-in for whatever program has the focus).
``grab KEYSYM MASK``: hold a passive grab on the root window, like another
program that took the combination first; prints ``grabbed`` or ``taken``.
"""

from __future__ import annotations

import sys

from Xlib import X, error
from Xlib import display as xdisplay


def window() -> None:
    display = xdisplay.Display()
    screen = display.screen()
    win = screen.root.create_window(
        10, 10, 300, 200, 0, screen.root_depth, X.InputOutput, X.CopyFromParent,
        background_pixel=screen.white_pixel, event_mask=X.KeyPressMask | X.StructureNotifyMask,
    )  # fmt: skip
    win.set_wm_name("meettray-test-window")
    win.map()
    display.sync()
    while True:
        event = display.next_event()
        if event.type == X.MapNotify:
            win.set_input_focus(X.RevertToParent, X.CurrentTime)
            display.sync()
            print("ready", win.id, flush=True)
        elif event.type == X.KeyPress:
            print("key", event.detail, event.state, flush=True)


def grab(keysym: int, mask: int) -> None:
    display = xdisplay.Display()
    root = display.screen().root
    keycode = display.keysym_to_keycode(keysym)
    catcher = error.CatchError(error.BadAccess)
    root.grab_key(keycode, mask, False, X.GrabModeAsync, X.GrabModeAsync, onerror=catcher)
    display.sync()
    print("taken" if catcher.get_error() else "grabbed", flush=True)
    while True:
        event = display.next_event()
        if event.type == X.KeyPress:
            print("key", event.detail, event.state, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "window":
        window()
    else:
        grab(int(sys.argv[2], 0), int(sys.argv[3], 0))
