"""The PyInstaller spec's choices per OS, read by running it with PyInstaller's build
steps recorded instead of run (the package itself is built in test_packaging.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def step(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            return _Built()

        return record

    def made(self, name: str) -> list[dict[str, Any]]:
        return [kwargs for step, kwargs in self.calls if step == name]


class _Built:
    """What a build step returns: the lists the spec reads and filters."""

    def __init__(self) -> None:
        self.scripts: list[Any] = []
        self.pure: list[Any] = []
        self.binaries: list[Any] = []
        self.datas: list[Any] = []


def run_spec(platform: str, monkeypatch: pytest.MonkeyPatch) -> Recorder:
    hooks = pytest.importorskip("PyInstaller.utils.hooks")
    monkeypatch.setattr(hooks, "collect_data_files", lambda package: [])
    monkeypatch.setattr(hooks, "collect_submodules", lambda package: [])
    monkeypatch.setattr(sys, "path", list(sys.path))  # the spec adds the checkout
    recorder = Recorder()
    names = ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")
    spec = {name: recorder.step(name) for name in names}
    spec["SPECPATH"] = str(ROOT / "packaging")
    monkeypatch.setattr(sys, "platform", platform)
    source = (ROOT / "packaging" / "meettray.spec").read_text(encoding="utf-8")
    exec(compile(source, "meettray.spec", "exec"), spec)
    return recorder


def test_windows_gets_a_console_program_and_a_windowed_tray(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Was: one windowed meettray.exe, so 'meettray now' in cmd printed nothing and
    lost its exit status."""
    exes = run_spec("win32", monkeypatch).made("EXE")
    assert [(exe["name"], exe["console"]) for exe in exes] == [
        ("meettray", True),
        ("meettray-tray", False),
    ]
    assert all(exe["icon"].endswith("meettray.ico") for exe in exes)


def test_macos_has_one_program_in_a_menu_bar_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = run_spec("darwin", monkeypatch)
    assert [(exe["name"], exe["console"]) for exe in recorder.made("EXE")] == [("meettray", False)]
    (bundle,) = recorder.made("BUNDLE")
    assert bundle["info_plist"]["LSUIElement"] is True


def test_linux_has_one_console_program(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = run_spec("linux", monkeypatch)
    assert [(exe["name"], exe["console"]) for exe in recorder.made("EXE")] == [("meettray", True)]
    assert recorder.made("BUNDLE") == []


def test_the_macos_bundle_declares_the_meettray_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    (bundle,) = run_spec("darwin", monkeypatch).made("BUNDLE")
    (url_type,) = bundle["info_plist"]["CFBundleURLTypes"]
    assert url_type["CFBundleURLSchemes"] == ["meettray"]
