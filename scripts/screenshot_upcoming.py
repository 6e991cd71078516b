"""The README's screenshot of upcoming meetings in the tray menu, from a real run of the
demo under Xvfb (its calendar holds a realistic day around now).

    .venv/bin/python scripts/screenshot_upcoming.py   (needs Xvfb, trayer, xdotool, imagemagick)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.xserver import open_tray_menu, tray_host, xvfb  # noqa: E402

OUT = ROOT / "docs" / "screenshots" / "tray-upcoming.png"


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="meettray-shots-"))
    runtime = Path(tempfile.mkdtemp(prefix="mt-"))
    config = home / "config.toml"
    config.write_text("[calendar]\nupcoming = true\n")
    with xvfb() as display, tray_host(display):
        env = {
            **os.environ,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_RUNTIME_DIR": str(runtime),
            "TZ": "Europe/London",
        }
        app = subprocess.Popen(
            [sys.executable, "-m", "meettray", "--demo", "--config", str(config)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            time.sleep(5)  # signed in as the demo's user, the calendar read
            open_tray_menu(display)
            time.sleep(0.8)
            subprocess.run(["import", "-window", "root", "-crop", "600x370+680+0", str(OUT)],
                           env=env, check=True)  # fmt: skip
        finally:
            app.terminate()
            app.wait(15)
    print(OUT.relative_to(ROOT))  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
