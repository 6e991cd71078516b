"""Where tokens are kept: MSAL's token cache (encrypted where possible) and HTTP cache."""

from __future__ import annotations

import json
import logging
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any

from meettray import paths
from meettray.accounts import CacheStatus

log = logging.getLogger(__name__)


def build_token_cache(path: Path, *, encrypt: bool = True) -> tuple[Any, CacheStatus]:
    """A persistent MSAL token cache at ``path``, encrypted where the OS allows.

    Falls back to a plain file readable only by the user, and says so in the
    returned status.  A damaged cache file is set aside (tokens are only a
    convenience: signing in again restores them).
    """
    import msal_extensions

    paths.ensure_private_dir(path.parent)
    persistence: Any = None
    reason = "encryption was turned off"
    if encrypt:
        try:
            persistence = msal_extensions.build_encrypted_persistence(str(path))
            # Windows and macOS only fail on first use: try a read now.
            persistence.load()
        except msal_extensions.persistence.PersistenceNotFound:
            pass
        except (ImportError, OSError, RuntimeError, ValueError) as exc:
            # ImportError: no PyGObject/libsecret; RuntimeError/OSError: no keyring daemon.
            persistence = None
            reason = f"no system keyring is available ({type(exc).__name__})"
            log.warning("token cache is not encrypted: %s", reason)
    if persistence is None:
        persistence = msal_extensions.FilePersistence(str(path))
        status = CacheStatus(
            str(path), False, f"Tokens are stored unencrypted (mode 0600) because {reason}."
        )
    else:
        status = CacheStatus(str(path), True, "Tokens are stored encrypted by the system keyring.")
    _set_aside_if_damaged(path, persistence)
    return msal_extensions.PersistedTokenCache(persistence), status


def _set_aside_if_damaged(path: Path, persistence: Any) -> None:
    import msal_extensions

    try:
        content = persistence.load()
    except msal_extensions.persistence.PersistenceNotFound:
        return
    except (OSError, RuntimeError, ValueError):
        return  # an unreadable keyring entry is reported when it is used
    try:
        json.loads(content or "{}")
    except ValueError:
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        path.replace(aside)
        log.warning("the token cache was damaged; moved it to %s (sign in again)", aside)


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
