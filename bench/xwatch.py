"""Report X events with CLOCK_MONOTONIC timestamps, one line each, as they happen.

    python -m bench.xwatch clipboard        "owner <t>" whenever CLIPBOARD changes owner
    python -m bench.xwatch panel WINDOW_ID  "mapped <t>" whenever a window maps inside it

A separate process, so the measurement never waits on the benchmark's own work.
"""

from __future__ import annotations

import sys
import time

from Xlib import X, display
from Xlib.ext import xfixes


def main() -> None:
    connection = display.Display()
    root = connection.screen().root
    if sys.argv[1] == "clipboard":
        connection.xfixes_query_version()
        clipboard = connection.intern_atom("CLIPBOARD")
        xfixes.select_selection_input(
            connection, root, clipboard, xfixes.XFixesSetSelectionOwnerNotifyMask
        )
    else:
        panel = connection.create_resource_object("window", int(sys.argv[2], 0))
        panel.change_attributes(event_mask=X.SubstructureNotifyMask)
    connection.sync()
    print("ready", flush=True)
    while True:
        event = connection.next_event()
        now = time.monotonic()
        if sys.argv[1] == "clipboard":
            if event.type == connection.extension_event.SetSelectionOwnerNotify[0]:
                print(f"owner {now:.6f}", flush=True)
        elif event.type == X.MapNotify:
            print(f"mapped {now:.6f}", flush=True)


if __name__ == "__main__":
    main()
