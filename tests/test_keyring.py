"""Tokens in a real Secret Service: gnome-keyring on a private D-Bus session bus.

The keyring is unlocked with a test password, as a desktop login would; the
fake Microsoft 365 issues the tokens.  No PyGObject is involved.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from meettray import auth
from meettray.auth.keyring import LABEL
from meettray.config import AccountConfig
from meettray.demo.browser import FakeBrowser
from meettray.demo.fake365 import FakeMicrosoft365

from .conftest import run_cli

pytest.importorskip("jeepney", reason="the Secret Service is a Linux desktop service")
pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the Secret Service is a Linux desktop service"
)

from .dbus_service import private_bus  # noqa: E402 - jeepney is Linux-only


@pytest.fixture
def keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private session bus with gnome-keyring's Secret Service, unlocked; its address."""
    for program in ("dbus-daemon", "gnome-keyring-daemon"):
        if shutil.which(program) is None:
            raise RuntimeError(f"{program} is not installed: run the README's test command")
    home = tmp_path / "keyring-home"
    home.mkdir()
    # A runtime folder of its own: gnome-keyring looks for a running daemon's
    # control socket there, and would hand over to the previous test's one.
    runtime = tmp_path / "keyring-runtime"
    runtime.mkdir(mode=0o700)
    with private_bus(activation=False) as address:
        env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address, "HOME": str(home),
               "XDG_DATA_HOME": str(home / "data"), "XDG_RUNTIME_DIR": str(runtime)}  # fmt: skip
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )  # fmt: skip
        assert daemon.stdin is not None
        daemon.stdin.write(b"test-password")
        daemon.stdin.close()
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        try:
            _wait_for_keyring()
            yield address
        finally:
            daemon.terminate()
            daemon.wait(10)


def _wait_for_keyring(timeout: float = 15) -> None:
    import secretstorage

    deadline = time.monotonic() + timeout
    while True:
        try:
            connection = secretstorage.dbus_init()
            try:
                # Collection(), not get_default_collection(): asked before the
                # daemon has made the login keyring from our password, the
                # latter creates a second one, which needs a prompter we lack.
                if not secretstorage.Collection(connection).is_locked():
                    return
            finally:
                connection.close()
        except secretstorage.exceptions.SecretStorageException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("gnome-keyring's Secret Service did not come up")
        time.sleep(0.1)


def _keyring_items() -> list[tuple[str, bytes]]:
    import secretstorage

    connection = secretstorage.dbus_init()
    try:
        collection = secretstorage.get_default_collection(connection)
        return [(item.get_label(), item.get_secret())
                for item in collection.search_items({"application": "meettray"})]  # fmt: skip
    finally:
        connection.close()


def _files_holding(folder: Path, secrets: list[str]) -> list[Path]:
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and any(s.encode() in path.read_bytes() for s in secrets)
    ]


def test_tokens_go_to_the_keyring_and_never_to_disk(
    keyring: str, fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser,
    tmp_path: Path,
) -> None:  # fmt: skip
    folder = tmp_path / "data"
    cache, status = auth.build_token_cache(folder / "token-cache.bin")

    assert status.encrypted is True
    assert "keyring" in status.location
    who = auth.DelegatedAuth(account, cache, open_browser=browser).sign_in_browser(timeout=20)

    assert who.username == "adele@contoso.example"
    assert _files_holding(folder, fake.issued_secrets) == []  # not one token byte on disk
    ((label, secret),) = _keyring_items()
    assert label == LABEL
    assert json.loads(secret)["AccessToken"]  # the MSAL cache, encrypted by the keyring
    assert not (folder / "token-cache.bin").exists()


def test_a_plaintext_cache_moves_into_the_keyring(
    keyring: str, fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser,
    tmp_path: Path,
) -> None:  # fmt: skip
    path = tmp_path / "data" / "token-cache.bin"
    plain, _ = auth.build_token_cache(path, encrypt=False)  # as written without a keyring
    auth.DelegatedAuth(account, plain, open_browser=browser).sign_in_browser(timeout=20)
    assert path.exists()

    cache, status = auth.build_token_cache(path)

    assert status.encrypted is True
    assert not path.exists()  # moved, then removed
    who = auth.DelegatedAuth(account, cache).account()
    assert who is not None
    assert who.username == "adele@contoso.example"  # still signed in, from the keyring
    assert _files_holding(tmp_path, fake.issued_secrets) == []


def test_a_locked_keyring_gives_the_file_and_says_so(keyring: str, tmp_path: Path) -> None:
    import secretstorage

    connection = secretstorage.dbus_init()
    secretstorage.get_default_collection(connection).lock()
    connection.close()

    _cache, status = auth.build_token_cache(tmp_path / "token-cache.bin")

    assert status.encrypted is False
    assert "the keyring is locked" in status.explanation


def test_no_secret_service_gives_the_file_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")

    _cache, status = auth.build_token_cache(tmp_path / "token-cache.bin")

    assert status.encrypted is False
    assert "no Secret Service answers on the session bus" in status.explanation


def test_the_command_line_reports_the_keyring_truthfully(
    keyring: str, config_file: Path, fake: FakeMicrosoft365, user_dirs: Path
) -> None:
    env = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}
    assert run_cli("login", "--device-code", env=env).returncode == 0

    who = json.loads(run_cli("whoami", "--json", env=env).stdout)

    assert who["token_cache_encrypted"] is True
    assert "keyring" in who["token_cache"]
    assert _files_holding(user_dirs, fake.issued_secrets) == []


def test_a_keyring_locked_while_running_is_a_plain_storage_error(
    keyring: str, fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser,
    tmp_path: Path,
) -> None:  # fmt: skip
    import secretstorage

    from meettray.errors import StorageError

    cache, _ = auth.build_token_cache(tmp_path / "data" / "token-cache.bin")
    auth.DelegatedAuth(account, cache, open_browser=browser).sign_in_browser(timeout=20)
    # Another process saved: its signal file is newer than our last sync.  The
    # kernel stamps files with a coarse clock, a few milliseconds behind
    # time.time(), so a plain touch() right after our own save can look older.
    later = time.time() + 5
    os.utime(tmp_path / "data" / "token-cache.bin.keyring-signal", (later, later))
    connection = secretstorage.dbus_init()
    secretstorage.get_default_collection(connection).lock()
    connection.close()

    with pytest.raises(StorageError) as caught:
        auth.DelegatedAuth(account, cache).token([auth.MEETINGS])

    assert "keyring" in caught.value.message
    assert "Unlock" in caught.value.message


def test_the_keyring_is_read_and_written_without_loading_cryptography(
    keyring: str, fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser,
    tmp_path: Path,
) -> None:  # fmt: skip
    """SecretStorage's encrypted session loaded cryptography (11 MiB, for as long as the
    tray ran); the plain session needs none (see auth/keyring.py for why it is as safe)."""
    path = tmp_path / "data" / "token-cache.bin"
    cache, _ = auth.build_token_cache(path)
    auth.DelegatedAuth(account, cache, open_browser=browser).sign_in_browser(timeout=20)
    code = (
        "import json, pathlib, sys\n"
        "from meettray import auth\n"
        f"cache, status = auth.build_token_cache(pathlib.Path({str(path)!r}))\n"
        "tokens = len(cache.find('AccessToken'))\n"
        "cache.modify('AccessToken', cache.find('AccessToken')[0], {'target': 'written'})\n"
        "print(json.dumps([status.encrypted, tokens, 'cryptography' in sys.modules]))\n"
    )

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip

    assert json.loads(done.stdout) == [True, 1, False]
    ((_label, secret),) = _keyring_items()  # written by that process, read here
    assert "written" in secret.decode()
