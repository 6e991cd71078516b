"""Where tokens are kept: MSAL's token cache (encrypted where possible) and HTTP cache."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from meettray import paths
from meettray.accounts import CacheStatus
from meettray.errors import StorageError
from meettray.i18n import _

log = logging.getLogger(__name__)


def build_token_cache(
    path: Path,
    *,
    encrypt: bool = True,
    platform: str = sys.platform,
    os_store: Callable[[str], Any] | None = None,
) -> tuple[Any, CacheStatus]:
    """A persistent MSAL token cache at ``path``, encrypted where the OS allows.

    Linux: the Secret Service keyring (see :mod:`meettray.auth.keyring`), and a
    plain cache left by an earlier run is moved into it.  Windows and macOS:
    msal-extensions' DPAPI and Keychain.  Otherwise a plain file readable only by
    the user, and the returned status says so and why.  A damaged cache is set
    aside (tokens are only a convenience: signing in again restores them).  So is one
    DPAPI or the Keychain cannot decrypt: the tokens stay encrypted, and the status asks
    for a new sign-in.  ``os_store`` builds the Windows and macOS persistence (tests
    pass a fake, and the ``platform`` it stands in for).
    """
    import msal_extensions

    paths.ensure_private_dir(path.parent)
    linux = platform.startswith("linux")
    plain = plaintext_path(path, platform)
    if plain != path:
        adopt_legacy_plaintext(path, plain)
    unreadable = ""
    if not encrypt:
        persistence, reason = None, "encryption was turned off"
    elif linux:
        persistence, reason = _keyring(path)
    else:
        build = os_store or msal_extensions.build_encrypted_persistence
        persistence, reason, unreadable = _os_encrypted(path, plain, build)
    if persistence is None:
        log.warning("token cache is not encrypted: %s", reason)
        persistence = msal_extensions.FilePersistence(str(plain))
        path = plain
        status = CacheStatus(
            str(path),
            False,
            _("Tokens are stored unencrypted (mode 0600) because {reason}.").format(reason=reason),
        )
    elif linux:
        from meettray.auth.keyring import LABEL

        status = CacheStatus(
            f"the Secret Service keyring (item '{LABEL}')",
            True,
            _("Tokens are stored encrypted by the desktop keyring (gnome-keyring or KWallet)."),
        )
    else:
        status = CacheStatus(
            str(path), True, _("Tokens are stored encrypted by the system keyring.")
        )
    damaged = unreadable or _set_aside_if_damaged(
        path, persistence, in_keyring=status.encrypted and linux
    )
    if damaged:
        status = dataclasses.replace(
            status,
            damaged=f"{damaged} Sign in again: 'meettray login', or Sign in… in the tray's menu.",
        )
    return msal_extensions.PersistedTokenCache(persistence), status


def _keyring(path: Path) -> tuple[Any, str]:
    """Linux: the Secret Service keyring, or ``None`` and why there is none."""
    from meettray.auth.keyring import KeyringUnavailable, SecretServicePersistence

    try:
        keyring = SecretServicePersistence(str(path.with_name(f"{path.name}.keyring-signal")))
    except KeyringUnavailable as exc:
        return None, exc.reason
    migrate_plaintext(plaintext_path(path), keyring)
    return keyring, ""


def _os_encrypted(path: Path, plain: Path, build: Callable[[str], Any]) -> tuple[Any, str, str]:
    """Windows and macOS: DPAPI or the Keychain through msal-extensions.

    The persistence (``None`` when the OS has none to offer), why there is none, and,
    when there is one but what it holds cannot be decrypted, what was done about it.
    """
    import msal_extensions

    try:
        persistence = build(str(path))
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        return None, f"no system keyring is available ({type(exc).__name__})", ""
    try:
        persistence.load()  # Windows and macOS only fail on first use: try a read now
    except msal_extensions.persistence.PersistenceNotFound:
        pass
    except OSError as exc:
        if not undecryptable(exc):
            return None, f"no system keyring is available ({type(exc).__name__})", ""
        persistence, what = set_aside_undecryptable(persistence, exc)
        if _migrate_if_possible(plain, persistence):
            what = ""  # the plain file's tokens (the newest) are in the store now
        return persistence, "", what
    except (RuntimeError, ValueError) as exc:
        return None, f"no system keyring is available ({type(exc).__name__})", ""
    migrate_plaintext(plain, persistence)
    return persistence, "", ""


#: Keychain statuses that mean there is no keychain to use at all (an ssh session, an
#: account that never logged in at the console): tokens go to the plain file then.
NO_KEYCHAIN = (-25294, -25307)  # errSecNoSuchKeychain, errSecNoDefaultKeychain
#: What a person can make of the Keychain statuses a read fails with.
KEYCHAIN_STATUS = {
    -128: "access to the item was refused",
    -25293: "the keychain password was not accepted",
    -25308: "the keychain is locked and macOS could not ask for its password",
}


def undecryptable(exc: BaseException) -> bool:
    """Whether an encrypted store exists but did not give back what it holds: DPAPI's
    ``PersistenceDecryptionError`` (a file of another Windows account or computer), or a
    ``KeychainError`` other than a missing keychain (access refused after an update
    changed the app's signature, a locked keychain).  Both are ``OSError``; neither may
    turn the cache into a plain file."""
    from msal_extensions.persistence import PersistenceDecryptionError

    if isinstance(exc, PersistenceDecryptionError):
        return True
    status = getattr(exc, "exit_status", None)  # msal_extensions.osx.KeychainError's
    return isinstance(exc, OSError) and isinstance(status, int) and status not in NO_KEYCHAIN


def set_aside_undecryptable(persistence: Any, exc: OSError) -> tuple[Any, str]:
    """Put what cannot be decrypted out of the way and keep the encrypted store; returns
    the persistence to use and what happened, in a sentence.

    DPAPI's file is renamed, so the next sign-in writes a new one beside it.  A Keychain
    item cannot be moved (and reading it is what failed): it stays where it is, looks
    empty, and the next sign-in is saved over it.
    """
    from msal_extensions.persistence import PersistenceDecryptionError

    if isinstance(exc, PersistenceDecryptionError):
        location = Path(persistence.get_location())
        aside = location.with_name(
            f"{location.name}.undecryptable-{time.strftime('%Y%m%d-%H%M%S')}"
        )
        try:
            location.replace(aside)
        except OSError as move:
            log.warning("the token cache could not be decrypted nor moved away: %s", move)
        else:
            log.warning("the token cache could not be decrypted; moved it to %s", aside)
            return persistence, (
                _(
                    "The saved sign-in could not be decrypted (it was written by another "
                    "Windows account or computer); it was moved to {path}."
                ).format(path=aside)
            )
    status = getattr(exc, "exit_status", None)
    meaning = KEYCHAIN_STATUS.get(status, "") if isinstance(status, int) else ""
    log.warning("the token cache could not be read (%s %s)", type(exc).__name__, status)
    said = f"{meaning}, status {status}" if meaning else f"status {status}"
    return UnreadableUntilSaved(persistence), _(
        "The saved sign-in could not be read from the system keyring ({why}). "
        "Your tokens stay encrypted; the next sign-in replaces them."
    ).format(why=said)


class UnreadableUntilSaved:
    """An encrypted store whose content cannot be decrypted: empty to MSAL until a new
    sign-in is saved into it.  Never traded for a plain file."""

    is_encrypted = True

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._saved = False

    def save(self, content: str) -> None:
        self._inner.save(content)
        self._saved = True

    def load(self) -> str:
        import msal_extensions

        if not self._saved:
            raise msal_extensions.persistence.PersistenceNotFound(
                message="the saved sign-in could not be decrypted", location=self.get_location()
            )
        return str(self._inner.load())

    def time_last_modified(self) -> float:
        return float(self._inner.time_last_modified())

    def get_location(self) -> str:
        return str(self._inner.get_location())


def _migrate_if_possible(plaintext: Path, persistence: Any) -> bool:
    """A plain cache an earlier start wrote after the same failure holds the newest
    tokens: into the encrypted store with them, if it takes them."""
    try:
        return migrate_plaintext(plaintext, persistence)
    except OSError as exc:
        log.info("could not move the unencrypted token cache into the keyring: %s", exc)
        return False


def plaintext_path(path: Path, platform: str = sys.platform) -> Path:
    """Where tokens go when no keyring answers.  On Windows and macOS the encrypted
    persistence uses ``path`` itself (DPAPI's file, the Keychain's signal file), so the
    plain cache must have a name of its own; on Linux the keyring uses a signal file
    beside it, and ``path`` is the plain cache, as it always was."""
    if platform.startswith("linux"):
        return path
    return path.with_name(f"{path.stem}.plain{path.suffix}")


def adopt_legacy_plaintext(path: Path, plain: Path) -> bool:
    """A plain cache an earlier release wrote at ``path`` (Windows, macOS) moves to
    ``plain``, so that it is migrated, never read as ciphertext and set aside with its
    tokens in it.  A plain MSAL cache is JSON; DPAPI's is not, the signal file is empty."""
    try:
        content = path.read_text(encoding="utf-8")
        cache = json.loads(content)
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    if not isinstance(cache, dict) or not cache.keys() & {"AccessToken", "RefreshToken", "Account"}:
        return False
    path.replace(plain)
    log.info("found an unencrypted token cache at %s; it will be moved into the keyring", path)
    return True


def migrate_plaintext(plaintext: Path, persistence: Any) -> bool:
    """Move a token cache written without a keyring into the encrypted ``persistence``,
    then remove the file.  A plain file only exists because no keyring answered when it
    was written, so it is the newest copy.  Returns whether anything was moved."""
    try:
        content = plaintext.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    if content.strip():
        persistence.save(content)
    os.remove(plaintext)
    log.info("moved the unencrypted token cache %s into the keyring", plaintext)
    return True


def _set_aside_if_damaged(path: Path, persistence: Any, *, in_keyring: bool) -> str:
    """Put a damaged cache away; what happened, in a sentence ("" when it was sound)."""
    import msal_extensions

    try:
        content = persistence.load()
    except msal_extensions.persistence.PersistenceNotFound:
        return ""
    except (OSError, RuntimeError, ValueError, StorageError):
        return ""  # an unreadable keyring entry is reported when it is used
    try:
        json.loads(content or "{}")
    except ValueError:
        if in_keyring:  # no plaintext copy of tokens, not even of damaged ones
            persistence.delete()
            log.warning("the token cache in the keyring was damaged; removed it (sign in again)")
            return _("The saved sign-in in the keyring was damaged and was removed.")
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        path.replace(aside)
        log.warning("the token cache was damaged; moved it to %s (sign in again)", aside)
        return _("The saved sign-in was damaged; it was moved to {path}.").format(path=aside)
    return ""


def memory_token_cache() -> tuple[Any, CacheStatus]:
    """A cache that lives only as long as the process (the demo)."""
    import msal

    kept = CacheStatus("memory", False, _("Tokens are kept in memory."))
    return msal.SerializableTokenCache(), kept


class HttpCache(dict[Any, Any]):
    """MSAL's cache of non-token HTTP answers (the discovery document), kept on disk.

    A fresh ``meettray now`` then skips the discovery round trip.  This is the
    recipe MSAL documents for command-line apps: a pickled dict, where any
    trouble reading it just means starting afresh.  It holds no tokens.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        try:
            with path.open("rb") as stream:
                loaded = pickle.load(stream)  # noqa: S301 - our own user-only file
            if isinstance(loaded, dict):
                self.update(loaded)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            pass  # absent or from another MSAL version: start afresh

    def save(self) -> None:
        try:
            paths.ensure_private_dir(self.path.parent)
            handle, temporary = tempfile.mkstemp(prefix=".http-cache-", dir=self.path.parent)
            with os.fdopen(handle, "wb") as stream:
                pickle.dump(dict(self), stream)
            os.replace(temporary, self.path)
        except (OSError, pickle.PicklingError) as exc:
            log.info("could not keep MSAL's HTTP cache: %s", exc)
