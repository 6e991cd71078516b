"""Where meettray keeps its files, and that its folders are readable by the user only."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from meettray import paths

from .conftest import run_cli

pytestmark = pytest.mark.posix  # file modes, Unix sockets, signals


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The common 022: without care, new folders would be 0755."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def meettray_folders(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.is_dir() and "meettray" in p.relative_to(home).parts]


def test_every_folder_a_run_creates_is_private(user_dirs: Path) -> None:
    done = run_cli("--demo", "now", "--no-copy", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert done.returncode == 0, done.stderr

    created = meettray_folders(user_dirs)
    names = {str(p.relative_to(user_dirs)) for p in created}
    assert {"data/meettray", "data/meettray/demo", "state/meettray", "state/meettray/log"} <= names
    assert {str(p): oct(mode(p)) for p in created} == {str(p): "0o700" for p in created}
    assert mode(user_dirs / "data") == 0o755  # the shared folder is not ours to change


def test_folders_an_older_version_left_open_are_tightened(user_dirs: Path) -> None:
    data = user_dirs / "data" / "meettray"
    (data / "demo").mkdir(parents=True, mode=0o755)
    config = user_dirs / "config" / "meettray"
    config.mkdir(mode=0o755)
    assert mode(data) == mode(data / "demo") == mode(config) == 0o755

    done = run_cli("--demo", "history")

    assert done.returncode == 0, done.stderr
    assert mode(data) == mode(data / "demo") == mode(config) == 0o700


def test_ensure_private_dir_makes_each_missing_level_private(user_dirs: Path) -> None:
    deep = paths.data_dir(demo=True) / "sub"
    paths.ensure_private_dir(deep)
    assert mode(deep) == mode(deep.parent) == mode(deep.parent.parent) == 0o700


def test_a_folder_the_person_chose_is_created_but_never_retouched(tmp_path: Path) -> None:
    chosen = tmp_path / "dotfiles"
    chosen.mkdir(mode=0o755)
    paths.ensure_private_dir(chosen / "meettray")
    assert mode(chosen) == 0o755
    assert mode(chosen / "meettray") == 0o700


@pytest.mark.posix
def test_files_left_readable_by_others_are_made_private_and_doctor_looks(
    user_dirs: Path, config_file: Path
) -> None:
    """Was: history.sqlite3, token-cache.bin and the logs stayed 0644 (only folders were
    tightened), while whoami and doctor said "readable only by you"."""
    import stat

    data = user_dirs / "data" / "meettray"
    data.mkdir(parents=True, exist_ok=True)
    left = [data / "history.sqlite3", data / "token-cache.bin"]
    for path in left:
        path.write_bytes(b"")
        path.chmod(0o644)
    assert paths.exposed_files()  # what doctor reports, looked at

    done = run_cli("doctor", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert "Files" in done.stdout
    assert "readable only by you" in done.stdout

    for path in left:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    logs = list((user_dirs / "state").rglob("*.log"))
    assert logs  # the command logged
    for log in logs:
        assert stat.S_IMODE(log.stat().st_mode) == 0o600  # new files: the umask
    assert paths.exposed_files() == []
