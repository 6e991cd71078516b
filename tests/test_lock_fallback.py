"""The private runtime folder and the one-tray lock (tests/test_lock.py tests lock.py)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from meettray import ipc, lock

pytestmark = pytest.mark.posix


@pytest.fixture
def no_runtime_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No XDG_RUNTIME_DIR (ssh, containers): the fallback in a temporary folder that
    others may enter, as /tmp is; a short cache folder (socket paths are short)."""
    tmp = Path(tempfile.mkdtemp(prefix="mt-tmp-"))
    tmp.chmod(0o1777)
    cache = Path(tempfile.mkdtemp(prefix="mt-cache-"))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    yield tmp
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)


@pytest.mark.skipif(os.name == "nt" or os.geteuid() != 0, reason="needs root to chown")
def test_a_squatted_tmp_fallback_leaves_one_tray_and_a_reachable_socket(
    no_runtime_dir: Path,
) -> None:
    """Another user made /tmp/meettray-<uid> first: two trays ran (no lock could be
    taken) and 'meettray now' could not hand off (no socket)."""
    squatted = no_runtime_dir / f"meettray-{os.getuid()}"
    squatted.mkdir(mode=0o777)
    os.chown(squatted, 65534, 65534)

    folder = lock.runtime_dir()

    assert Path(folder) != squatted
    assert lock.is_private(folder)
    assert ipc.server_name() == os.path.join(folder, "instance.sock")  # the command's too
    first = lock.claim_instance()
    assert first is not None
    try:
        assert lock.claim_instance() is None  # a second tray is refused
    finally:
        first.release()


def test_the_tmp_fallback_is_used_when_it_is_ours(no_runtime_dir: Path) -> None:
    assert lock.runtime_dir() == str(no_runtime_dir / f"meettray-{os.getuid()}")


def test_no_folder_at_all_says_which_were_refused(
    no_runtime_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (no_runtime_dir / f"meettray-{os.getuid()}").symlink_to("/")
    monkeypatch.setenv("XDG_CACHE_HOME", "/" + "x" * 120)  # too long for a socket path

    with pytest.raises(OSError, match="another user's, or a link") as refused:
        lock.runtime_dir()
    assert "too long a path for a socket" in str(refused.value)
