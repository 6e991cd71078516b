"""Regenerate the README screenshots from a real run of the demo under Xvfb.

    .venv/bin/python scripts/screenshots.py      (needs Xvfb, trayer, xdotool, imagemagick)

It starts the tray app with the built-in demo, makes a few meetings through
the command line (which hands them to the running tray), then opens the menu,
Schedule…, History… and Settings… with the keyboard and captures each.

    .venv/bin/python scripts/screenshots.py de_DE.UTF-8 ar_EG.UTF-8

captures the menu, Schedule, History and Settings in those languages as well
(``docs/screenshots/de/``, ``docs/screenshots/ar/``).
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.xserver import (  # noqa: E402
    keys,
    open_tray_menu,
    tray_host,
    visible_windows,
    xvfb,
)

OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="meettray-shots-"))
    runtime = Path(tempfile.mkdtemp(prefix="mt-"))
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

        def cli(*args: str) -> None:
            subprocess.run(
                [sys.executable, "-m", "meettray", "--demo", *args],
                env=env, check=True, capture_output=True, timeout=60,
            )

        app = subprocess.Popen(
            [sys.executable, "-m", "meettray", "--demo"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(3)
            # A start that is always ahead: the day after tomorrow, 14:30 (a past one is refused).
            start = (datetime.date.today() + datetime.timedelta(days=2)).isoformat() + "T14:30"
            cli("schedule", "--subject", "Quarterly planning", "--start", start,
                "--duration", "60", "--attendee", "ana@contoso.example", "--no-copy")
            for subject in ("Sev2: checkout errors", "Design review", "Pairing with Ben"):
                cli("now", "--subject", subject)
                time.sleep(7)  # let the notification fade before the next capture
            open_tray_menu(display)
            keys(display, "Down", "Down", "Down", "Down", "Right")  # Recent
            time.sleep(0.5)
            shoot(display, "tray-menu.png", crop="760x260+520+0")
            keys(display, "Escape", "Escape")
            time.sleep(1.0)
            open_tray_menu(display)
            keys(display, "Down", "Down", "Right")  # Meet now as: the presets
            time.sleep(0.5)
            shoot(display, "tray-presets.png", crop="760x260+520+0")
            keys(display, "Escape", "Escape")
            time.sleep(1.0)

            for name, steps, title in (
                ("schedule.png", ["Down"] * 3 + ["Return"], "Schedule a Teams meeting"),
                ("schedule-options.png", ["Down"] * 3 + ["Return"], "Schedule a Teams meeting"),
                ("history.png", ["Down"] * 5 + ["Return"], "History"),
                # Settings… comes after History… and Join the meeting on the clipboard.
                ("settings.png", ["Down"] * 7 + ["Return"], "Settings"),
                ("settings-presets.png", ["Down"] * 7 + ["Return"], "Settings"),
            ):
                open_tray_menu(display)
                time.sleep(0.5)
                keys(display, *steps)
                window = wait_for_window(display, title)
                if name == "schedule.png":
                    # The subject is selected when the dialog opens: typing replaces it.
                    subprocess.run(["xdotool", "type", "--delay", "20", "Quarterly all hands"],
                                   env=env, check=True)
                    keys(display, "alt+a")  # the &Attendees mnemonic
                    subprocess.run(["xdotool", "type", "--delay", "20", "ana@contoso.example, bob"],
                                   env=env, check=True)
                    time.sleep(0.3)
                elif name == "schedule-options.png":
                    keys(display, "alt+a", "ctrl+a", "Delete")  # the last one's attendees
                    keys(display, "alt+e", "Down", "Down")  # Preset: Incident bridge (its
                    # Options open by themselves: it sets some)
                    time.sleep(0.3)
                elif name == "settings-presets.png":
                    keys(display, "alt+r", "Tab", "Down")  # the Presets tab, Incident bridge
                    time.sleep(0.3)
                time.sleep(0.5)
                subprocess.run(["import", "-window", window, str(OUT / name)], env=env, check=True)
                # Escape, as a person closes it: xdotool's windowclose destroys the X window
                # under Qt, which then never shows that dialog again.
                subprocess.run(["xdotool", "windowfocus", "--sync", window, "key", "Escape"],
                               env=env, check=False)
                time.sleep(0.3)
        finally:
            app.terminate()
            app.wait(15)
    for path in sorted(OUT.glob("*.png")):
        print(path.relative_to(ROOT))  # noqa: T201
    return 0


def shoot(display: str, name: str, *, crop: str, out: Path = OUT) -> None:
    env = {**os.environ, "DISPLAY": display}
    subprocess.run(["import", "-window", "root", "-crop", crop, str(out / name)],
                   env=env, check=True)


#: A few meetings to show, in each language.
SUBJECTS = {
    "de": ("Quartalsplanung", "Design-Review", "Pairing mit Ben"),
    "ar": ("التخطيط الربع سنوي", "مراجعة التصميم", "جلسة عمل مع بن"),
}


def in_language(lang: str) -> int:
    """The menu and the windows as a person with ``LANG=lang`` sees them."""
    from meettray import i18n

    catalog = i18n.load({"LANG": lang})
    out = OUT / catalog.language
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="meettray-shots-"))
    runtime = Path(tempfile.mkdtemp(prefix="mt-"))
    with xvfb() as display, tray_host(display):
        env = {
            **os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "LANG": lang,
            "LANGUAGE": "", "LC_ALL": "", "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"), "XDG_STATE_HOME": str(home / "state"),
            "XDG_RUNTIME_DIR": str(runtime), "TZ": "Europe/Berlin",
        }  # fmt: skip
        app = subprocess.Popen(
            [sys.executable, "-m", "meettray", "--demo"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            time.sleep(3)
            for subject in SUBJECTS.get(catalog.language, SUBJECTS["de"]):
                subprocess.run([sys.executable, "-m", "meettray", "--demo", "now", "--subject",
                                subject], env=env, check=True, capture_output=True, timeout=60)  # fmt: skip
                time.sleep(7)  # let the notification fade before the next capture
            open_tray_menu(display)
            inward = "Left" if catalog.right_to_left else "Right"  # a mirrored menu
            keys(display, "Down", "Down", "Down", "Down", inward)  # Recent
            time.sleep(0.5)
            shoot(display, "tray-menu.png", crop="900x260+380+0", out=out)
            keys(display, "Escape", "Escape")
            time.sleep(1.0)
            for name, downs, title in (
                ("schedule.png", 3, "Schedule a Teams meeting — meettray"),
                ("history.png", 5, "History — meettray"),
                ("settings.png", 7, "Settings — meettray"),
            ):
                open_tray_menu(display)
                time.sleep(0.5)
                keys(display, *["Down"] * downs, "Return")
                window = wait_for_window(display, catalog.gettext(title))
                time.sleep(0.8)
                subprocess.run(["import", "-window", window, str(out / name)], env=env, check=True)
                subprocess.run(["xdotool", "windowfocus", "--sync", window, "key", "Escape"],
                               env=env, check=False)  # fmt: skip
                time.sleep(0.3)
        finally:
            app.terminate()
            app.wait(15)
    for path in sorted(out.glob("*.png")):
        print(path.relative_to(ROOT))  # noqa: T201
    return 0


def wait_for_window(display: str, title: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", title],
            capture_output=True, text=True, env={**os.environ, "DISPLAY": display}, check=False,
        ).stdout.split()
        if found:
            return found[0]
        time.sleep(0.1)
    raise RuntimeError(f"window {title!r} did not open; visible: {visible_windows(display)}")


if __name__ == "__main__":
    if sys.argv[1:]:
        raise SystemExit(max(in_language(lang) for lang in sys.argv[1:]))
    raise SystemExit(main())
