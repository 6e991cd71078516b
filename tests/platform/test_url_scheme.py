"""meettray:// registered per OS: the XDG desktop file with the real xdg-mime, the
Windows registry keys through a fake registry."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from meettray.platform.url_scheme import (
    CLASSES_KEY,
    DESKTOP_ID,
    MIME_TYPE,
    WindowsScheme,
    XdgScheme,
    link_command,
)

from ..conftest import run_cli

needs_xdg_mime = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("xdg-mime") is None,
    reason="needs xdg-mime (Debian's xdg-utils; scripts/bootstrap.sh installs it)",
)


@needs_xdg_mime
def test_integrate_makes_meettray_the_handler_and_remove_undoes_it(user_dirs: Path) -> None:
    scheme = XdgScheme()
    command = link_command(demo=True)
    assert not scheme.status(command).ours

    done = run_cli("--demo", "integrate")
    assert done.returncode == 0, done.stderr
    entry = (user_dirs / "data" / "applications" / DESKTOP_ID).read_text()
    assert f"MimeType={MIME_TYPE};" in entry
    assert "NoDisplay=true" in entry
    assert entry.count(" %u") == 1
    assert "--demo open-link %u" in entry
    status = scheme.status(command)
    assert status.ours, status.detail
    assert "this meettray" in status.detail
    # Another meettray's command (a moved install) is not this one.
    assert not scheme.status(link_command()).ours

    done = run_cli("integrate", "--remove")
    assert done.returncode == 0, done.stderr
    assert not (user_dirs / "data" / "applications" / DESKTOP_ID).exists()
    assert "meettray-links" not in (user_dirs / "config" / "mimeapps.list").read_text()
    assert scheme.status(command).detail == "no program opens meettray:// links"


@needs_xdg_mime
def test_doctor_says_whether_links_reach_this_meettray(user_dirs: Path) -> None:
    before = run_cli("--demo", "doctor")
    assert "meettray:// links: no program opens meettray:// links" in before.stdout
    assert "Run: meettray integrate" in before.stdout
    run_cli("--demo", "integrate")
    after = run_cli("--demo", "doctor")
    assert "✓ meettray:// links: meettray:// links open in this meettray" in after.stdout


class FakeClasses:
    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}

    def get(self, key: str, name: str) -> str | None:
        return self.values.get((key, name))

    def set(self, key: str, name: str, value: str) -> None:
        self.values[(key, name)] = value

    def delete_tree(self, key: str) -> None:
        self.values = {k: v for k, v in self.values.items()
                       if k[0] != key and not k[0].startswith(key + "\\")}  # fmt: skip


def test_windows_registers_the_scheme_under_the_users_classes() -> None:
    registry = FakeClasses()
    scheme = WindowsScheme(registry)
    command = [r"C:\Program Files\meettray\meettray-tray.exe", "open-link"]
    assert not scheme.status(command).ours
    scheme.register(command)
    assert registry.values == {
        (CLASSES_KEY, ""): "URL:meettray link",
        (CLASSES_KEY, "URL Protocol"): "",
        (rf"{CLASSES_KEY}\shell\open\command", ""):
            r'"C:\Program Files\meettray\meettray-tray.exe" open-link "%1"',
    }  # fmt: skip
    assert scheme.status(command).ours
    assert not scheme.status([r"C:\old\meettray.exe", "open-link"]).ours
    scheme.unregister()
    assert registry.values == {}
