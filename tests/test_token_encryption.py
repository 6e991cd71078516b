"""Tokens stay encrypted when DPAPI or the Keychain cannot decrypt what they hold.

Fakes of the two persistences stand in for the OS (nothing here can run DPAPI or the
Keychain); they raise what msal-extensions raises there.  Sign-in is the real MSAL
against the fake Microsoft 365.
"""

from __future__ import annotations

from pathlib import Path

import msal_extensions
import pytest
from msal_extensions.persistence import PersistenceDecryptionError, PersistenceNotFound

from meettray import auth
from meettray.config import AccountConfig
from meettray.demo.browser import FakeBrowser
from meettray.demo.fake365 import FakeMicrosoft365

#: What DPAPI's file starts with, for the fake (the real one is a binary blob).
SEALED = "sealed-for-this-user:"


class FakeDpapi(msal_extensions.FilePersistence):  # type: ignore[misc]
    """msal-extensions' FilePersistenceWithDataProtection, for a user who can decrypt
    only what they sealed: another account's file raises PersistenceDecryptionError."""

    is_encrypted = True

    def save(self, content: str) -> None:
        super().save(SEALED + content)

    def load(self) -> str:
        try:
            data = Path(self._location).read_bytes().decode(errors="replace")
        except FileNotFoundError:
            raise PersistenceNotFound(location=self._location) from None
        if not data.startswith(SEALED):
            raise PersistenceDecryptionError(message="Decryption failed", location=self._location)
        return data[len(SEALED) :]


class KeychainError(OSError):
    """msal_extensions.osx.KeychainError (which only imports on macOS)."""

    def __init__(self, exit_status: int) -> None:
        super().__init__()
        self.exit_status = exit_status


class FakeKeychain:
    """KeychainPersistence: one item, and a signal file for the modification time."""

    is_encrypted = True

    def __init__(self, signal: str, *, refuse: int | None) -> None:
        self.signal = msal_extensions.FilePersistence(signal)
        self.item: str | None = "something this build may not read" if refuse else None
        self.refuse = refuse

    def save(self, content: str) -> None:
        self.item, self.refuse = content, None  # the person allowed it, this time
        self.signal.touch()

    def load(self) -> str:
        if self.refuse is not None:
            raise KeychainError(self.refuse)
        if self.item is None:
            raise PersistenceNotFound(message="no item", location="Keychain")
        return self.item

    def time_last_modified(self) -> float:
        return float(self.signal.time_last_modified())

    def get_location(self) -> str:
        return str(self.signal.get_location())


def sign_in(account: AccountConfig, cache: object, browser: FakeBrowser) -> None:
    auth.DelegatedAuth(account, cache, open_browser=browser).sign_in_browser(timeout=20)


@pytest.mark.logs("the token cache could not be decrypted")
def test_a_dpapi_file_that_cannot_be_decrypted_is_set_aside_and_the_store_kept(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    path = tmp_path / "token-cache.bin"
    path.write_bytes(b"\x01\x00\x00\x00\xd0\x8c\x9d\xdf another user's DPAPI blob")

    cache, status = auth.build_token_cache(path, os_store=FakeDpapi, platform="win32")

    assert status.encrypted
    (aside,) = tmp_path.glob("token-cache.bin.undecryptable-*")
    assert aside.read_bytes().startswith(b"\x01\x00\x00\x00")  # kept, untouched
    assert "could not be decrypted" in status.damaged
    assert str(aside) in status.damaged
    assert "Sign in again" in status.damaged
    assert not list(tmp_path.glob("*.plain.*"))  # was: a plain cache, on every start
    sign_in(account, cache, browser)
    assert path.read_text().startswith(SEALED)
    again, status = auth.build_token_cache(path, os_store=FakeDpapi, platform="win32")
    assert status.damaged == ""
    assert auth.DelegatedAuth(account, again).account() is not None


@pytest.mark.logs("the token cache could not be read")
def test_a_keychain_item_this_build_may_not_read_stays_encrypted(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    keychains: list[FakeKeychain] = []

    def keychain(signal: str) -> FakeKeychain:
        keychains.append(FakeKeychain(signal, refuse=-128))
        return keychains[-1]

    cache, status = auth.build_token_cache(
        tmp_path / "token-cache.bin", os_store=keychain, platform="darwin"
    )

    assert status.encrypted
    assert "access to the item was refused" in status.damaged
    assert "Sign in again" in status.damaged
    assert not list(tmp_path.glob("*.plain.*"))
    assert auth.DelegatedAuth(account, cache).account() is None  # empty, not an error
    sign_in(account, cache, browser)
    assert keychains[0].item is not None
    assert '"RefreshToken"' in keychains[0].item


def test_no_keychain_at_all_still_means_a_plain_file(tmp_path: Path) -> None:
    """An ssh session has no keychain to unlock: that is "no keyring", as before."""
    path = tmp_path / "token-cache.bin"

    _cache, status = auth.build_token_cache(
        path, os_store=lambda signal: FakeKeychain(signal, refuse=-25294), platform="darwin"
    )

    assert not status.encrypted
    assert "no system keyring is available (KeychainError)" in status.explanation
    assert status.damaged == ""


@pytest.mark.logs("the token cache could not be decrypted")
def test_tokens_a_failed_start_left_in_a_plain_file_go_into_the_new_store(
    fake: FakeMicrosoft365, account: AccountConfig, browser: FakeBrowser, tmp_path: Path
) -> None:
    """Earlier releases fell back to a plain file on this failure: its tokens are the
    newest, so they move into the encrypted store and no new sign-in is needed."""
    plain_cache, _ = auth.build_token_cache(tmp_path / "plain" / "c.bin", encrypt=False)
    sign_in(account, plain_cache, browser)
    path = tmp_path / "token-cache.bin"
    path.write_bytes(b"\x01\x00\x00\x00 undecryptable")
    (tmp_path / "plain" / "c.bin").replace(tmp_path / "token-cache.plain.bin")

    cache, status = auth.build_token_cache(path, os_store=FakeDpapi, platform="win32")

    assert status.encrypted
    assert status.damaged == ""
    assert not (tmp_path / "token-cache.plain.bin").exists()
    assert path.read_text().startswith(SEALED)
    assert auth.DelegatedAuth(account, cache).account() is not None
