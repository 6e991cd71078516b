"""Tokens in the Secret Service keyring (gnome-keyring, KWallet) without PyGObject.

msal-extensions encrypts on Linux through libsecret, which it reaches through
PyGObject (``gi``); a pip or pipx install has no PyGObject, so it fell back to
a plaintext file although a keyring was running.  This persistence talks to the
Secret Service over D-Bus with ``secretstorage`` (pure Python, on jeepney) and
keeps msal-extensions' semantics: the same interface, a small *signal file*
whose modification time tells other processes to reload (it holds no token),
and the same file lock beside it (taken by ``PersistedTokenCache``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from msal_extensions.persistence import BasePersistence, FilePersistence, PersistenceNotFound

from meettray.errors import StorageError

log = logging.getLogger(__name__)

#: How the keyring item is found again (and shown in Seahorse / KWallet Manager).
LABEL = "meettray sign-in tokens"


class KeyringUnavailable(StorageError):
    """No Secret Service answered, or its keyring stayed locked; ``reason`` says which.

    At start-up it means "use the file instead"; later (the keyring locked while
    meettray runs) it reaches the person as a storage problem they can fix.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"meettray keeps your sign-in in the desktop keyring, but {reason}. Unlock the "
            "keyring (or sign in again) and retry.",
            detail=reason,
        )
        self.reason = reason


class SecretServicePersistence(BasePersistence):  # type: ignore[misc]  # untyped base
    """The MSAL token cache as one Secret Service item, encrypted by the keyring.

    Each operation opens its own short D-Bus connection: a jeepney connection is
    not safe to share between the threads that use the token cache, and none is
    left open between sign-ins.
    """

    is_encrypted = True

    def __init__(self, signal_location: str) -> None:
        self._attributes = {"application": "meettray", "signal": signal_location}
        self._signal = FilePersistence(signal_location)
        with self._collection(unlock=True):
            pass  # it answers, and is unlocked

    @contextmanager
    def _collection(self, *, unlock: bool = False) -> Iterator[Any]:
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            # ssh, containers, headless: no bus to ask (and no D-Bus and crypto imports)
            raise KeyringUnavailable("no Secret Service answers on the session bus")
        try:
            import secretstorage
            from jeepney.wrappers import DBusErrorResponse
        except ImportError as exc:  # secretstorage is a Linux dependency
            raise KeyringUnavailable(f"the Secret Service client is missing ({exc})") from exc
        try:
            connection = secretstorage.dbus_init()
        except (
            secretstorage.exceptions.SecretServiceNotAvailableException,
            OSError,
            KeyError,
        ) as exc:
            # No session bus at all (ssh, containers) surfaces as OSError or KeyError.
            raise KeyringUnavailable("no Secret Service answers on the session bus") from exc
        try:
            # The default keyring as it is: never created here.  Creating one asks the
            # desktop for a new password, a prompt that waits for ever where nobody can
            # answer it (seen on a GNOME session without a login keyring).
            try:
                collection = secretstorage.Collection(connection)
            except secretstorage.exceptions.ItemNotFoundException as exc:
                raise KeyringUnavailable("the Secret Service has no default keyring") from exc
            if unlock and collection.is_locked():
                collection.unlock()  # the desktop may ask for the keyring password
            if collection.is_locked():
                raise KeyringUnavailable("the keyring is locked and was not unlocked")
            yield collection
        except (secretstorage.exceptions.SecretStorageException, DBusErrorResponse) as exc:
            raise KeyringUnavailable(f"the Secret Service refused ({exc})") from exc
        finally:
            connection.close()

    def save(self, content: str) -> None:
        with self._collection() as collection:
            collection.create_item(LABEL, self._attributes, content.encode(), replace=True)
        self._signal.touch()  # for time_last_modified(): other processes reload

    def load(self) -> str:
        with self._collection() as collection:
            item = next(iter(collection.search_items(self._attributes)), None)
            if item is None:
                raise PersistenceNotFound(message="No meettray tokens in the keyring yet.")
            return str(item.get_secret().decode())

    def time_last_modified(self) -> float:
        return float(self._signal.time_last_modified())

    def get_location(self) -> str:
        return str(self._signal.get_location())

    def delete(self) -> None:
        """Remove the keyring item (a damaged cache)."""
        with self._collection() as collection:
            for item in collection.search_items(self._attributes):
                item.delete()
