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
from pathlib import Path
from typing import Any

from meettray import paths
from meettray.accounts import CacheStatus
from meettray.errors import StorageError

log = logging.getLogger(__name__)


def build_token_cache(path: Path, *, encrypt: bool = True) -> tuple[Any, CacheStatus]:
    """A persistent MSAL token cache at ``path``, encrypted where the OS allows.

    Linux: the Secret Service keyring (see :mod:`meettray.auth.keyring`), and a
    plain cache left by an earlier run is moved into it.  Windows and macOS:
    msal-extensions' DPAPI and Keychain.  Otherwise a plain file readable only by
    the user, and the returned status says so and why.  A damaged cache is set
    aside (tokens are only a convenience: signing in again restores them).
    """
    import msal_extensions

    paths.ensure_private_dir(path.parent)
    linux = sys.platform.startswith("linux")
    plain = plaintext_path(path)
    if plain != path:
        adopt_legacy_plaintext(path, plain)
    persistence, reason = _encrypted(path) if encrypt else (None, "encryption was turned off")
    if persistence is None:
        log.warning("token cache is not encrypted: %s", reason)
        persistence = msal_extensions.FilePersistence(str(plain))
        path = plain
        status = CacheStatus(
            str(path), False, f"Tokens are stored unencrypted (mode 0600) because {reason}."
        )
    elif linux:
        from meettray.auth.keyring import LABEL

        status = CacheStatus(
            f"the Secret Service keyring (item '{LABEL}')",
            True,
            "Tokens are stored encrypted by the desktop keyring (gnome-keyring or KWallet).",
        )
    else:
        status = CacheStatus(str(path), True, "Tokens are stored encrypted by the system keyring.")
    damaged = _set_aside_if_damaged(path, persistence, in_keyring=status.encrypted and linux)
    if damaged:
        status = dataclasses.replace(
            status,
            damaged=f"{damaged} Sign in again: 'meettray login', or Sign in… in the tray's menu.",
        )
    return msal_extensions.PersistedTokenCache(persistence), status


def _encrypted(path: Path) -> tuple[Any, str]:
    """The OS's encrypted persistence, or ``None`` and why there is none."""
    import msal_extensions

    if sys.platform.startswith("linux"):
        from meettray.auth.keyring import KeyringUnavailable, SecretServicePersistence

        try:
            keyring = SecretServicePersistence(str(path.with_name(f"{path.name}.keyring-signal")))
        except KeyringUnavailable as exc:
            return None, exc.reason
        migrate_plaintext(plaintext_path(path), keyring)
        return keyring, ""
    else:  # an else, so mypy does not judge the other OSes unreachable
        try:
            persistence = msal_extensions.build_encrypted_persistence(str(path))
            persistence.load()  # Windows and macOS only fail on first use: try a read now
        except msal_extensions.persistence.PersistenceNotFound:
            return persistence, ""
        except (ImportError, OSError, RuntimeError, ValueError) as exc:
            return None, f"no system keyring is available ({type(exc).__name__})"
        migrate_plaintext(plaintext_path(path), persistence)
        return persistence, ""


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
            return "The saved sign-in in the keyring was damaged and was removed."
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        path.replace(aside)
        log.warning("the token cache was damaged; moved it to %s (sign in again)", aside)
        return f"The saved sign-in was damaged; it was moved to {aside}."
    return ""


def memory_token_cache() -> tuple[Any, CacheStatus]:
    """A cache that lives only as long as the process (the demo)."""
    import msal

    return msal.SerializableTokenCache(), CacheStatus("memory", False, "Tokens are kept in memory.")


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
